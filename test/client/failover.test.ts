/**
 * Several STS endpoints: a refused connection, a server that accepts and never answers (a black hole) and a 5xx
 * move a call to the next endpoint, each attempt signed for its own endpoint; failed endpoints are set aside for
 * 30 s of an injected clock and come back; attempts are bounded when every endpoint is down.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCredentialServer } from '../../src/client/credential-server.js';
import { EndpointHealth } from '../../src/client/endpoint-health.js';
import { resolveStsEndpoints } from '../../src/client/endpoints.js';
import { httpRequest } from '../../src/client/http.js';
import { readProfile } from '../../src/client/profile.js';
import { fromIni } from '../../src/client/providers/index.js';
import { loadSharedConfig } from '../../src/client/shared-config.js';
import { StsClient } from '../../src/client/sts-client.js';
import { failure, startFakeSts, type FakeSts } from '../helpers/fake-sts.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Accepts connections and never answers: what a hung process or a stuck load balancer looks like. */
class BlackHole {
  readonly sockets = new Set<Socket>();
  accepted = 0;
  url = '';
  private constructor(readonly server: Server) {}
  static async start(): Promise<BlackHole> {
    const hole = new BlackHole(createServer());
    hole.server.on('connection', (s) => {
      hole.accepted++;
      hole.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => hole.sockets.delete(s));
    });
    await new Promise<void>((r) => hole.server.listen(0, '127.0.0.1', r));
    hole.url = `http://127.0.0.1:${(hole.server.address() as { port: number }).port}`;
    return hole;
  }
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** A loopback port nothing listens on: connections are refused at once. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

let dir: string;
let server: TestServer;
let regional: TestServer;
let hole: BlackHole;
let broken: FakeSts;
let dead: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-failover-'));
  server = await startTestServer();
  regional = await startTestServer({ region: 'eu-west-1' });
  hole = await BlackHole.start();
  broken = await startFakeSts(() => failure(503, 'ServiceUnavailable', 'down for maintenance'));
  dead = await deadUrl();
});
after(async () => {
  await Promise.all([server.close(), regional.close(), hole.close(), broken.close()]);
  await rm(dir, { recursive: true, force: true });
});

