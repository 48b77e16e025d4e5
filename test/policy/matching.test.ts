/**
 * Wildcard matching (src/policy/matching.ts): agreement with two references on random patterns, and the
 * adversarial patterns that made the old regular-expression matcher backtrack for minutes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { after, before, describe, test } from 'node:test';
import {
  type GlobPart,
  type MatchMode,
  PatternSet,
  QMARK,
  STAR,
  compileGlob,
  compilePattern,
  parseGlob,
} from '../../src/policy/matching.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { allow, assumed, createRole, iam, ok, policy, trust } from '../helpers/iam.js';
import { call, createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { spawnServe, type ServeProcess } from '../helpers/server.js';

const MODES: readonly MatchMode[] = ['plain', 'resource', 'arn'];

/**
 * Reference 1, written from the documented rules (matching.ts's header) and nothing else: a memoised recursion
 * over (pattern index, candidate index). A wildcard in the first five colon-separated segments of the pattern
 * does not take a colon, except a `*` that ends its segment in resource mode; `plain` mode, and `arn` mode with
 * fewer than five colons, let every wildcard take anything.
 */
function reference(pattern: string, candidate: string, mode: MatchMode): boolean {
  const colons = [...pattern].filter((ch) => ch === ':').length;
  if (mode === 'arn' && colons < 5) mode = 'plain';
  const crossing = [...pattern].map((ch, i) => {
    if (mode === 'plain' || pattern.slice(0, i).split(':').length > 5) return true;
    const endsSegment = i === pattern.length - 1 || pattern[i + 1] === ':';
    return ch === '*' && mode === 'resource' && endsSegment;
  });
  const crosses = (i: number) => crossing[i]!;
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * (candidate.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === pattern.length) result = j === candidate.length;
    else if (pattern[i] === '*') {
      result = match(i + 1, j) || (j < candidate.length && (crosses(i) || candidate[j] !== ':') && match(i, j + 1));
    } else if (pattern[i] === '?') {
      result = j < candidate.length && (crosses(i) || candidate[j] !== ':') && match(i + 1, j + 1);
    } else {
      result = j < candidate.length && candidate[j] === pattern[i] && match(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** Reference 2: the regular-expression compiler matching.ts used before (backtracks; small inputs only). */
function oldRegex(pattern: string, mode: MatchMode): RegExp {
  const parts = parseGlob(pattern);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const count = (s: string) => s.split(':').length - 1;
  let total = 0;
  for (const p of parts) if (typeof p === 'string') total += count(p);
  if (mode === 'arn' && total < 5) mode = 'plain';
  let src = '^';
  let colons = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      colons += count(p);
      src += escape(p);
    } else if (mode === 'plain' || colons >= 5) {
      src += p === STAR ? '.*' : '.';
    } else if (p === QMARK) {
      src += '[^:]';
    } else {
      const next = parts[i + 1];
      const endsSegment = next === undefined || (typeof next === 'string' && next.startsWith(':'));
      src += mode === 'resource' && endsSegment ? '.*' : '[^:]*';
    }
  }
  return new RegExp(src + '$', 's');
}

/** mulberry32: a small seeded PRNG, so that a failure is reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('agreement with the references', () => {
  const SEED = Number(process.env.OPENSTS_MATCHING_SEED ?? 20261203);
  const ROUNDS = Number(process.env.OPENSTS_MATCHING_ROUNDS ?? 3000);
  const random = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const string = (alphabet: readonly string[], max: number) =>
    Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(alphabet)).join('');
  // Biased to the characters the segment rules are about; `A` exercises case folding.
  const PATTERN = ['*', '*', '?', ':', ':', 'a', 'a', 'b', 'A', '/'];
  const TEXT = [':', ':', 'a', 'a', 'b', 'A', '/', '*'];
  const PREFIXES = ['', '', 'arn:aws:', 'arn:aws:iam::1:', 'a:b:c:d:e:'];

  /** A candidate built from the pattern (each wildcard replaced by random text), so that many cases match. */
  const instance = (pattern: string) =>
    [...pattern]
      .map((ch) => (ch === '*' ? string(TEXT, 3) : ch === '?' ? pick(TEXT) : random() < 0.05 ? pick(TEXT) : ch))
      .join('');

  for (const mode of MODES) {
    for (const ignoreCase of [false, true]) {
      test(`${mode}${ignoreCase ? ', ignoring case' : ''}: ${ROUNDS} random patterns, seed ${SEED}`, () => {
        const outcomes = { true: 0, false: 0 };
        for (let round = 0; round < ROUNDS; round++) {
          const pattern = pick(PREFIXES) + string(PATTERN, 10);
          let candidate = random() < 0.6 ? instance(pattern) : pick(PREFIXES) + string(TEXT, 12);
          // With ignoreCase the caller passes a lower-cased candidate; the pattern is folded by compile.
          if (ignoreCase) candidate = candidate.toLowerCase();
          const folded = ignoreCase ? pattern.toLowerCase() : pattern;
          const expected = reference(folded, candidate, mode);
          const why = `pattern ${JSON.stringify(pattern)}, candidate ${JSON.stringify(candidate)}, ${mode}`;
          assert.equal(oldRegex(folded, mode).test(candidate), expected, `the references disagree: ${why}`);
          assert.equal(compilePattern(pattern, mode, ignoreCase)(candidate), expected, why);
          assert.equal(new PatternSet([pattern], mode, ignoreCase).test(candidate), expected, `PatternSet: ${why}`);
          outcomes[String(expected) as 'true' | 'false']++;
        }
        // Both outcomes are well represented, or the generator tests nothing.
        assert.ok(outcomes.true > ROUNDS / 10 && outcomes.false > ROUNDS / 10, JSON.stringify(outcomes));
      });
    }
  }

  test('a literal `*` or `?` (a ${*} escape, already in the parts) is not a wildcard', () => {
    const parts: GlobPart[] = ['arn:aws:s3:::a*b?', STAR];
    const m = compileGlob(parts, 'resource');
    assert.equal(m('arn:aws:s3:::a*b?/key'), true);
    assert.equal(m('arn:aws:s3:::axbx/key'), false);
    assert.equal(compileGlob(['a', QMARK, 'c*'], 'plain')('abc*'), true);
    assert.equal(compileGlob(['a', QMARK, 'c*'], 'plain')('abcd'), false);
  });

  test('the shapes: `?` without `*` needs the exact length; segment rules in each mode', () => {
    assert.equal(compilePattern('a?c', 'plain')('axcaxc'), false);
    assert.equal(compilePattern('a?c', 'plain')('a:c'), true);
    assert.equal(compilePattern('arn:a?c:s3:::x', 'resource')('arn:a:c:s3:::x'), false);
    // A `*` ending a segment crosses colons in resource mode, not in arn mode.
    assert.equal(compilePattern('arn:aws:*:1:2:role/x', 'resource')('arn:aws:iam:us:1:2:role/x'), true);
    assert.equal(compilePattern('arn:aws:*:1:2:role/x', 'arn')('arn:aws:iam:us:1:2:role/x'), false);
    assert.equal(compilePattern('arn:aws:*:1:2:role/x', 'arn')('arn:aws:iam:1:2:role/x'), true);
    assert.equal(compilePattern('arn:aws:i*m:1:2:role/x', 'resource')('arn:aws:i:am:1:2:role/x'), false);
    // After the fifth colon everything goes.
    assert.equal(compilePattern('arn:aws:iam::1:role/*x?', 'arn')('arn:aws:iam::1:role/a:b:x:'), true);
    // arn mode with fewer than five colons globs the whole string.
    assert.equal(compilePattern('arn:aws:*', 'arn')('arn:aws:iam::1:role/x'), true);
    assert.equal(compilePattern('arn:*:iam', 'arn')('arn:a:b:iam'), true);
    assert.equal(compilePattern('*', 'arn')(''), true);
    assert.equal(compilePattern('', 'plain')(''), true);
    assert.equal(compilePattern('', 'plain')('a'), false);
  });
});

