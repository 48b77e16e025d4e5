/**
 * Throttling (throttle.ts): token buckets per caller and per source address, answered as AWS answers (400
 * Throttling, "Rate exceeded"), counted in the metrics and the audit log, with bounded memory. Every server here runs
 * on a frozen clock, so a bucket refills only when the test moves time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AuditEvent } from '../../src/server/audit-event.js';
import {
  addressKey,
  BucketMap,
  DEFAULT_LIMITS,
  parseRate,
  Throttle,
  throttleLimits,
  type ThrottleLimits,
} from '../../src/service/throttle.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, sessionFor, type RawReply } from '../helpers/query.js';
import { iam, ok } from '../helpers/iam.js';
import { spawnServe, startTestServer, type TestServer } from '../helpers/server.js';

const NOON = Date.parse('2026-03-01T12:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'opensts-throttle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Limits no test reaches, but for the ones it sets. */
const roomy: ThrottleLimits = {
  issue: { perSecond: 1000, burst: 1000 },
  requests: { perSecond: 1000, burst: 1000 },
  failedAuth: { perSecond: 1000, burst: 1000 },
};

/** A server with these limits (others roomy), on a clock frozen at noon; closed after the test. */
async function serverWith(
  limits: Partial<ThrottleLimits>,
  options: { metrics?: boolean; auditLog?: string } = {},
): Promise<TestServer> {
  const s = await startTestServer({
    throttle: { ...roomy, ...limits },
    metricsPort: options.metrics ? 0 : undefined,
    auditLog: options.auditLog,
  });
  s.clock.freeze(NOON);
  after(() => s.close());
  return s;
}

const gci = (s: TestServer, creds: Credentials | undefined) => call(s, 'GetCallerIdentity', {}, creds);
const unknownKey: Credentials = {
  accessKeyId: 'AKIAUNKNOWNKEY000001',
  secretAccessKey: 'made-up-secret-made-up-secret-0123456789',
};

