/**
 * The local credential servers (src/client/credential-server.ts) on the wire: the ECS and IMDSv2 protocols, who
 * they refuse, their bounds, and how they refresh — against a real OpenSTS server that shares their injected clock.
 */
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, test } from 'node:test';
import {
  type CredentialServer,
  SERVER_REFRESH_WINDOW_MS,
  startCredentialServer,
} from '../../src/client/credential-server.js';
import type { AwsCredentials } from '../../src/client/credential-process.js';
import { fromSessionToken } from '../../src/client/providers/index.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey } from '../helpers/query.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

let server: TestServer;
let alice: Credentials;

before(async () => {
  server = await startTestServer();
  alice = await createUserWithKey(server, 'creds-alice');
});
after(async () => {
  await server.close();
});

const now = () => server.clock.now();
const fixed = (expiresInMs: number, n = 1): AwsCredentials => ({
  accessKeyId: `ASIAFIXED${n}`,
  secretAccessKey: `secret${n}`,
  sessionToken: `token${n}`,
  expiration: new Date(now() + expiresInMs),
  accountId: '123456789012',
});

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { method, headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A raw request, for what fetch will not send (a body on GET, huge headers). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

async function withServer<T>(
  options: Parameters<typeof startCredentialServer>[0],
  body: (s: CredentialServer) => Promise<T>,
): Promise<T> {
  const s = await startCredentialServer(options);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

test('ECS: the document AWS container providers read, only for the bearer of the token', async () => {
  const credentials = fixed(3600_000);
  await withServer(
    { kind: 'ecs', provider: async () => credentials, roleArn: 'arn:aws:iam::123456789012:role/deployer', now },
    async (s) => {
      assert.deepEqual(Object.keys(s.env), ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']);
      assert.match(s.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(s.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!, /^[\w-]{43}$/);
      const uri = s.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
      const token = s.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!;
      const ok = await get(uri, { authorization: token });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'application/json');
      assert.equal(ok.headers.get('cache-control'), 'no-store');
      assert.deepEqual(JSON.parse(ok.body), {
        AccessKeyId: 'ASIAFIXED1',
        SecretAccessKey: 'secret1',
        Token: 'token1',
        Expiration: credentials.expiration!.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        RoleArn: 'arn:aws:iam::123456789012:role/deployer',
        AccountId: '123456789012',
      });
      for (const headers of [
        {} as Record<string, string>,
        { authorization: token.slice(0, -1) },
        { authorization: `${token}x` },
        { authorization: `Bearer ${token}` },
      ]) {
        const refused = await get(uri, headers);
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.doesNotMatch(refused.body, /ASIA|secret/);
      }
      assert.equal((await get(uri, { authorization: token }, 'POST')).status, 405);
      const withBody = await raw(
        Number(new URL(uri).port),
        `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Length: 5\r\n\r\nhello`,
      );
      assert.match(withBody, /^HTTP\/1\.1 413 /);
      assert.doesNotMatch(withBody, /ASIA/);
    },
  );
});

test('IMDSv2: token, role name, credentials document; IMDSv1 and bad or expired tokens are 401', async () => {
  const credentials = fixed(3600_000, 2);
  await withServer(
    { kind: 'imds', provider: async () => credentials, roleArn: 'arn:aws:iam::123456789012:role/path/web', now },
    async (s) => {
      assert.deepEqual(s.env, {
        AWS_EC2_METADATA_SERVICE_ENDPOINT: s.url,
        AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4',
        AWS_EC2_METADATA_V1_DISABLED: 'true',
      });
      const list = `${s.url}/latest/meta-data/iam/security-credentials/`;
      assert.equal((await get(list)).status, 401, 'IMDSv1');
      assert.equal((await get(`${list}web`)).status, 401, 'IMDSv1');
      assert.equal((await get(`${s.url}/latest/api/token`, {}, 'PUT')).status, 400, 'no TTL');
      for (const ttl of ['0', '21601', '-1', '1e3', 'soon']) {
        assert.equal(
          (await get(`${s.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }, 'PUT')).status,
          400,
          ttl,
        );
      }
      assert.equal(
        (await get(`${s.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' })).status,
        405,
        'GET for a token',
      );
      const proxied = await get(
        `${s.url}/latest/api/token`,
        { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' },
        'PUT',
      );
      assert.equal(proxied.status, 403);
      const issued = await get(`${s.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 'PUT');
      assert.equal(issued.status, 200);
      assert.equal(issued.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '60');
      const token = issued.body;
      const role = await get(list, { 'x-aws-ec2-metadata-token': token });
      assert.deepEqual([role.status, role.body], [200, 'web']);
      const doc = await get(`${list}web`, { 'x-aws-ec2-metadata-token': token });
      assert.equal(doc.status, 200);
      const parsed = JSON.parse(doc.body);
      assert.deepEqual(Object.keys(parsed), [
        'Code',
        'LastUpdated',
        'Type',
        'AccessKeyId',
        'SecretAccessKey',
        'Token',
        'Expiration',
      ]);
      assert.deepEqual(
        { ...parsed, LastUpdated: undefined },
        {
          Code: 'Success',
          LastUpdated: undefined,
          Type: 'AWS-HMAC',
          AccessKeyId: 'ASIAFIXED2',
          SecretAccessKey: 'secret2',
          Token: 'token2',
          Expiration: credentials.expiration!.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      );
      assert.ok(Math.abs(Date.parse(parsed.LastUpdated) - now()) < 2000);
      assert.equal((await get(`${list}other`, { 'x-aws-ec2-metadata-token': token })).status, 404);
      assert.equal((await get(`${s.url}/latest/meta-data/`, { 'x-aws-ec2-metadata-token': token })).status, 404);
      // A changed bit, another server's token, garbage: 401.
      const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
      for (const bad of [flipped, `${token}A`, 'x'.repeat(54), '']) {
        assert.equal((await get(list, { 'x-aws-ec2-metadata-token': bad })).status, 401, bad);
      }
      const other = await startCredentialServer({ kind: 'imds', provider: async () => credentials, now });
      const foreign = (
        await get(`${other.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 'PUT')
      ).body;
      await other.close();
      assert.equal((await get(list, { 'x-aws-ec2-metadata-token': foreign })).status, 401);
      // The token lives its TTL at the server's clock.
      server.clock.advance(59_000);
      assert.equal((await get(list, { 'x-aws-ec2-metadata-token': token })).status, 200);
      server.clock.advance(1_000);
      assert.equal((await get(list, { 'x-aws-ec2-metadata-token': token })).status, 401);
    },
  );
});

test('bounds: loopback only, no bodies, small headers, a cap on connections', async () => {
  await assert.rejects(
    startCredentialServer({ kind: 'ecs', provider: async () => fixed(3600_000), host: '0.0.0.0' }),
    /loopback address only, not 0\.0\.0\.0/,
  );
  await withServer({ kind: 'imds', provider: async () => fixed(3600_000), now }, async (s) => {
    const port = Number(new URL(s.url).port);
    const chunked = await raw(
      port,
      'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);
    const huge = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(10_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    // 32 connections at most: the 33rd is closed unanswered until one of them goes.
    const held = await Promise.all(
      Array.from(
        { length: 32 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const refused = await raw(
      port,
      'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nConnection: close\r\n\r\n',
    ).catch((err: NodeJS.ErrnoException) => err.code);
    assert.ok(refused === '' || refused === 'ECONNRESET', String(refused));
    for (const socket of held) socket.destroy();
    // The server notices the closes asynchronously: ask again until it has (bounded), no sleep.
    let served = '';
    for (let attempt = 0; attempt < 100 && !served.startsWith('HTTP/1.1 200 '); attempt++) {
      served = await raw(
        port,
        'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nConnection: close\r\n\r\n',
      ).catch(() => '');
    }
    assert.match(served, /^HTTP\/1\.1 200 /);
  });
});

test('15-minute sessions: the margins shrink in proportion (replaced with 7.5 minutes left), one refresh for many callers', async () => {
  let fetches = 0;
  const sts = fromSessionToken({
    source: alice,
    durationSeconds: 900,
    endpoint: server.url,
    region: 'eu-west-1',
    now,
    clientConfig: { now, maxAttempts: 1 },
    refreshWindowMs: SERVER_REFRESH_WINDOW_MS,
  });
  // The refresh in flight, awaited before the clock moves: a background refresh still waiting for STS when the clock
  // jumps would be issued a step late, under load only.
  let inflight: Promise<unknown> = Promise.resolve();
  const provider = () => {
    fetches++;
    const fetched = sts();
    inflight = fetched.catch(() => {});
    return fetched;
  };
  await withServer({ kind: 'ecs', provider, now }, async (s) => {
    const read = async () => {
      const r = await get(s.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, {
        authorization: s.env.AWS_CONTAINER_AUTHORIZATION_TOKEN!,
      });
      assert.equal(r.status, 200, r.body);
      const d = JSON.parse(r.body);
      return {
        accessKeyId: d.AccessKeyId,
        secretAccessKey: d.SecretAccessKey,
        sessionToken: d.Token,
        expiration: Date.parse(d.Expiration),
      };
    };
    const seen: Array<Awaited<ReturnType<typeof read>>> = [];
    // An hour in 2-minute steps: four sessions of 15 minutes expire on the way.
    for (let step = 0; step <= 30; step++) {
      const before = fetches;
      const answers = await Promise.all(Array.from({ length: 8 }, read));
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(fetches - before <= 1, `step ${step}: ${fetches - before} STS calls for 8 concurrent callers`);
      assert.equal(
        new Set(answers.map((a) => a.accessKeyId)).size,
        1,
        'every concurrent caller gets the same credentials',
      );
      const c = answers[0]!;
      assert.ok(
        c.expiration - now() > 5 * 60_000 - 1000,
        `step ${step}: handed out with more than five minutes left (${(c.expiration - now()) / 1000} s)`,
      );
      const who = await call(server, 'GetCallerIdentity', {}, c, { region: 'eu-west-1' });
      assert.equal(who.status, 200, `step ${step}: ${who.body}`);
      if (seen.at(-1)?.accessKeyId !== c.accessKeyId) seen.push(c);
      await inflight;
      server.clock.advance(2 * 60_000);
    }
    assert.ok(seen.length >= 5, `${seen.length} sessions`);
    // One STS call per session (the last one may still be waiting for its turn in the background).
    assert.ok(
      fetches === seen.length || fetches === seen.length + 1,
      `${fetches} STS calls for ${seen.length} sessions`,
    );
    // Each session was replaced in its last ten minutes, not before, and in the background: handed out until its last
    // five minutes, never after (AWS's promise for instance credentials).
    for (let i = 1; i < seen.length; i++) {
      const issued = seen[i]!.expiration - 900_000;
      const left = seen[i - 1]!.expiration - issued;
      assert.ok(
        left > 5 * 60_000 - 1000 && left <= 10 * 60_000 + 1000,
        `session ${i - 1} replaced with ${left / 1000} s left`,
      );
    }
    // The first sessions really have expired at the server.
    const expired = await call(server, 'GetCallerIdentity', {}, seen[0]!, { region: 'eu-west-1' });
    assert.equal(expired.status, 403);
    assert.match(expired.body, /<Code>ExpiredToken<\/Code>/);
  });
});

test('hour-long sessions: replaced with under 30 minutes left, never handed out with 25 or less (botocore would stretch them)', async () => {
  let fetches = 0;
  const sts = fromSessionToken({
    source: alice,
    durationSeconds: 3600,
    endpoint: server.url,
    region: 'eu-west-1',
    now,
    clientConfig: { now, maxAttempts: 1 },
    refreshWindowMs: SERVER_REFRESH_WINDOW_MS,
  });
  // The refresh in flight, awaited before the clock moves: a background refresh still waiting for STS when the clock
  // jumps would be issued a step late, under load only.
  let inflight: Promise<unknown> = Promise.resolve();
  const provider = () => {
    fetches++;
    const fetched = sts();
    inflight = fetched.catch(() => {});
    return fetched;
  };
  let advanced = 0;
  await withServer({ kind: 'imds', provider, now }, async (s) => {
    const read = async () => {
      const token = await get(`${s.url}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 'PUT');
      const r = await get(`${s.url}/latest/meta-data/iam/security-credentials/opensts`, {
        'x-aws-ec2-metadata-token': token.body,
      });
      assert.equal(r.status, 200, r.body);
      const d = JSON.parse(r.body);
      return { accessKeyId: d.AccessKeyId as string, expiration: Date.parse(d.Expiration) };
    };
    const seen: Array<Awaited<ReturnType<typeof read>>> = [];
    // Three hours in 3-minute steps: five sessions expire on the way.
    for (let step = 0; step <= 60; step++) {
      const before = fetches;
      const answers = await Promise.all(Array.from({ length: 4 }, read));
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(fetches - before <= 1, `step ${step}: ${fetches - before} STS calls for 4 concurrent callers`);
      assert.equal(new Set(answers.map((a) => a.accessKeyId)).size, 1);
      const c = answers[0]!;
      assert.ok(
        c.expiration - now() > 25 * 60_000,
        `step ${step}: handed out with ${(c.expiration - now()) / 60_000} minutes left`,
      );
      if (seen.at(-1)?.accessKeyId !== c.accessKeyId) seen.push(c);
      await inflight;
      server.clock.advance(3 * 60_000);
      advanced += 3 * 60_000;
    }
    assert.ok(seen.length >= 6, `${seen.length} sessions`);
    for (let i = 1; i < seen.length; i++) {
      const issued = seen[i]!.expiration - 3600_000;
      const left = seen[i - 1]!.expiration - issued;
      assert.ok(
        left > 25 * 60_000 && left <= 30 * 60_000 + 1000,
        `session ${i - 1} replaced with ${left / 60_000} minutes left`,
      );
    }
  });
  server.clock.advance(-advanced);
});

test('a failed refresh keeps handing out the current credentials while they have a minute left, then answers 500', async () => {
  let calls = 0;
  const provider = async () => {
    calls++;
    if (calls === 1) return fixed(10 * 60_000, 3);
    throw new Error('STS is unreachable');
  };
  const warnings: string[] = [];
  await withServer({ kind: 'ecs', provider, now, warn: (m) => warnings.push(m) }, async (s) => {
    const read = () =>
      get(s.env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, { authorization: s.env.AWS_CONTAINER_AUTHORIZATION_TOKEN! });
    assert.equal(JSON.parse((await read()).body).AccessKeyId, 'ASIAFIXED3');
    server.clock.advance(6 * 60_000); // inside the refresh window: the refresh fails
    const stale = await read();
    assert.equal(stale.status, 200);
    assert.equal(JSON.parse(stale.body).AccessKeyId, 'ASIAFIXED3');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /could not refresh the credentials \(STS is unreachable\); still handing out the current ones/,
    );
    server.clock.advance(3 * 60_000 + 1); // under a minute left
    const gone = await read();
    assert.equal(gone.status, 500);
    assert.deepEqual(JSON.parse(gone.body), { code: 'CredentialsUnavailable', message: 'STS is unreachable' });
  });
});