/**
 * The adversarial patterns: `*a*a…*b` against a long run of `a`. A backtracking engine tries every way of
 * spreading the `a`s over the stars: the old matcher took 9 s for 9 stars on 40 characters, 48 s for 10, and would
 * take far longer than the age of the universe for these. The new one does at most (pattern + 1) x (candidate + 1)
 * steps: about a million here, milliseconds. The cases run under vm's timeout (which interrupts a running regular
 * expression), so on the old code this test fails with ERR_SCRIPT_EXECUTION_TIMEOUT instead of hanging; the bound
 * is four orders of magnitude above what the new matcher needs even on a loaded machine.
 */
describe('adversarial patterns answer in linear-ish time', () => {
  const ROLE = 'arn:aws:iam::111122223333:role/';
  const many = (n: number) => '*a'.repeat(n) + '*b';
  const as = 'a'.repeat(2048);
  const cases: Array<[string, string, MatchMode, boolean]> = [
    [ROLE + many(25), ROLE + as, 'resource', false],
    [ROLE + many(300), ROLE + as, 'resource', false],
    [ROLE + many(300), ROLE + as + 'b', 'resource', true],
    [ROLE + many(300), ROLE + as, 'arn', false],
    // Wildcards before the fifth colon that must stay in their segment (globbed segment by segment).
    ['arn:aws:iam::' + many(300) + ':role/x', 'arn:aws:iam::' + as + ':role/x', 'resource', false],
    ['arn:aws:iam::' + many(300) + ':role/x', 'arn:aws:iam::' + as + 'b:role/x', 'resource', true],
    ['arn:aws:iam::' + '?*'.repeat(300) + 'b:1:x', 'arn:aws:iam::' + as + ':1:x', 'arn', false],
    // ... and one that crosses colons, ending the segment (the bit-set matcher).
    ['arn:aws:iam::' + '*a'.repeat(300) + '*:role/x', 'arn:aws:iam::' + as + ':role/y', 'resource', false],
    ['arn:aws:iam::' + '*a'.repeat(300) + '*:role/x', 'arn:aws:iam::' + as + ':a:b:role/x', 'resource', true],
    // StringLike and actions.
    [many(300), as, 'plain', false],
    ['?*'.repeat(300) + 'b', as, 'plain', false],
    ['*a?'.repeat(200) + '*b', as + 'a', 'plain', false],
  ];

  test('hundreds of wildcards against 2 KB candidates, each with the exact answer', () => {
    const run = () => cases.map(([pattern, candidate, mode]) => compilePattern(pattern, mode)(candidate));
    const results = runInNewContext('run()', { run }, { timeout: 10_000 }) as boolean[];
    assert.deepEqual(
      results,
      cases.map((c) => c[3]),
    );
  });

  test('the same through a PatternSet and with case folding', () => {
    const run = () => [
      new PatternSet([ROLE + many(300), ROLE + 'x*'], 'resource').test(ROLE + as),
      compilePattern('IAM:' + many(300).toUpperCase(), 'plain', true)('iam:' + as),
    ];
    assert.deepEqual(runInNewContext('run()', { run }, { timeout: 10_000 }), [false, false]);
  });
});

