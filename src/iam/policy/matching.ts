/**
 * Wildcard matching for actions, resources, StringLike and the ARN condition operators.
 *
 * Patterns are compiled once, at parse time, into a `Matcher`: a plain function of the candidate string.
 * Compilation picks the cheapest form that is exact: always-true for `*`, string equality when there is
 * no wildcard, `startsWith` for a single trailing `*`, and a regular expression otherwise.
 *
 * Three matching modes, following the IAM documentation:
 *
 * - `plain`: the whole string is globbed; `*` matches any run of characters (colons included), `?` exactly
 *   one character. Used for actions (case-insensitive: the caller lower-cases both sides) and StringLike.
 * - `resource`: the Resource / NotResource element. "You can use wildcard characters (* and ?) within any ARN
 *   segment (the parts separated by colons)... If the * wildcard is the last character of a resource ARN
 *   segment, it can expand to match beyond the colon boundaries." So, within the first five colon-separated
 *   segments, `*` and `?` do not cross a colon unless the `*` ends its segment; in the resource part (after the
 *   fifth colon) they match anything. `*` alone matches everything, including the request resource `*`.
 * - `arn`: ArnEquals / ArnLike. "Each of the six colon-delimited components of the ARN is checked separately",
 *   so no wildcard crosses a colon in the first five components. UNCONFIRMED: a pattern with fewer than five
 *   colons (`*`, `arn:aws:s3:*`) is not a full ARN; we glob it as a whole string, as `plain` does.
 *
 * Matching of the candidate is always case-sensitive; callers fold case themselves where IAM does.
 */

/** A wildcard in a parsed glob. Everything else in a glob is a literal string. */
export const STAR = 0 as const;
export const QMARK = 1 as const;
export type Wildcard = typeof STAR | typeof QMARK;
export type GlobPart = string | Wildcard;

export type Matcher = (candidate: string) => boolean;
export type MatchMode = 'plain' | 'resource' | 'arn';

const alwaysTrue: Matcher = () => true;

/** Splits a pattern into literal runs and wildcards: `*` and `?` are wildcards, nothing is escaped. */
export function parseGlob(pattern: string): GlobPart[] {
  const parts: GlobPart[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(c === '*' ? STAR : QMARK);
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

/** Joins adjacent literal runs, so that compile() can recognise the fast shapes. */
export function normaliseGlob(parts: readonly GlobPart[]): GlobPart[] {
  const out: GlobPart[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      if (p === '') continue;
      const last = out.length - 1;
      if (last >= 0 && typeof out[last] === 'string') out[last] = (out[last] as string) + p;
      else out.push(p);
    } else {
      out.push(p);
    }
  }
  return out;
}

export function hasWildcard(parts: readonly GlobPart[]): boolean {
  for (const p of parts) if (typeof p !== 'string') return true;
  return false;
}

function countColons(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 58) n++;
  return n;
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/-]/g;
function escapeRegex(s: string): string {
  return s.replace(REGEX_SPECIALS, '\\$&');
}

/** Bounded cache of compiled expressions, shared by every pattern (dynamic patterns recompile per request). */
const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 2048;
function cachedRegex(source: string): RegExp {
  let re = regexCache.get(source);
  if (re === undefined) {
    re = new RegExp(source, 's');
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** The regular-expression source for a glob in the given mode (anchored at both ends). */
function regexSource(parts: readonly GlobPart[], mode: MatchMode): string {
  if (mode === 'plain') {
    let src = '^';
    for (const p of parts) src += p === STAR ? '.*' : p === QMARK ? '.' : escapeRegex(p);
    return src + '$';
  }
  // ARN-aware modes: wildcards in the first five segments stay inside their segment.
  let colons = 0;
  let src = '^';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      colons += countColons(p);
      src += escapeRegex(p);
    } else if (colons >= 5) {
      src += p === STAR ? '.*' : '.';
    } else if (p === QMARK) {
      src += '[^:]';
    } else {
      const next = parts[i + 1];
      const endsSegment = next === undefined || (typeof next === 'string' && next.charCodeAt(0) === 58);
      src += mode === 'resource' && endsSegment ? '.*' : '[^:]*';
    }
  }
  return src + '$';
}

/**
 * Compiles a glob into a matcher. With `ignoreCase`, literal parts are lower-cased and the caller must pass
 * lower-cased candidates (the evaluator lower-cases the request's action once per evaluation).
 */
export function compileGlob(input: readonly GlobPart[], mode: MatchMode, ignoreCase = false): Matcher {
  let parts = normaliseGlob(input);
  if (ignoreCase) parts = parts.map((p) => (typeof p === 'string' ? p.toLowerCase() : p));
  if (mode === 'arn') {
    let colons = 0;
    for (const p of parts) if (typeof p === 'string') colons += countColons(p);
    if (colons < 5) mode = 'plain';
  }
  if (parts.length === 0) return (c) => c === '';
  if (parts.length === 1) {
    const only = parts[0]!;
    if (typeof only === 'string') return (c) => c === only;
    if (only === STAR && mode !== 'arn') return alwaysTrue;
  }
  if (!hasWildcard(parts)) {
    const literal = parts.join('');
    return (c) => c === literal;
  }
  if (parts.length === 2 && typeof parts[0] === 'string' && parts[1] === STAR) {
    // A single trailing star: in every mode it matches any suffix, except in `arn` mode before the resource part.
    const prefix = parts[0];
    if (mode !== 'arn' || countColons(prefix) >= 5) return (c) => c.startsWith(prefix);
  }
  const re = cachedRegex(regexSource(parts, mode));
  return (c) => re.test(c);
}

/** Compiles a pattern string directly (no policy variables). */
export function compilePattern(pattern: string, mode: MatchMode, ignoreCase = false): Matcher {
  return compileGlob(parseGlob(pattern), mode, ignoreCase);
}

/**
 * A set of static patterns, tested as one: exact literals go into a Set, `*` short-circuits, the rest are
 * matchers tried in order.
 */
export class PatternSet {
  readonly matchesAll: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly others: readonly Matcher[];

  constructor(patterns: readonly string[], mode: MatchMode, ignoreCase = false) {
    const exact = new Set<string>();
    const others: Matcher[] = [];
    let all = false;
    for (const raw of patterns) {
      const parts = normaliseGlob(parseGlob(raw));
      if (!hasWildcard(parts)) {
        const literal = parts.join('');
        exact.add(ignoreCase ? literal.toLowerCase() : literal);
      } else if (parts.length === 1 && parts[0] === STAR && mode !== 'arn') {
        all = true;
      } else {
        others.push(compileGlob(parts, mode, ignoreCase));
      }
    }
    this.matchesAll = all;
    this.exact = exact;
    this.others = others;
  }

  test(candidate: string): boolean {
    if (this.matchesAll || this.exact.has(candidate)) return true;
    for (const m of this.others) if (m(candidate)) return true;
    return false;
  }
}
