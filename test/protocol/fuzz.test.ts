/**
 * Every operation of both models, called by the root with parameters made up from the model's shapes — valid-looking,
 * malformed, empty, oversized, of the wrong type — from a fixed seed: whatever comes in, the answer is AWS error XML or
 * a result, never a 500 (InternalFailure) and never a hang. The operations run in the model's order, so earlier calls
 * leave state (users, roles, providers) for later ones to trip on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { models, type ServiceName, type Shape } from '../../src/protocol/model.js';
import { call, errorCode } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { xmlError } from '../helpers/strict-xml.js';

// A longer hunt: OPENSTS_FUZZ_SEED=<n> OPENSTS_FUZZ_CALLS=<calls per operation> node --test dist/test/protocol/fuzz.test.js
const SEED = Number(process.env.OPENSTS_FUZZ_SEED ?? 20261126);
const CALLS_PER_OPERATION = Number(process.env.OPENSTS_FUZZ_CALLS ?? 8);

/** mulberry32: small, seeded, good enough to pick test inputs. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

test('no parameter of any operation gets a 500 or an answer that is not AWS XML', async () => {
  const rnd = random(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const account = s.running.app.accountId;
  const strings = [
    '',
    'a',
    'fuzz',
    'fuzz-user',
    ' ',
    'x'.repeat(129),
    'y'.repeat(3000),
    'ünïcödé-名前',
    '\u0000',
    '../..',
    '%00',
    '<a>&amp;</a>',
    `arn:aws:iam::${account}:user/fuzz`,
    `arn:aws:iam::${account}:role/fuzz`,
    `arn:aws:iam::${account}:policy/fuzz`,
    `arn:aws:iam::${account}:mfa/fuzz`,
    `arn:aws:iam::${account}:oidc-provider/example.com`,
    `arn:aws:iam::${account}:saml-provider/fuzz`,
    'arn:aws:iam::aws:policy/AdministratorAccess',
    'arn:aws:iam::999999999999:role/x',
    'arn:',
    '/',
    '/fuzz/',
    'AKIAIOSFODNN7EXAMPLE',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    '{"Statement":',
    '{}',
    '[]',
    'null',
    'https://example.com',
    'https://',
    'eyJhbGciOiJSUzI1NiJ9.e30.',
    'PHNhbWw+',
    '123456',
    'Active',
    'Inactive',
    'v1',
    'RS256',
    'ES384',
    // What XML 1.0 cannot carry, or carries only escaped. A lone surrogate leaves the client as U+FFFD (UTF-8 cannot
    // encode it), so the JSON escape in a policy is how one reaches the server.
    '\u0001',
    'a\u0000b',
    '\u001f\u0008',
    '\r\n\t',
    '\ud800',
    'x\udfffy',
    '\ufffe',
    '\uffff',
    ']]>',
    '&',
    '<',
    'a&b<c>]]>"\'',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"\\ud800\\u0000","Resource":"<&]]>"}]}',
  ];
  const value = (shapeName: string, depth: number, out: Map<string, string>, prefix: string): void => {
    const model = models();
    const shape: Shape | undefined = model.iam.shapes[shapeName] ?? model.sts.shapes[shapeName];
    if (!shape || depth > 4) return;
    switch (shape.type) {
      case 'structure':
        for (const [name, ref] of Object.entries(shape.members ?? {})) {
          // Required members are mostly there, optional ones now and then: both halves of each check get reached.
          if (rnd() < ((shape.required ?? []).includes(name) ? 0.9 : 0.4))
            value(ref.shape, depth + 1, out, prefix ? `${prefix}.${name}` : name);
        }
        return;
      case 'list': {
        const n = pick([0, 1, 2, 3, 60]);
        for (let i = 1; i <= n; i++) value(shape.member!.shape, depth + 1, out, `${prefix}.member.${i}`);
        return;
      }
      case 'map': {
        const n = pick([0, 1, 2]);
        for (let i = 1; i <= n; i++) {
          value(shape.key!.shape, depth + 1, out, `${prefix}.entry.${i}.key`);
          value(shape.value!.shape, depth + 1, out, `${prefix}.entry.${i}.value`);
        }
        return;
      }
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        out.set(
          prefix,
          pick(['0', '1', '-1', '900', '3600', '43200', '99999999999999999999', '1.5', 'NaN', 'ten', '']),
        );
        return;
      case 'boolean':
        out.set(prefix, pick(['true', 'false', 'TRUE', 'yes', '']));
        return;
      case 'timestamp':
        out.set(prefix, pick(['2026-11-26T00:00:00Z', '0', 'yesterday', '']));
        return;
      default:
        out.set(prefix, shape.enum && rnd() < 0.5 ? pick(shape.enum) : pick(strings));
    }
  };

  let calls = 0;
  const statuses = new Map<number, number>();
  for (const service of ['iam', 'sts'] as ServiceName[]) {
    const model = models()[service];
    for (const [name, op] of Object.entries(model.operations)) {
      for (let i = 0; i < CALLS_PER_OPERATION; i++) {
        const params = new Map<string, string>();
        if (op.input) value(op.input.shape, 0, params, '');
        const reply = await call(s, name, Object.fromEntries(params), s.root, {
          service,
          region: pick(['us-east-1', 'eu-central-1']),
        });
        calls++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const what = `${service} ${name} ${JSON.stringify(Object.fromEntries(params)).slice(0, 400)}`;
        assert.ok(
          reply.status < 500 || errorCode(reply) === 'ServiceUnavailable',
          `${reply.status} for ${what}: ${reply.body.slice(0, 300)}`,
        );
        assert.match(reply.body, /^<\?xml|^<\w+Response xmlns=|^<ErrorResponse/, what);
        const malformed = xmlError(reply.body);
        assert.equal(malformed, undefined, `${malformed} for ${what}: ${reply.body.slice(0, 300)}`);
        if (reply.status !== 200) assert.ok(errorCode(reply), `an error without a code for ${what}`);
      }
    }
  }
  // Both outcomes were reached, so the inputs are neither all valid nor all refused.
  assert.ok(calls > 1000, String(calls));
  assert.ok((statuses.get(200) ?? 0) > 50 && (statuses.get(400) ?? 0) > 300, JSON.stringify([...statuses]));
});
