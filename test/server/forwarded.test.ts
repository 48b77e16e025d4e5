/**
 * Behind a proxy (`--trusted-proxies`): X-Forwarded-For and X-Forwarded-Proto name the client, but only when the
 * connection comes from a trusted proxy, and only the right-most untrusted hop counts (the rest is the client's claim).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TrustedProxies } from '../../src/server/forwarded.js';
import type { AuditEvent } from '../../src/server/audit-event.js';
import { run } from '../helpers/clients.js';
import { allow, iam, ok, policy } from '../helpers/iam.js';
import { call, createUserWithKey } from '../helpers/query.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

test("the client is the right-most hop that is not a trusted proxy; the scheme is the nearest proxy's", () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  const xff = (...values: string[]) => values.map((v) => ['X-Forwarded-For', v] as const);
  const cases: Array<[string, boolean, ReadonlyArray<readonly [string, string]>, string, boolean]> = [
    // peer, TLS, headers -> client, secure
    ['127.0.0.1', false, [], '127.0.0.1', false],
    ['127.0.0.1', false, [...xff('203.0.113.7'), ['X-Forwarded-Proto', 'https']], '203.0.113.7', true],
    ['::ffff:127.0.0.1', false, xff('203.0.113.7'), '203.0.113.7', false],
    // What the client wrote itself (left) is passed over; trusted hops (10.1.2.3) are skipped.
    ['127.0.0.1', false, xff('198.51.100.1, 203.0.113.7, 10.1.2.3'), '203.0.113.7', false],
    ['127.0.0.1', false, [...xff('198.51.100.1'), ...xff('203.0.113.7')], '203.0.113.7', false],
    ['127.0.0.1', false, xff('10.9.9.9, 10.1.2.3'), '10.9.9.9', false],
    ['fd00::1', true, [...xff('2001:db8::7'), ['x-forwarded-proto', 'http']], '2001:db8::7', false],
    // A malformed hop ends the chain.
    ['127.0.0.1', false, xff('203.0.113.7, bogus'), '127.0.0.1', false],
    ['127.0.0.1', false, xff('203.0.113.7, bogus, 10.0.0.2'), '10.0.0.2', false],
    ['127.0.0.1', true, [['X-Forwarded-Proto', 'http, https']], '127.0.0.1', true],
    // From a peer that is no trusted proxy, the headers are ignored.
    ['192.0.2.50', false, [...xff('203.0.113.7'), ['X-Forwarded-Proto', 'https']], '192.0.2.50', false],
    ['192.0.2.50', true, [['X-Forwarded-Proto', 'http']], '192.0.2.50', true],
  ];
  for (const [peer, secure, headers, sourceIp, secureTransport] of cases) {
    assert.deepEqual(
      proxies.clientOf(peer, secure, headers),
      { sourceIp, secureTransport },
      `${peer} ${JSON.stringify(headers)}`,
    );
  }
  for (const bad of ['10.0.0.0/', '10.0.0.0/33', '::1/129', 'proxy.example.com', '1.2.3.4/8/2', '10.0.0.0/x']) {
    assert.throws(
      () => new TrustedProxies([bad]),
      { message: `--trusted-proxies: ${JSON.stringify(bad)} is not an IP address or CIDR range` },
      bad,
    );
  }
});

let behind: TestServer;
let direct: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'opensts-forwarded-'));
const auditLog = join(dir, 'audit.jsonl');
before(async () => {
  [behind, direct] = await Promise.all([
    startTestServer({ trustedProxies: ['127.0.0.1', '::1'], auditLog }),
    startTestServer(),
  ]);
});
after(async () => {
  await Promise.all([behind.close(), direct.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('aws:SourceIp, aws:SecureTransport and the audit log see the client behind a trusted proxy, and only there', async () => {
  const officeOverTls = policy(
    allow('iam:ListUsers', '*', {
      IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
      Bool: { 'aws:SecureTransport': 'true' },
    }),
  );
  const carol = new Map<TestServer, Credentials>();
  for (const server of [behind, direct]) {
    carol.set(server, await createUserWithKey(server, 'carol'));
    await ok(iam(server, 'PutUserPolicy', { UserName: 'carol', PolicyName: 'office', PolicyDocument: officeOverTls }));
  }
  const listUsers = async (server: TestServer, headers: Record<string, string>) =>
    (await call(server, 'ListUsers', {}, carol.get(server), { service: 'iam', extraHeaders: headers })).status;
  const fromOffice = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' };
  assert.equal(await listUsers(behind, fromOffice), 200);
  assert.equal(await listUsers(behind, {}), 403, 'the proxy itself is not in the office');
  assert.equal(await listUsers(behind, { 'X-Forwarded-For': '203.0.113.7' }), 403, 'not over TLS');
  assert.equal(
    await listUsers(behind, { 'X-Forwarded-For': '203.0.113.7, 198.51.100.1', 'X-Forwarded-Proto': 'https' }),
    403,
    'a forged left-most hop',
  );
  assert.equal(await listUsers(direct, fromOffice), 403, 'a server that trusts no proxy ignores the headers');
  await behind.running.audit!.flush();
  const events = readFileSync(auditLog, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
  assert.equal(events.find((e) => e.eventName === 'ListUsers' && !e.errorCode)!.sourceIPAddress, '203.0.113.7');
});

test('opensts serve refuses a --trusted-proxies entry that is no address or range', async () => {
  const r = await run(
    process.execPath,
    [
      'bin/opensts',
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'cli'),
      '--trusted-proxies',
      '10.0.0.0/8,proxy.local',
    ],
    { PATH: process.env.PATH },
  );
  assert.equal(r.code, 255);
  assert.match(r.stderr, /--trusted-proxies: "proxy\.local" is not an IP address or CIDR range/);
});
