/**
 * Wildcard matching for actions, resources, StringLike and the ARN condition operators.
 *
 * Patterns are compiled once, at parse time, into a `Matcher`: a plain function of the candidate string.
 * Compilation picks the cheapest form that is exact: always-true for `*`, string equality when there is
 * no wildcard, `startsWith` for a single trailing `*`, and otherwise one of two matchers below.
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
 *
 * Cost: patterns come from session policies, so a caller chooses them. No regular expression is built from a
 * pattern (a backtracking engine takes exponential time on `*a*a*a…b`); both matchers below do at most
 * (pattern length + 1) x (candidate length + 1) character steps, whatever the input. Characters are UTF-16 code
 * units, as they were for the regular expressions this replaced.
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

/**
 * A compiled wildcard: which characters it takes. `ANY_*` take any character; `SEG_*` take any but `:` (an ARN
 * wildcard that must stay inside its segment). Literal characters are their char codes (>= 0).
 */
const ANY_ONE = -1;
const SEG_ONE = -2;
const ANY_STAR = -3;
const SEG_STAR = -4;
const COLON = 58;

/**
 * The pattern as one code per character: a char code or one of the wildcard codes above, chosen by the mode's
 * rules (see the header): wildcards in the first five ARN segments stay in their segment, except, in `resource`
 * mode, a `*` that ends its segment.
 */
function classify(parts: readonly GlobPart[], mode: MatchMode): number[] {
  const codes: number[] = [];
  let colons = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      for (let k = 0; k < p.length; k++) codes.push(p.charCodeAt(k));
      colons += countColons(p);
    } else if (mode === 'plain' || colons >= 5) {
      codes.push(p === STAR ? ANY_STAR : ANY_ONE);
    } else if (p === QMARK) {
      codes.push(SEG_ONE);
    } else {
      const next = parts[i + 1];
      const endsSegment = next === undefined || (typeof next === 'string' && next.charCodeAt(0) === COLON);
      codes.push(mode === 'resource' && endsSegment ? ANY_STAR : SEG_STAR);
    }
  }
  return codes;
}

/**
 * A run of the pattern between two `*`: literal characters and `?`, compiled to a test of the run at one place
 * (`at`) and a search for its leftmost place in [from, last] (`find`, -1 when none). Runs without `?` use the
 * engine's startsWith and indexOf.
 */
interface Block {
  readonly length: number;
  readonly at: (c: string, i: number) => boolean;
  readonly find: (c: string, from: number, last: number) => number;
}

function compileBlock(codes: readonly number[]): Block {
  const length = codes.length;
  if (length === 0) return { length, at: () => true, find: (_c, from, last) => (from <= last ? from : -1) };
  // The literal runs between the `?`s, with their offsets in the block.
  const chunks: Array<{ offset: number; text: string }> = [];
  let text = '';
  codes.forEach((code, k) => {
    if (code >= 0) {
      text += String.fromCharCode(code);
      return;
    }
    if (text) chunks.push({ offset: k - text.length, text });
    text = '';
  });
  if (text) chunks.push({ offset: length - text.length, text });
  if (chunks.length === 1 && chunks[0]!.text.length === length) {
    const literal = chunks[0]!.text;
    return {
      length,
      at: (c, i) => c.startsWith(literal, i),
      find: (c, from, last) => {
        const i = c.indexOf(literal, from);
        return i <= last ? i : -1;
      },
    };
  }
  const at = (c: string, i: number): boolean => {
    for (const { offset, text } of chunks) if (!c.startsWith(text, i + offset)) return false;
    return true;
  };
  return {
    length,
    at,
    // Tries every start: at most (last - from + 1) x block length steps.
    find: (c, from, last) => {
      for (let i = from; i <= last; i++) if (at(c, i)) return i;
      return -1;
    },
  };
}

/** A matcher of the candidate's characters [from, to). */
type RangeMatcher = (c: string, from: number, to: number) => boolean;

/**
 * Every wildcard takes any character: the pattern is `head * middle… * tail`. The head must match at the
 * start, the tail at the end, and each middle block at its leftmost place after the previous one; leftmost is
 * always right, since the `*` that follows can take whatever a later placement would have skipped. Each block
 * is searched once, over the characters not yet consumed: at most pattern x candidate steps, no backtracking.
 * (`?` and `*` here take any character: callers pass SEG_ codes only for ranges that hold no colon.)
 */
function blocksMatcher(codes: readonly number[]): RangeMatcher {
  const runs: number[][] = [[]];
  for (const code of codes) {
    if (code === ANY_STAR || code === SEG_STAR) runs.push([]);
    else runs[runs.length - 1]!.push(code === SEG_ONE ? ANY_ONE : code);
  }
  const head = compileBlock(runs[0]!);
  if (runs.length === 1) return (c, from, to) => to - from === head.length && head.at(c, from);
  const tail = compileBlock(runs[runs.length - 1]!);
  const middle = runs
    .slice(1, -1)
    .filter((r) => r.length > 0)
    .map(compileBlock);
  const minLength = head.length + tail.length + middle.reduce((n, b) => n + b.length, 0);
  if (middle.length === 0) {
    return (c, from, to) => to - from >= minLength && head.at(c, from) && tail.at(c, to - tail.length);
  }
  return (c, from, to) => {
    if (to - from < minLength) return false;
    const end = to - tail.length;
    if (!head.at(c, from) || !tail.at(c, end)) return false;
    let at = from + head.length;
    for (let k = 0; k < middle.length; k++) {
      const b = middle[k]!;
      const i = b.find(c, at, end - b.length);
      if (i < 0) return false;
      at = i + b.length;
    }
    return true;
  };
}