/**
 * The finding as reported, end to end: a caller puts `user/*a*a…*a**…*b` (831 stars, about all a session policy's
 * 2048 characters allow) in the session policy of AssumeRole, then calls GetUser on a 64-character name. The server
 * runs as its own process, so that on the old code the test's timeout fails the test rather than the blocked
 * event loop hanging it; it answers in milliseconds now.
 */
describe('a session policy with 831 stars, through a real server', () => {
  const ROOT: Credentials = {
    accessKeyId: 'AKIAOPENSTSMATCHING1',
    secretAccessKey: 'matching-test-root-secret-0123456789abcdef',
  };
  const dir = mkdtempSync(join(tmpdir(), 'opensts-matching-'));
  let serve: ServeProcess;
  before(async () => {
    serve = await spawnServe(['--data-dir', dir, '--workers', '1'], ROOT);
  });
  after(async () => {
    serve.signal('SIGKILL'); // a worker stuck in a match would not get to its SIGTERM handler
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('GetUser on a 64-character name is refused at once, and allowed when the pattern matches', {
    timeout: 60_000,
  }, async () => {
    const s = serve.server;
    const account = xmlText((await ok(call(s, 'GetCallerIdentity', {}, ROOT))).body, 'Account')!;
    const alice = await createUserWithKey(s, 'alice');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'alice',
        PolicyName: 'assume',
        PolicyDocument: policy(allow('sts:AssumeRole')),
      }),
    );
    const role = await createRole(s, 'reader', trust(`arn:aws:iam::${account}:root`));
    await ok(
      iam(s, 'PutRolePolicy', { RoleName: 'reader', PolicyName: 'read', PolicyDocument: policy(allow('iam:GetUser')) }),
    );
    const session = policy(allow('iam:GetUser', `arn:aws:iam::${account}:user/${'*a'.repeat(30)}${'*'.repeat(800)}*b`));
    assert.ok(session.length <= 2048, String(session.length));
    const creds = await assumed(s, alice, role, { Policy: session });

    const refused = await iam(s, 'GetUser', { UserName: 'a'.repeat(64) }, creds);
    assert.deepEqual([refused.status, errorCode(refused)], [403, 'AccessDenied']);
    assert.match(
      xmlText(refused.body, 'Message')!,
      new RegExp(`not authorized to perform: iam:GetUser on resource: arn:aws:iam::${account}:user/a{64}`),
    );
    const allowed = await iam(s, 'GetUser', { UserName: 'a'.repeat(63) + 'b' }, creds);
    assert.deepEqual([allowed.status, errorCode(allowed)], [404, 'NoSuchEntity']);
  });
});