async function profileWith(lines: string) {
  const configFile = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  await writeFile(configFile, `[profile p]\nregion = eu-central-1\n${lines}\n`);
  const files = loadSharedConfig({
    env: { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
  });
  return { profile: readProfile('p', files), files };
}

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('opensts_endpoints: endpoint_url first, then the list in order, REGION=URL signs for REGION, duplicates dropped', async () => {
  const { profile, files } = await profileWith(
    'endpoint_url = http://a:1\nopensts_endpoints = http://b:2, eu-west-1=http://c:3 ,http://a:1, us-east-1=https://global:4',
  );
  const list = resolveStsEndpoints({ service: 'sts', region: 'eu-central-1', env: {}, profile, files });
  assert.deepEqual(
    list.map((e) => [e.url, e.signingRegion, e.source]),
    [
      ['http://a:1', 'eu-central-1', 'config-global'],
      ['http://b:2', 'eu-central-1', 'opensts-endpoints'],
      ['http://c:3', 'eu-west-1', 'opensts-endpoints'],
      ['https://global:4', 'us-east-1', 'opensts-endpoints'],
    ],
  );
  // OPENSTS_ENDPOINTS overrides the profile's list; an explicit endpoint is that endpoint alone.
  const fromEnv = resolveStsEndpoints({
    service: 'sts',
    region: 'eu-central-1',
    env: { OPENSTS_ENDPOINTS: 'http://e:5' },
    profile,
    files,
  });
  assert.deepEqual(
    fromEnv.map((e) => e.url),
    ['http://a:1', 'http://e:5'],
  );
  const explicit = resolveStsEndpoints({
    service: 'sts',
    region: 'eu-central-1',
    explicitEndpoint: 'http://x:9',
    env: {},
    profile,
    files,
  });
  assert.deepEqual(
    explicit.map((e) => e.url),
    ['http://x:9'],
  );
  const bad = await profileWith('opensts_endpoints = ftp://nope');
  assert.throws(
    () => resolveStsEndpoints({ service: 'sts', region: 'eu-central-1', env: {}, ...bad }),
    /Invalid endpoint: ftp:\/\/nope \(from opensts_endpoints of profile p\)/,
  );
});

test('refused, black hole and 5xx fail over to a working endpoint; the failed ones are skipped for 30 s, then tried again', async (t) => {
  const { profile, files } = await profileWith(
    `endpoint_url = ${dead}\nopensts_endpoints = ${hole.url}, ${broken.url}, ${server.url}`,
  );
  const c = clock();
  const health = new EndpointHealth(c.now);
  const sleeps: number[] = [];
  const client = new StsClient({
    profile,
    files,
    env: {},
    credentials: server.root,
    endpointHealth: health,
    timeoutMs: 200,
    connectTimeoutMs: 200,
    now: () => server.clock.now(),
    sleep: async (ms) => void sleeps.push(ms),
  });
  const started = performance.now();
  const { result } = await client.getCallerIdentity();
  const firstCallMs = performance.now() - started;
  assert.equal(result.Arn, `arn:aws:iam::${result.Account}:root`);
  assert.deepEqual(sleeps, [], 'moving to the next endpoint does not back off');
  assert.equal(hole.accepted, 1);
  assert.equal(broken.requests.length, 1);
  assert.ok(firstCallMs >= 195 && firstCallMs < 5000, `the black hole costs its response timeout: ${firstCallMs} ms`);
  for (const url of [dead, hole.url, broken.url]) assert.ok(health.isDown(url), url);
  assert.ok(!health.isDown(server.url));

  // Within 30 s: straight to the endpoint that works, no time lost.
  c.t += 29_000;
  const again = performance.now();
  await client.getCallerIdentity();
  const secondCallMs = performance.now() - again;
  assert.equal(hole.accepted, 1);
  assert.equal(broken.requests.length, 1);
  t.diagnostic(
    `first call (refused + black hole 200 ms + 503, then success): ${firstCallMs.toFixed(1)} ms; next call: ${secondCallMs.toFixed(1)} ms`,
  );

  // After 30 s the first endpoints are tried again, in order.
  c.t += 1_000;
  await client.getCallerIdentity();
  assert.equal(hole.accepted, 2);
  assert.equal(broken.requests.length, 2);
});

test('each attempt is signed for its own endpoint: a regional node after a dead one accepts the eu-west-1 scope', async () => {
  const { profile, files } = await profileWith(`endpoint_url = ${dead}\nopensts_endpoints = eu-west-1=${regional.url}`);
  const client = new StsClient({
    profile,
    files,
    env: {},
    credentials: regional.root,
    endpointHealth: new EndpointHealth(),
    now: () => regional.clock.now(),
  });
  const { result } = await client.getCallerIdentity();
  assert.match(String(result.Arn), /:root$/);
  // Signed for the client's region instead, the regional node refuses the scope: the REGION= prefix is what works.
  const wrong = await profileWith(`endpoint_url = ${dead}\nopensts_endpoints = ${regional.url}`);
  const refused = new StsClient({
    ...wrong,
    env: {},
    credentials: regional.root,
    endpointHealth: new EndpointHealth(),
    now: () => regional.clock.now(),
  });
  await assert.rejects(
    refused.getCallerIdentity(),
    /SignatureDoesNotMatch.*scoped to a valid region, not 'eu-central-1'/,
  );
});

test('every endpoint down: maxAttempts rounds over the endpoints, one backoff per round, then the last failure', async () => {
  const second = await startFakeSts(() => failure(500, 'InternalFailure', 'boom'));
  try {
    const { profile, files } = await profileWith(
      `endpoint_url = ${broken.url}\nopensts_endpoints = ${second.url}, ${dead}`,
    );
    const sleeps: number[] = [];
    const before = broken.requests.length;
    const client = new StsClient({
      profile,
      files,
      env: {},
      credentials: server.root,
      endpointHealth: new EndpointHealth(),
      maxAttempts: 2,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await assert.rejects(client.getCallerIdentity(), /ECONNREFUSED/);
    assert.equal(broken.requests.length - before, 2);
    assert.equal(second.requests.length, 2);
    assert.equal(sleeps.length, 1);
  } finally {
    await second.close();
  }
});

test('throttling stays with its endpoint (another endpoint would not change the caller rate)', async () => {
  const throttling = await startFakeSts((_req, i) =>
    i === 0 ? failure(400, 'Throttling', 'Rate exceeded') : failure(403, 'AccessDenied', 'no'),
  );
  try {
    const { profile, files } = await profileWith(`endpoint_url = ${throttling.url}\nopensts_endpoints = ${server.url}`);
    const health = new EndpointHealth();
    const client = new StsClient({
      profile,
      files,
      env: {},
      credentials: server.root,
      endpointHealth: health,
      sleep: async () => {},
    });
    await assert.rejects(client.getCallerIdentity(), /AccessDenied/);
    assert.equal(throttling.requests.length, 2);
    assert.ok(!health.isDown(throttling.url));
  } finally {
    await throttling.close();
  }
});

test('timings: refused at once, black hole after the response timeout, 5xx after one round trip', async (t) => {
  const time = async (url: string, timeoutMs: number) => {
    const s = performance.now();
    const outcome = await httpRequest({
      method: 'POST',
      url: new URL(url),
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      timeoutMs,
      connectTimeoutMs: timeoutMs,
    }).then(
      (r) => `HTTP ${r.status}`,
      (e: { code: string }) => e.code,
    );
    return { outcome, ms: performance.now() - s };
  };
  const refused = await time(dead, 1000);
  const blackHole = await time(hole.url, 250);
  const fiveHundred = await time(broken.url, 1000);
  assert.equal(refused.outcome, 'ECONNREFUSED');
  assert.equal(blackHole.outcome, 'ETIMEDOUT');
  assert.equal(fiveHundred.outcome, 'HTTP 503');
  assert.ok(blackHole.ms >= 245, `${blackHole.ms}`);
  t.diagnostic(
    `refused ${refused.ms.toFixed(1)} ms, black hole (250 ms timeout) ${blackHole.ms.toFixed(1)} ms, 503 ${fiveHundred.ms.toFixed(1)} ms`,
  );
});

test('a credential server fails over too: its GetSessionToken skips the refused endpoint_url', async () => {
  const { files } = await profileWith(
    `endpoint_url = ${dead}\nopensts_endpoints = ${server.url}\n` +
      `aws_access_key_id = ${server.root.accessKeyId}\naws_secret_access_key = ${server.root.secretAccessKey}`,
  );
  const provider = fromIni({
    profile: 'p',
    files,
    env: {},
    sessionForStaticKeys: true,
    clientConfig: { now: () => server.clock.now(), endpointHealth: new EndpointHealth() },
  });
  const sidecar = await startCredentialServer({ kind: 'ecs', provider });
  try {
    const res = await httpRequest({
      method: 'GET',
      url: new URL(sidecar.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!),
      headers: { authorization: sidecar.env.AWS_CONTAINER_AUTHORIZATION_TOKEN! },
    });
    assert.equal(res.status, 200, res.body.toString());
    const doc = JSON.parse(res.body.toString());
    assert.match(doc.AccessKeyId, /^ASIA/);
    assert.equal(typeof doc.Token, 'string');
  } finally {
    await sidecar.close();
  }
});