/**
 * No wildcard before the fifth colon takes a colon (all of ArnLike's; Resource patterns whose wildcards there do
 * not end a segment): the pattern's first colons must meet the candidate's first colons. Each segment is globbed
 * alone, and the resource part after the fifth colon as a whole; with fewer than five colons in the pattern, the
 * candidate must have exactly as many. Leading segments without a wildcard (`arn:aws:iam::`) are one startsWith.
 */
function splitMatcher(codes: readonly number[]): Matcher {
  const segments: number[][] = [[]];
  let rest: readonly number[] | undefined;
  for (let j = 0; j < codes.length && rest === undefined; j++) {
    if (codes[j] !== COLON) segments[segments.length - 1]!.push(codes[j]!);
    else if (segments.length === 5) rest = codes.slice(j + 1);
    else segments.push([]);
  }
  // Fewer than five colons: the last segment is globbed as the rest, and must hold no colon.
  rest ??= segments.pop()!;
  const held = segments.length;
  let prefix = '';
  let first = 0;
  while (first < held && segments[first]!.every((code) => code >= 0)) {
    prefix += String.fromCharCode(...segments[first]!) + ':';
    first++;
  }
  const pieces = segments.slice(first, held).map(blocksMatcher);
  const last = blocksMatcher(rest);
  return (c) => {
    if (!c.startsWith(prefix)) return false;
    let from = prefix.length;
    for (let k = 0; k < pieces.length; k++) {
      const colon = c.indexOf(':', from);
      if (colon < 0 || !pieces[k]!(c, from, colon)) return false;
      from = colon + 1;
    }
    if (held < 5 && c.indexOf(':', from) >= 0) return false;
    return last(c, from, c.length);
  };
}

/** Is there a wildcard that takes a colon before the pattern's fifth colon (a Resource `*` ending a segment)? */
function crossesBeforeFifthColon(codes: readonly number[]): boolean {
  let colons = 0;
  for (const code of codes) {
    if (code === COLON && ++colons === 5) return false;
    if (code === ANY_STAR || code === ANY_ONE) return true;
  }
  return false;
}

/** Scratch bit sets of segmentMatcher, shared: matching is synchronous, so one call uses them at a time. */
let scratchA = new Int32Array(8);
let scratchB = new Int32Array(8);

/**
 * Wildcards that stay in their segment and others that do not, before the fifth colon (Resource
 * `arn:aws:ec2:us-*-1:*:instance/x`): the candidate is read once, left to right, keeping the set of pattern
 * positions reached so far as a bit set (bit j: the next character must match pattern[j]; bit m: matched). Each
 * character costs one pass over the set's (pattern + 1) / 32 words, whatever the pattern.
 */
function segmentMatcher(codes: readonly number[]): Matcher {
  // A run of stars is one star (any character if one of them takes any): then a star is never followed by a
  // star, and the positions a reached star opens (it may take nothing) are found in one shift.
  const pattern: number[] = [];
  for (const code of codes) {
    const last = pattern.length - 1;
    if (code <= ANY_STAR && last >= 0 && pattern[last]! <= ANY_STAR) {
      if (code === ANY_STAR) pattern[last] = ANY_STAR;
    } else {
      pattern.push(code);
    }
  }
  const m = pattern.length;
  const words = (m >>> 5) + 1;
  const bits = () => new Int32Array(words);
  const set = (v: Int32Array, j: number) => {
    v[j >>> 5]! |= 1 << (j & 31);
  };
  // What moves on (single-character positions) and what stays (stars), after a colon and after anything else.
  const moveOnColon = bits();
  const moveOnOther = bits();
  const stayOnColon = bits();
  const stayOnOther = bits();
  const stars = bits();
  const literals = new Map<number, Int32Array>();
  pattern.forEach((p, j) => {
    if (p >= 0) {
      let v = literals.get(p);
      if (v === undefined) literals.set(p, (v = bits()));
      set(v, j);
    } else if (p === ANY_ONE || p === SEG_ONE) {
      if (p === ANY_ONE) set(moveOnColon, j);
      set(moveOnOther, j);
    } else {
      if (p === ANY_STAR) set(stayOnColon, j);
      set(stayOnOther, j);
      set(stars, j);
    }
  });
  const noLiteral = bits();
  const acceptWord = m >>> 5;
  const acceptBit = 1 << (m & 31);
  return (c) => {
    if (scratchA.length < words) {
      scratchA = new Int32Array(words);
      scratchB = new Int32Array(words);
    }
    let current = scratchA;
    let next = scratchB;
    current.fill(0, 0, words);
    current[0] = pattern[0]! <= ANY_STAR ? 0b11 : 0b1;
    for (let i = 0; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      const literal = literals.get(ch) ?? noLiteral;
      const move = ch === COLON ? moveOnColon : moveOnOther;
      const stay = ch === COLON ? stayOnColon : stayOnOther;
      let moveCarry = 0;
      let openCarry = 0;
      let alive = 0;
      for (let w = 0; w < words; w++) {
        const x = current[w]!;
        const moved = x & (literal[w]! | move[w]!);
        let n = (moved << 1) | moveCarry | (x & stay[w]!);
        moveCarry = moved >>> 31;
        const open = n & stars[w]!;
        n |= (open << 1) | openCarry;
        openCarry = open >>> 31;
        next[w] = n;
        alive |= n;
      }
      if (alive === 0) return false;
      const t = current;
      current = next;
      next = t;
    }
    return (current[acceptWord]! & acceptBit) !== 0;
  };
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
  const codes = classify(parts, mode);
  if (!codes.some((code) => code === SEG_ONE || code === SEG_STAR)) {
    const whole = blocksMatcher(codes);
    return (c) => whole(c, 0, c.length);
  }
  return crossesBeforeFifthColon(codes) ? segmentMatcher(codes) : splitMatcher(codes);
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
