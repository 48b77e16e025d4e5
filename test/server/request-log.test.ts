/**
 * The server's request log: one JSON line per Query API request at info (request id, operation, principal ARN,
 * source address, status, error code, latency), more at debug, none at warn, and never a secret: every secret
 * access key, session token and TOTP code the test creates is looked for in the captured log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/server/serve.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { accountOf, iam, ok, totp } from '../helpers/iam.js';
import { call, createUserWithKey, errorCode, sessionFor, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const STEP = 30_000;

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function serverLogging(level: string): Promise<{ s: TestServer; log: ReturnType<typeof capture> }> {
  const log = capture();
  const s = await startTestServer({ log: createLogger(level, log.stream) });
  return { s, log };
}

test('info: one line per request with its facts; no secret key, session token or TOTP code anywhere in the log', async () => {
  const { s, log } = await serverLogging('info');
  try {
    s.clock.freeze(Math.ceil(Date.now() / STEP) * STEP + 1000);
    const account = accountOf(s);
    const secrets: string[] = [s.root.secretAccessKey];
    let requests = 0;
    const alice = await createUserWithKey(s, 'alice');
    requests += 2;
    secrets.push(alice.secretAccessKey);
    const session = await sessionFor(s, alice);
    requests++;
    secrets.push(session.secretAccessKey, session.sessionToken!);
    await ok(
      iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'alice-phone' }).then(async (r) => {
        const serial = xmlText(r.body, 'SerialNumber')!;
        const seed = Buffer.from(xmlText(r.body, 'Base32StringSeed')!, 'base64').toString('latin1');
        secrets.push(seed);
        const now = s.clock.now();
        const codes = [totp(seed, now - STEP), totp(seed, now)];
        secrets.push(...codes);
        await ok(
          iam(s, 'EnableMFADevice', {
            UserName: 'alice',
            SerialNumber: serial,
            AuthenticationCode1: codes[0]!,
            AuthenticationCode2: codes[1]!,
          }),
        );
        s.clock.advance(STEP);
        const code = totp(seed, s.clock.now());
        secrets.push(code);
        const mfaSession = await sessionFor(s, alice, { SerialNumber: serial, TokenCode: code });
        secrets.push(mfaSession.secretAccessKey, mfaSession.sessionToken!);
        const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        secrets.push(wrongCode);
        assert.equal(
          errorCode(await call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: wrongCode }, alice)),
          'AccessDenied',
        );
        return r;
      }),
    );
    requests += 4;
    const identity = await call(s, 'GetCallerIdentity', {}, session);
    requests++;
    assert.equal(identity.status, 200);
    const forged: Credentials = {
      ...alice,
      secretAccessKey: alice.secretAccessKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    };
    secrets.push(forged.secretAccessKey);
    assert.equal(errorCode(await call(s, 'GetCallerIdentity', {}, forged)), 'SignatureDoesNotMatch');
    assert.equal(errorCode(await call(s, 'ListUsers', {}, alice, { service: 'iam' })), 'AccessDenied');
    requests += 2;
    await s.running.http.close(0);

    const lines = log.lines().filter((l) => l.msg === 'request');
    assert.equal(lines.length, requests);
    const gci = lines.find((l) => l.requestId === identity.headers.get('x-amzn-requestid'))!;
    assert.deepEqual(
      Object.keys(gci).sort(),
      [
        'hostname',
        'latencyMs',
        'level',
        'msg',
        'operation',
        'pid',
        'principal',
        'requestId',
        'service',
        'sourceIp',
        'status',
        'time',
      ].sort(),
    );
    assert.equal(gci.level, 30);
    assert.match(String(gci.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      { ...gci, latencyMs: 0, time: 0, pid: 0, hostname: 0 },
      {
        level: 30,
        time: 0,
        pid: 0,
        hostname: 0,
        requestId: gci.requestId,
        service: 'sts',
        operation: 'GetCallerIdentity',
        principal: `arn:aws:iam::${account}:user/alice`,
        sourceIp: '127.0.0.1',
        status: 200,
        latencyMs: 0,
        msg: 'request',
      },
    );
    assert.ok(typeof gci.latencyMs === 'number' && gci.latencyMs > 0);
    const refused = lines
      .filter((l) => l.errorCode !== undefined)
      .map((l) => [l.operation, l.status, l.errorCode, l.principal ?? null]);
    assert.deepEqual(refused, [
      ['GetSessionToken', 403, 'AccessDenied', `arn:aws:iam::${account}:user/alice`],
      ['GetCallerIdentity', 403, 'SignatureDoesNotMatch', null],
      ['ListUsers', 403, 'AccessDenied', `arn:aws:iam::${account}:user/alice`],
    ]);

    const text = log.text();
    for (const secret of secrets) {
      // TOTP codes are six digits: only as a token of their own (a pid or a timestamp may hold the same digits inside).
      const pattern = /^\d{6}$/.test(secret) ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`) : undefined;
      assert.ok(
        pattern ? !pattern.test(text) : !text.includes(secret),
        `a secret is in the log: ${secret.slice(0, 4)}...`,
      );
    }
  } finally {
    await s.close();
  }
});

test('debug adds the user agent, Host, claimed key id and region; warn writes no request line', async () => {
  const debug = await serverLogging('debug');
  const warn = await serverLogging('warn');
  try {
    await call(debug.s, 'GetCallerIdentity', {}, debug.s.root, { region: 'eu-west-1' });
    const line = debug.log.lines().find((l) => l.msg === 'request')!;
    assert.equal(line.level, 30, 'still an info line, with more in it');
    assert.equal(line.accessKeyId, debug.s.root.accessKeyId);
    assert.equal(line.host, debug.s.host);
    assert.equal(line.region, 'eu-west-1');
    assert.equal(typeof line.userAgent, 'string');
    await call(warn.s, 'GetCallerIdentity', {}, warn.s.root);
    await call(warn.s, 'GetCallerIdentity', {}, { ...warn.s.root, secretAccessKey: 'wrong' });
    assert.equal(warn.log.text(), '');
  } finally {
    await Promise.all([debug.s.close(), warn.s.close()]);
  }
});

test('opensts serve writes the request lines to stderr (the asynchronous destination is flushed at exit)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opensts-log-'));
  const root = { accessKeyId: 'AKIALOGTEST000000001', secretAccessKey: 'logtestsecretlogtestsecretlogtestsecret1' };
  const child = spawn(process.execPath, ['bin/opensts', 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      OPENSTS_ROOT_ACCESS_KEY_ID: root.accessKeyId,
      OPENSTS_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (https?:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`opensts serve exited with ${code}: ${stderr}`)));
    });
    const port = Number(new URL(url).port);
    const server = { url, port, host: `127.0.0.1:${port}`, clock: { now: Date.now }, root } as unknown as TestServer;
    assert.equal((await call(server, 'GetCallerIdentity', {}, root)).status, 200);
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const requests = lines.filter((l) => l.msg === 'request');
  assert.deepEqual(
    requests.map((l) => [l.operation, l.status]),
    [['GetCallerIdentity', 200]],
  );
  assert.match(requests[0].principal, /^arn:aws:iam::\d{12}:root$/);
  assert.ok(!stderr.includes(root.secretAccessKey));
});
