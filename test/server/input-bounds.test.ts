/**
 * Attacker-chosen input never buys unbounded work (issue 11): each bound below is fed its worst case. Work that
 * used to be quadratic runs under vm's timeout, so that the old code fails the test instead of hanging it; every
 * bound leaves three orders of magnitude between what the new code needs and the timeout.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { models } from '../../src/protocol/model.js';
import { MAX_PARAMETERS, parseParams, readInput, type Params } from '../../src/protocol/query.js';
import { parseNumber } from '../../src/policy/context.js';
import { parsePolicy, parsePolicyDocument } from '../../src/policy/index.js';
import { parseTemplate } from '../../src/policy/variables.js';
import { toWireError } from '../../src/server/wire-error.js';

/** Runs `body` and fails the test if it takes more than `seconds` (interrupting it, even inside a RegExp). */
function within<T>(seconds: number, body: () => T): T {
  return runInNewContext('body()', { body }, { timeout: seconds * 1000 }) as T;
}

/** The AWS error `body` throws (a library layer's typed error as the server answers it): its code and message. */
function awsError(body: () => unknown): [string, string] {
  try {
    body();
  } catch (err) {
    const wire = toWireError(err);
    if (wire) return [wire.code, wire.message];
    throw err;
  }
  assert.fail('expected an AwsError');
}

/** The largest form body the HTTP layer lets through is 512 KB. */
const BODY = 512 * 1024;

describe('query parameters', () => {
  test(`more than ${MAX_PARAMETERS} parameters is MalformedQueryString, at the first one too many`, () => {
    const names = Array.from({ length: MAX_PARAMETERS }, (_, i) => `p${i}=`).join('&');
    assert.equal(parseParams(new Map(), names).size, MAX_PARAMETERS);
    assert.deepEqual(
      awsError(() => parseParams(new Map(), `${names}&one=more`)),
      ['MalformedQueryString', `The request has more than ${MAX_PARAMETERS} parameters`],
    );
    // The query string and the body count together.
    const half = Array.from({ length: MAX_PARAMETERS / 2 }, (_, i) => `p${i}=`).join('&');
    const both = parseParams(new Map(), half);
    assert.equal(awsError(() => parseParams(both, half.replaceAll('p', 'q') + '&r=1'))[0], 'MalformedQueryString');
  });

  test('names full of dots are read in linear time (every prefix of every name was hashed: quadratic)', () => {
    // V8 hashes strings of up to 16,383 characters in full, so the worst case is many names just that long.
    const names = Array.from({ length: 32 }, (_, i) => `${i}${'.'.repeat(16_000)}=1`).join('&');
    assert.ok(names.length <= BODY);
    const params = parseParams(new Map([['RoleArn', 'arn:aws:iam::123456789012:role/r']]), names);
    const [code, message] = within(5, () => awsError(() => readInput(models().sts, 'AssumeRoleRequest', params)));
    assert.deepEqual(
      [code, message],
      [
        'ValidationError',
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      ],
    );
  });

  test('names nested as deep as the models go are still found', () => {
    const params = parseParams(
      new Map(),
      'RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=session&Tags.member.1.Key=k&Tags.member.1.Value=v',
    );
    assert.deepEqual(readInput(models().sts, 'AssumeRoleRequest', params).Tags, [{ Key: 'k', Value: 'v' }]);
  });
});

describe('policy documents', () => {
  const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

  test('deeply nested JSON anywhere is MalformedPolicyDocument, never a stack overflow', () => {
    const deep = nested(100_000);
    const cases: object[] = [
      { Version: '2012-10-17', Statement: deep },
      { Version: '2012-10-17', Statement: [deep] },
      { Version: '2012-10-17', Id: deep, Statement: [] },
      { Version: deep, Statement: [] },
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: deep, Resource: '*' }] },
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: [deep] }] },
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:x': deep } } }],
      },
      { Version: '2012-10-17', Statement: [{ Effect: deep, Action: '*', Resource: '*' }] },
      { Version: '2012-10-17', Statement: [{ Sid: deep, Effect: 'Allow', Action: '*', Resource: '*' }] },
    ];
    // As text: JSON.parse itself copes with any depth (V8's parser does not recurse).
    const text = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}`;
    assert.deepEqual(
      awsError(() => parsePolicy(text, 'session')),
      ['MalformedPolicyDocument', 'Syntax errors in policy.'],
    );
    // Decoded (JSON.stringify cannot write these, it recurses): no walk of the parser descends into a value.
    for (const [i, c] of cases.entries()) {
      assert.equal(
        awsError(() => parsePolicyDocument(c, i % 2 ? 'identity' : 'session'))[0],
        'MalformedPolicyDocument',
        `case ${i}`,
      );
    }
    for (const kind of ['trust', 'resource'] as const) {
      assert.equal(
        awsError(() =>
          parsePolicyDocument(
            {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Principal: { AWS: deep }, Action: 'sts:AssumeRole' }],
            },
            kind,
          ),
        )[0],
        'MalformedPolicyDocument',
      );
    }
  });

  test('a 128 KB number in a Numeric condition parses in linear time (the number syntax was quadratic)', () => {
    const digits = '1'.repeat(BODY / 4);
    assert.ok(Number.isNaN(within(5, () => parseNumber(digits + 'x'))));
    assert.equal(
      within(5, () => parseNumber(` ${digits}.5e0 `)),
      Number(digits) + 0.5,
    );
    const policy = within(5, () =>
      parsePolicy(
        doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericEquals: { 'aws:x': digits + 'x' } } }),
        'identity',
      ),
    );
    assert.equal(policy.statements.length, 1);
    assert.deepEqual(
      [parseNumber('1.'), parseNumber('.5'), parseNumber('-2e3'), parseNumber('1.2.3'), parseNumber('')],
      [1, 0.5, -2000, Number.NaN, Number.NaN],
    );
  });

  test('a 128 KB run of `${` is read in linear time (each one was read as a variable up to the one `}`)', () => {
    const run = 'arn:aws:s3:::b/' + '${'.repeat(BODY / 8);
    assert.deepEqual(within(5, () => parseTemplate(run, true)).parts, [run]);
    // `${a${b}` is the text `${a` and then the variable b: a variable's body holds no `${`.
    assert.deepEqual(within(5, () => parseTemplate(`${run} x}`, true)).parts, [run.slice(0, -2), { key: 'x' }]);
    assert.deepEqual(parseTemplate("${aws:username, '{x'}/${*}", true).parts, [
      { key: 'aws:username', fallback: '{x' },
      '/*',
    ]);
  });
});

test('a map parameter keyed `__proto__` is an entry, not the prototype of the object read', () => {
  const iam = models().iam;
  const model = {
    ...iam,
    shapes: {
      ...iam.shapes,
      MapInput: { type: 'structure' as const, members: { Details: { shape: 'EvalDecisionDetailsType' } } },
    },
  };
  const params: Params = new Map([
    ['Details.entry.1.key', '__proto__'],
    ['Details.entry.1.value', 'allowed'],
    ['Details.entry.2.key', 'iam:GetUser'],
    ['Details.entry.2.value', 'implicitDeny'],
  ]);
  const details = readInput(model, 'MapInput', params).Details as Record<string, unknown>;
  assert.deepEqual(Object.entries(details), [
    ['__proto__', 'allowed'],
    ['iam:GetUser', 'implicitDeny'],
  ]);
  assert.equal(Object.getPrototypeOf(details), null);
});
