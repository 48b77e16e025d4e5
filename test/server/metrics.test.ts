/**
 * Prometheus metrics (`--metrics-port`): requests counted by service, operation and result on a listener of their
 * own, with labels that no caller controls; with several workers the primary sums what every worker counted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { STAGES } from '../../src/server/stages/timing.js';
import { call, errorCode } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ metricsPort: 0 });
});
after(() => server.close());

const scrape = async (url: string) => {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
};

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const buildInfo = `opensts_build_info{version="${version}"}`;

/** The value of one series, 0 when absent. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

test('requests are counted by service, operation and result, with their latency', async () => {
  const url = server.running.metricsUrl!;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const before = await scrape(url);
  const ok = '{service="sts",operation="GetCallerIdentity",code="OK"}';
  const n = sample(before, `opensts_requests_total${ok}`);
  for (let i = 0; i < 3; i++) assert.equal((await call(server, 'GetCallerIdentity', {}, server.root)).status, 200);
  const wrong: Credentials = { ...server.root, secretAccessKey: 'not-the-secret-not-the-secret-0123456789' };
  assert.equal(errorCode(await call(server, 'GetCallerIdentity', {}, wrong)), 'SignatureDoesNotMatch');
  assert.equal(errorCode(await call(server, 'ListUsers', {}, server.root, { service: 'iam' })), undefined);

  const text = await scrape(url);
  assert.equal(sample(text, `opensts_requests_total${ok}`), n + 3);
  assert.equal(sample(text, buildInfo), 1, 'the version, from package.json');
  assert.equal(
    sample(text, 'opensts_requests_total{service="sts",operation="GetCallerIdentity",code="SignatureDoesNotMatch"}'),
    1,
  );
  assert.equal(sample(text, 'opensts_requests_total{service="iam",operation="ListUsers",code="OK"}'), 1);
  assert.equal(
    sample(text, 'opensts_request_duration_seconds_count{service="sts",operation="GetCallerIdentity"}'),
    n + 4,
  );
  assert.ok(
    sample(text, 'opensts_request_duration_seconds_bucket{le="+Inf",service="sts",operation="GetCallerIdentity"}') >= 4,
  );
  assert.match(text, /^opensts_process_cpu_seconds_total \d/m);
});

test('each stage of the request path is timed and counted, and the counts add up', async () => {
  const url = server.running.metricsUrl!;
  const calls = (text: string, stage: string) => sample(text, `opensts_stage_calls_total{stage="${stage}"}`);
  const seconds = (text: string, stage: string) => sample(text, `opensts_stage_seconds_total{stage="${stage}"}`);
  const requests = (text: string) =>
    sample(text, 'opensts_requests_total{service="sts",operation="GetCallerIdentity",code="OK"}') +
    sample(text, 'opensts_requests_total{service="sts",operation="GetCallerIdentity",code="SignatureDoesNotMatch"}');
  const before = await scrape(url);
  const n = 5;
  for (let i = 0; i < n; i++) assert.equal((await call(server, 'GetCallerIdentity', {}, server.root)).status, 200);
  const wrong: Credentials = { ...server.root, secretAccessKey: 'not-the-secret-not-the-secret-0123456789' };
  assert.equal(errorCode(await call(server, 'GetCallerIdentity', {}, wrong)), 'SignatureDoesNotMatch');

  const text = await scrape(url);
  const delta = Object.fromEntries(STAGES.map((stage) => [stage, calls(text, stage) - calls(before, stage)]));
  // The refused request stops at authenticate; no audit log here, so no audit stage.
  assert.deepEqual(delta, {
    read: n + 1,
    parse: n + 1,
    authenticate: n + 1,
    throttle: n + 1,
    validate: n,
    authorize: n,
    handle: n,
    render: n + 1,
    audit: 0,
  });
  assert.equal(delta.render, requests(text) - requests(before), 'every request answered was rendered once');
  for (const stage of STAGES) {
    assert.match(text, new RegExp(`^opensts_stage_seconds_total\\{stage="${stage}"\\} `, 'm'));
    assert.ok(seconds(text, stage) >= seconds(before, stage), stage);
  }
  assert.match(text, /^# TYPE opensts_stage_seconds_total counter$/m);
  assert.match(text, /^# TYPE opensts_stage_calls_total counter$/m);
});

test('with an audit log, every request answered is audited, and that stage is timed too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-metrics-audit-'));
  const audited = await startTestServer({ metricsPort: 0, auditLog: join(dir, 'audit.jsonl') });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await call(audited, 'GetCallerIdentity', {}, audited.root)).status, 200);
    assert.equal(errorCode(await call(audited, 'NoSuchAction', {}, audited.root)), 'InvalidAction');
    const text = await scrape(audited.running.metricsUrl!);
    assert.equal(sample(text, 'opensts_stage_calls_total{stage="audit"}'), 4);
    assert.equal(sample(text, 'opensts_stage_calls_total{stage="render"}'), 4);
    assert.equal(sample(text, 'opensts_stage_calls_total{stage="handle"}'), 3);
  } finally {
    await audited.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('made-up actions and refused requests do not create labels of their own', async () => {
  const action = 'Evil"Action\nx';
  assert.equal(errorCode(await call(server, action, {}, server.root)), 'InvalidAction');
  const res = await fetch(server.url, { method: 'DELETE' });
  assert.equal(res.status, 405);
  const text = await scrape(server.running.metricsUrl!);
  assert.ok(!text.includes('Evil'));
  assert.equal(sample(text, 'opensts_requests_total{service="sts",operation="unknown",code="InvalidAction"}'), 1);
  assert.equal(sample(text, 'opensts_requests_total{service="sts",operation="unknown",code="MethodNotAllowed"}'), 1);
});

test('the metrics listener serves /metrics and the probes only, and the STS port does not serve metrics', async () => {
  const base = server.running.metricsUrl!.replace(/\/metrics$/, '');
  assert.equal((await fetch(base + '/')).status, 404);
  const ready = await fetch(base + '/readyz');
  assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready', store: 'ok', keys: 'loaded' }]);
  assert.equal((await fetch(base + '/metrics', { method: 'POST' })).status, 404);
  const onSts = await fetch(server.url + '/metrics');
  assert.equal(onSts.status, 400);
  assert.doesNotMatch(await onSts.text(), /opensts_requests_total/);
});

test("with two workers the primary serves the sum of both workers' counts", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-metrics-'));
  const root: Credentials = {
    accessKeyId: 'AKIAOPENSTSMETRICS01',
    secretAccessKey: 'metrics-test-root-secret-0123456789abcdef',
  };
  const child = spawn(
    process.execPath,
    [
      'bin/opensts',
      'serve',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--data-dir',
      dir,
      '--workers',
      '2',
      '--log-level',
      'error',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        OPENSTS_ROOT_ACCESS_KEY_ID: root.accessKeyId,
        OPENSTS_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
      },
    },
  );
  try {
    const [url, metricsUrl] = await new Promise<[string, string]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        const metrics = /Metrics at (http:\/\/\S+)/.exec(out);
        if (m && metrics && /Then try/.test(out)) resolve([m[1]!, metrics[1]!]);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const port = Number(new URL(url).port);
    const cluster = { url, port, host: `127.0.0.1:${port}`, clock: new ManualClock(), root } as TestServer;
    // Separate connections, so that both workers get some (cluster hands connections out in turn).
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(cluster, 'GetCallerIdentity', {}, root, { extraHeaders: { connection: 'close' } }),
      ),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(20).fill(200),
    );
    const text = await scrape(metricsUrl);
    assert.equal(sample(text, 'opensts_requests_total{service="sts",operation="GetCallerIdentity",code="OK"}'), 20);
    assert.equal(sample(text, buildInfo), 1, 'one version, not a sum');
    assert.equal(sample(text, 'opensts_stage_calls_total{stage="handle"}'), 20, 'stages summed over the workers');
    // The primary's /readyz asks every worker.
    const ready = await fetch(metricsUrl.replace(/\/metrics$/, '/readyz'));
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready', store: 'ok', keys: 'loaded' }]);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