/** The exact reply AWS gives a throttled Query API request. */
function assertThrottled(r: RawReply) {
  const id = r.headers.get('x-amzn-requestid');
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('content-type'), 'text/xml');
  assert.equal(
    r.body,
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code>' +
      `<Message>Rate exceeded</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  );
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const scrape = async (s: TestServer) => (await fetch(s.running.metricsUrl!)).text();

test('a bucket holds `burst` tokens and refills at `perSecond`, to the millisecond', () => {
  const b = new BucketMap({ perSecond: 2, burst: 3 });
  for (let i = 0; i < 3; i++) assert.equal(b.take('k', 0), true);
  assert.equal(b.take('k', 0), false);
  assert.equal(b.take('k', 499), false); // 0.998 of a token
  assert.equal(b.take('k', 500), true);
  assert.equal(b.has('k', 500), false);
  assert.equal(b.has('k', 10_000), true);
  // Refilled to the burst, not beyond.
  for (let i = 0; i < 3; i++) assert.equal(b.take('k', 10_000), true);
  assert.equal(b.take('k', 10_000), false);
  // A clock stepped back refills nothing, and refilling counts on from the new time.
  assert.equal(b.take('k', 5_000), false);
  assert.equal(b.take('k', 5_499), false);
  assert.equal(b.take('k', 5_500), true);
  // Keys do not share.
  assert.equal(b.take('other', 5_500), true);
});

test('the maps stay bounded: full buckets are swept first, then the oldest go', () => {
  const b = new BucketMap({ perSecond: 1, burst: 2 }, 4);
  b.take('hot', 0);
  b.take('hot', 0); // empty
  for (const k of ['b', 'c', 'd']) b.take(k, 0); // one token left each
  assert.equal(b.size, 4);
  // 1.5 s later b, c and d are full again (the same as untracked) and go; hot is not, and keeps its state.
  b.take('e', 1500);
  assert.equal(b.size, 2);
  assert.equal(b.take('hot', 1500), true);
  assert.equal(b.take('hot', 1500), false);

  // Millions of made-up keys or addresses, none of them full: the map never holds more than its bound.
  const t = new Throttle({ ...DEFAULT_LIMITS, maxTracked: 1000 });
  for (let i = 0; i < 200_000; i++) {
    const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    t.authenticationFailed(address, 0);
    t.unsignedCall(address, 0);
  }
  const sizes = t.sizes();
  assert.ok(sizes.failedAuth <= 1000 && sizes.failedAuth > 0, `failedAuth: ${sizes.failedAuth}`);
  assert.ok(sizes.unsigned <= 1000 && sizes.unsigned > 0, `unsigned: ${sizes.unsigned}`);
});

test('an IPv6 address is counted by its /64; IPv4 and IPv4-mapped addresses by themselves', () => {
  assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
  assert.equal(addressKey('::ffff:192.0.2.7'), '::ffff:192.0.2.7');
  for (const a of [
    '2001:db8:0:1::1',
    '2001:DB8:0:1:ffff:ffff:ffff:ffff',
    '2001:0db8:0000:0001:0:0:0:9',
    '2001:db8:0:1::1%eth0',
  ]) {
    assert.equal(addressKey(a), '2001:db8:0:1::/64', a);
  }
  assert.equal(addressKey('2001:db8::'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('2001:db8:0:2::1'), '2001:db8:0:2::/64');
});

test('rates as the flags take them: RATE[/BURST]', () => {
  assert.deepEqual(parseRate('600', 'f'), { perSecond: 600, burst: 600 });
  assert.deepEqual(parseRate('0.5/3', 'f'), { perSecond: 0.5, burst: 3 });
  assert.deepEqual(parseRate('0.5', 'f'), { perSecond: 0.5, burst: 1 });
  for (const bad of ['', '0', '-1', 'abc', '5/0', '5/', '1e3', '5/2.5']) {
    assert.throws(() => parseRate(bad, '--throttle-issue'), {
      message: `--throttle-issue takes RATE[/BURST]: requests per second (above 0) and an optional burst (1 or more), not ${bad}`,
    });
  }
  assert.equal(throttleLimits({ throttle: 'off' }), false);
  assert.deepEqual(throttleLimits({}), {
    issue: DEFAULT_LIMITS.issue,
    requests: DEFAULT_LIMITS.requests,
    failedAuth: DEFAULT_LIMITS.failedAuth,
  });
  assert.deepEqual(throttleLimits({ requests: '5/10' }), { ...DEFAULT_LIMITS, requests: { perSecond: 5, burst: 10 } });
  assert.throws(() => throttleLimits({ throttle: 'maybe' }), { message: '--throttle must be on or off, not maybe' });
  assert.throws(() => throttleLimits({ throttle: 'off', failedAuth: 'x' }), /--throttle-failed-auth takes RATE/);
});

test('per caller: the exact AWS error once the bucket is empty, and one request more for each token refilled', async () => {
  const s = await serverWith({ requests: { perSecond: 1, burst: 3 } });
  for (let i = 0; i < 3; i++) assert.equal((await gci(s, s.root)).status, 200);
  assertThrottled(await gci(s, s.root));
  s.clock.advance(999);
  assertThrottled(await gci(s, s.root));
  s.clock.advance(1);
  assert.equal((await gci(s, s.root)).status, 200);
  assertThrottled(await gci(s, s.root));
  // Another key has buckets of its own.
  s.clock.advance(3000);
  const alice = await createUserWithKey(s, 'alice'); // CreateUser takes one of the root's three tokens
  assert.equal((await gci(s, alice)).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await gci(s, s.root)).status, 200);
  assertThrottled(await gci(s, s.root));
});

test('a session counts against the key it came from, and credential-issuing calls have the stricter bucket', async () => {
  const s = await serverWith({ issue: { perSecond: 1, burst: 2 }, requests: { perSecond: 1, burst: 3 } });
  const alice = await createUserWithKey(s, 'alice');
  const session = await sessionFor(s, alice);
  assert.equal((await call(s, 'GetSessionToken', {}, alice)).status, 200);
  assertThrottled(await call(s, 'GetSessionToken', {}, alice)); // two issued: the issue bucket is empty
  // Other calls have their own bucket, shared by the key and its sessions: minting sessions buys no fresh bucket.
  assert.equal((await gci(s, alice)).status, 200);
  assert.equal((await gci(s, session)).status, 200);
  assert.equal((await gci(s, alice)).status, 200);
  assertThrottled(await gci(s, session));
  assertThrottled(await gci(s, alice));
});

test('per source address: failed authentications cut the address off before any key lookup, until the bucket refills', async () => {
  const s = await serverWith({ failedAuth: { perSecond: 1, burst: 3 } }, { metrics: true });
  const app = s.running.app;
  let lookups = 0;
  const lookup = app.directory.accessKey.bind(app.directory);
  app.directory.accessKey = (id) => {
    lookups++;
    return lookup(id);
  };
  const wrongSecret = { ...s.root, secretAccessKey: 'not-the-secret-not-the-secret-0123456789' };
  assert.equal(errorCode(await gci(s, unknownKey)), 'InvalidClientTokenId');
  assert.equal(errorCode(await gci(s, wrongSecret)), 'SignatureDoesNotMatch');
  assert.equal(errorCode(await gci(s, undefined)), 'MissingAuthenticationToken');
  const seen = lookups;
  // The address is cut off: unknown keys and the right one alike, with no lookup of either.
  assertThrottled(await gci(s, unknownKey));
  assertThrottled(await gci(s, s.root));
  assert.equal(lookups, seen);
  // One second gives back one try: spent here by a good request (which costs nothing), then by a bad one.
  s.clock.advance(1000);
  assert.equal((await gci(s, s.root)).status, 200);
  assert.equal((await gci(s, s.root)).status, 200);
  assert.equal(errorCode(await gci(s, unknownKey)), 'InvalidClientTokenId');
  assertThrottled(await gci(s, s.root));

  const text = await scrape(s);
  assert.equal(
    sample(text, 'opensts_throttled_requests_total{service="sts",operation="GetCallerIdentity",reason="failed_auth"}'),
    3,
  );
  assert.equal(
    sample(text, 'opensts_requests_total{service="sts",operation="GetCallerIdentity",code="Throttling"}'),
    3,
  );
});

test('behind a trusted proxy, the client named by X-Forwarded-For is the address, an IPv6 one by its /64', async () => {
  const s = await startTestServer({
    trustedProxies: ['127.0.0.1'],
    throttle: { ...roomy, failedAuth: { perSecond: 1, burst: 2 } },
  });
  after(() => s.close());
  s.clock.freeze(NOON);
  const from = (address: string, creds: Credentials) =>
    call(s, 'GetCallerIdentity', {}, creds, { extraHeaders: { 'x-forwarded-for': address } });
  assert.equal(errorCode(await from('2001:db8:0:1::a', unknownKey)), 'InvalidClientTokenId');
  assert.equal(errorCode(await from('2001:db8:0:1::b', unknownKey)), 'InvalidClientTokenId');
  assertThrottled(await from('2001:db8:0:1::c', s.root)); // another address of the same /64
  assert.equal((await from('2001:db8:0:2::a', s.root)).status, 200);
  assert.equal((await from('198.51.100.7', s.root)).status, 200);
  assert.equal((await gci(s, s.root)).status, 200); // the proxy itself is not cut off
});

test('refusals after authentication (AccessDenied) are not failed authentications', async () => {
  const s = await serverWith({ failedAuth: { perSecond: 1, burst: 2 } });
  const bob = await createUserWithKey(s, 'bob');
  for (let i = 0; i < 5; i++) assert.equal(errorCode(await iam(s, 'ListUsers', {}, bob)), 'AccessDenied');
  assert.equal((await gci(s, bob)).status, 200);
});

test('unsigned credential-issuing calls are counted per source address', async () => {
  const s = await serverWith({ issue: { perSecond: 1, burst: 2 } }, { metrics: true });
  const assume = () =>
    call(
      s,
      'AssumeRoleWithWebIdentity',
      {
        RoleArn: `arn:aws:iam::${s.running.app.accountId}:role/ci`,
        RoleSessionName: 'ci',
        WebIdentityToken: 'not.a.token',
      },
      undefined,
    );
  for (let i = 0; i < 2; i++) assert.notEqual(errorCode(await assume()), 'Throttling');
  assertThrottled(await assume());
  s.clock.advance(1000);
  assert.notEqual(errorCode(await assume()), 'Throttling');
  assertThrottled(await assume());
  assert.equal(
    sample(
      await scrape(s),
      'opensts_throttled_requests_total{service="sts",operation="AssumeRoleWithWebIdentity",reason="address_issue"}',
    ),
    2,
  );
});

test('metrics count throttled requests by operation and reason', async () => {
  const s = await serverWith(
    { issue: { perSecond: 1, burst: 1 }, requests: { perSecond: 1, burst: 1 } },
    { metrics: true },
  );
  await ok(call(s, 'GetSessionToken', {}, s.root));
  assertThrottled(await call(s, 'GetSessionToken', {}, s.root));
  await ok(gci(s, s.root));
  assertThrottled(await gci(s, s.root));
  const r = await iam(s, 'ListUsers', {});
  assert.equal(r.status, 400);
  assert.equal(errorCode(r), 'Throttling');
  assert.match(
    r.body,
    /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message>/,
  );
  const text = await scrape(s);
  assert.equal(
    sample(text, 'opensts_throttled_requests_total{service="sts",operation="GetSessionToken",reason="caller_issue"}'),
    1,
  );
  assert.equal(
    sample(text, 'opensts_throttled_requests_total{service="sts",operation="GetCallerIdentity",reason="caller"}'),
    1,
  );
  assert.equal(
    sample(text, 'opensts_throttled_requests_total{service="iam",operation="ListUsers",reason="caller"}'),
    1,
  );
  assert.equal(sample(text, 'opensts_requests_total{service="sts",operation="GetSessionToken",code="OK"}'), 1);
});

test('the audit log records a throttled request with errorCode Throttling, and who it was', async () => {
  const logPath = join(dir, 'audit.jsonl');
  const s = await serverWith(
    { requests: { perSecond: 1, burst: 1 }, failedAuth: { perSecond: 1, burst: 1 } },
    { auditLog: logPath },
  );
  await ok(gci(s, s.root));
  const byKey = await call(s, 'GetCallerIdentity', {}, s.root, { extraHeaders: { 'user-agent': 'aws-cli/2.15 test' } });
  assertThrottled(byKey);
  assert.equal(errorCode(await gci(s, unknownKey)), 'InvalidClientTokenId');
  const byAddress = await gci(s, unknownKey);
  assertThrottled(byAddress);
  await s.running.audit!.flush();
  const events = readFileSync(logPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
  const eventOf = (r: RawReply) => events.find((e) => e.requestID === r.headers.get('x-amzn-requestid'))!;
  const account = s.running.app.accountId;
  assert.deepEqual(eventOf(byKey), {
    eventVersion: '1.08',
    eventTime: '2026-03-01T12:00:00Z',
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    awsRegion: 'us-east-1',
    sourceIPAddress: '127.0.0.1',
    userAgent: 'aws-cli/2.15 test',
    requestID: byKey.headers.get('x-amzn-requestid'),
    eventID: eventOf(byKey).eventID,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    userIdentity: {
      type: 'Root',
      principalId: account,
      arn: `arn:aws:iam::${account}:root`,
      accountId: account,
      accessKeyId: s.root.accessKeyId,
    },
    errorCode: 'Throttling',
    errorMessage: 'Rate exceeded',
  });
  const refused = eventOf(byAddress);
  assert.equal(refused.errorCode, 'Throttling');
  assert.deepEqual(refused.userIdentity, { type: 'Unknown', accessKeyId: unknownKey.accessKeyId });
});

test('throttling off: no bucket ever refuses', async () => {
  const s = await startTestServer({ throttle: false });
  after(() => s.close());
  s.clock.freeze(NOON);
  for (let i = 0; i < 150; i++) assert.equal(errorCode(await gci(s, unknownKey)), 'InvalidClientTokenId');
  for (let i = 0; i < 50; i++) assert.equal((await call(s, 'GetSessionToken', {}, s.root)).status, 200);
});

test('opensts serve: --throttle-requests sets a limit, --throttle off lifts them all', async () => {
  const root: Credentials = {
    accessKeyId: 'AKIAOPENSTSTHROTTLE1',
    secretAccessKey: 'throttle-test-root-secret-0123456789abcd',
  };
  // 0.001 a second: no token comes back while the test runs.
  const on = await spawnServe(
    ['--data-dir', join(dir, 'on'), '--workers', '1', '--throttle-requests', '0.001/2'],
    root,
  );
  try {
    for (let i = 0; i < 2; i++) assert.equal((await call(on.server, 'GetCallerIdentity', {}, root)).status, 200);
    assertThrottled(await call(on.server, 'GetCallerIdentity', {}, root));
  } finally {
    await on.stop();
  }
  const off = await spawnServe(
    ['--data-dir', join(dir, 'off'), '--workers', '1', '--throttle-requests', '0.001/2', '--throttle', 'off'],
    root,
  );
  try {
    for (let i = 0; i < 5; i++) assert.equal((await call(off.server, 'GetCallerIdentity', {}, root)).status, 200);
  } finally {
    await off.stop();
  }
});
