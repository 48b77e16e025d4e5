/**
 * Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, any context key, with a default
 * (`${aws:PrincipalTag/team, 'none'}`) and the escapes `${*}`, `${?}`, `${$}` for a literal `*`, `?`, `$`.
 *
 * They are substituted only in policies of Version 2012-10-17, and only in Resource / NotResource and in the
 * values of the String* and Arn* condition operators. A substituted value is literal: a `*` inside a user name
 * or tag value is not a wildcard, and neither is `${*}`.
 *
 * A variable whose key is absent (and has no default), or is multi-valued, is unresolved: the pattern or
 * condition value that contains it matches nothing.
 */
import type { RequestContext } from './context.js';
import { type GlobPart, QMARK, STAR } from './matching.js';

/** A literal run, a wildcard, or a variable reference (key folded to lower case). */
export interface VariablePart {
  readonly key: string;
  readonly fallback?: string;
}
export type TemplatePart = GlobPart | VariablePart;

export interface Template {
  readonly parts: readonly TemplatePart[];
  /** True when some part is a variable, i.e. the template must be resolved per request. */
  readonly dynamic: boolean;
  /** The original text. */
  readonly text: string;
}

// Inside ${...}: a key, optionally ", 'default'". Keys are "namespace:name" with tag keys allowing more characters.
const VARIABLE_BODY = /^\s*([^\s,'}]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * Parses a pattern. With `substitute` false (Version 2008-10-17) `${...}` is plain text. With `wildcards`
 * false (StringEquals and friends) `*` and `?` are literal characters.
 */
export function parseTemplate(text: string, substitute: boolean, wildcards = true): Template {
  const parts: TemplatePart[] = [];
  let literal = '';
  let dynamic = false;
  const flush = () => {
    if (literal) parts.push(literal);
    literal = '';
  };
  // The next `}` and `${` after a position, remembered: `${${${…` must not rescan the rest of the text for
  // every `${` (quadratic on a 128 KB document).
  let close = -1;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (substitute && c === '$' && text[i + 1] === '{') {
      if (close !== text.length && close < i + 2) close = indexOrEnd(text, '}', i + 2);
      if (open !== text.length && open < i + 2) open = indexOrEnd(text, '${', i + 2);
      // A body holds no `${` (`${a${b}` is `${a` then the variable b): bodies never overlap, so reading them is linear.
      if (close < text.length && open > close) {
        const body = text.slice(i + 2, close);
        if (body === '*' || body === '?' || body === '$') {
          literal += body;
          i = close;
          continue;
        }
        const m = VARIABLE_BODY.exec(body);
        if (m) {
          flush();
          parts.push(m[2] === undefined ? { key: m[1]!.toLowerCase() } : { key: m[1]!.toLowerCase(), fallback: m[2] });
          dynamic = true;
          i = close;
          continue;
        }
      }
    }
    if (wildcards && (c === '*' || c === '?')) {
      flush();
      parts.push(c === '*' ? STAR : QMARK);
    } else {
      literal += c;
    }
  }
  flush();
  return { parts, dynamic, text };
}

function indexOrEnd(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? text.length : i;
}

/** The value a variable takes in this context, or undefined when it is unresolved. */
export function resolveVariable(v: VariablePart, ctx: RequestContext): string | undefined {
  const entry = ctx.getFolded(v.key);
  if (entry === undefined) return v.fallback;
  return entry.single();
}

/** Substitutes every variable; null when one is unresolved. */
export function resolveTemplate(t: Template, ctx: RequestContext): GlobPart[] | null {
  const out: GlobPart[] = [];
  for (const p of t.parts) {
    if (typeof p === 'object') {
      const value = resolveVariable(p, ctx);
      if (value === undefined) return null;
      out.push(value);
    } else {
      out.push(p);
    }
  }
  return out;
}

/** The static text of a template without variables, with wildcards as `*` / `?`. */
export function templateText(parts: readonly TemplatePart[]): string {
  let s = '';
  for (const p of parts) {
    if (typeof p === 'string') s += p;
    else if (p === STAR) s += '*';
    else if (p === QMARK) s += '?';
  }
  return s;
}

/** Resolves a template used as a plain string (wildcards off): the string, or undefined if unresolved. */
export function resolveString(t: Template, ctx: RequestContext): string | undefined {
  let s = '';
  for (const p of t.parts) {
    if (typeof p === 'object') {
      const value = resolveVariable(p, ctx);
      if (value === undefined) return undefined;
      s += value;
    } else if (typeof p === 'string') {
      s += p;
    } else {
      s += p === STAR ? '*' : '?';
    }
  }
  return s;
}
