/**
 * `opensts endpoints probe` times the OpenSTS endpoints a profile names (not AWS's, which need --aws), and the
 * `opensts` CLI fails over between them: both run as processes against servers on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { run } from '../helpers/clients.js';
import { type FakeSts, startFakeSts } from '../helpers/fake-sts.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));

let dir: string;
let server: TestServer;
let slow: FakeSts;
let dead: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-probe-'));
  server = await startTestServer();
  // Answers /healthz like a server, 40 ms late: a far-away node.
  slow = await startFakeSts(() => ({ status: 200, body: '{"status":"ok"}', delayMs: 40 }));
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  dead = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  await new Promise<void>((r) => s.close(() => r()));
});
after(async () => {
  await Promise.all([server.close(), slow.close()]);
  await rm(dir, { recursive: true, force: true });
});

let homes = 0;
async function env(profile: string, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const config = join(dir, `config-${++homes}`);
  await writeFile(config, `[default]\nregion = eu-central-1\n${profile}\n`);
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}
const opensts = (args: string[], e: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], e);

test('probe times each configured OpenSTS endpoint (median, p95, failures) and names the one to put first', async () => {
  const e = await env(`endpoint_url = ${slow.url}\nopensts_endpoints = ${server.url}, us-east-1=${dead}`);
  const r = await opensts(['endpoints', 'probe', '--count', '5', '--output', 'json'], e);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(
    report.Endpoints.map((x: { Url: string; SigningRegion: string; Answers: number; Failures: string[] }) => [
      x.Url,
      x.SigningRegion,
      x.Answers,
      x.Failures,
    ]),
    [
      [slow.url, 'eu-central-1', 5, []],
      [server.url, 'eu-central-1', 5, []],
      [dead, 'us-east-1', 0, ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']],
    ],
  );
  assert.ok(report.Endpoints[0].MedianMs >= 40 && report.Endpoints[0].P95Ms >= report.Endpoints[0].MedianMs);
  assert.equal(slow.requests.length, 5);
  assert.ok(slow.requests.every((q) => q.method === 'GET' && q.url === '/healthz'));
  assert.equal(report.Recommendation.split(' (')[0], `Prefer ${server.url}`);
  assert.match(
    report.Recommendation,
    /put it first in opensts_endpoints .*the first one, http:\/\/127\.0\.0\.1:\d+, is slower/,
  );

  const text = await opensts(
    ['endpoints', 'probe', '--count', '2'],
    await env(`endpoint_url = ${server.url}\nopensts_endpoints = ${dead}`),
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^#\s+url\s+region\s+median\s+p95\s+answers\n1\s+http:\/\/127\.0\.0\.1:\d+\s+eu-central-1\s+[\d.]+ ms\s+[\d.]+ ms\s+2\/2\n2\s+http:\/\/127\.0\.0\.1:\d+\s+eu-central-1\s+-\s+-\s+0\/2 \(ECONNREFUSED\)\n\n/,
  );
  assert.match(
    text.stdout,
    /Prefer http:\/\/127\.0\.0\.1:\d+ \(median [\d.]+ ms, p95 [\d.]+ ms\): it is already first\.\n$/,
  );
});

test('probe without a configured OpenSTS endpoint says so and points at --aws', async () => {
  const r = await opensts(['endpoints', 'probe'], await env(''));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /No OpenSTS endpoint is configured .*use --aws --region R/);
});

test('the opensts CLI fails over: endpoint_url refuses, the next endpoint answers', async () => {
  const e = await env(`endpoint_url = ${dead}\nopensts_endpoints = ${server.url}`, {
    AWS_ACCESS_KEY_ID: server.root.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.root.secretAccessKey,
  });
  const r = await opensts(['sts', 'get-caller-identity', '--output', 'json'], e);
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).Arn, /:root$/);
});
