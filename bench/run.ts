/**
 * `npm run bench`: throughput and latency of the hot operations on loopback, measured with wrk (apt-get install
 * wrk) or, when it is missing, autocannon. Each request is signed once and replayed: SigV4 allows that within its
 * 15-minute window, and every replay does the full verification work.
 *
 *   npm run bench                       # GetCallerIdentity (session creds) and GetSessionToken at 1, 8, 32 connections
 *   npm run bench -- --duration 5 --workers 2 --connections 32 --rss-calls 0   (0 skips the memory check)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest, type Credentials } from '../src/sigv4/index.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    workers: { type: 'string', default: String(availableParallelism()) },
    connections: { type: 'string', default: '1,8,32' },
    'rss-calls': { type: 'string', default: '200000' },
    tool: { type: 'string' },
  },
});

interface Scenario {
  name: string;
  body: string;
  credentials: Credentials;
}

interface Measurement {
  scenario: string;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

const which = (cmd: string) => new Promise<boolean>((resolve) => execFile('sh', ['-c', `command -v ${cmd}`], (err) => resolve(!err)));

async function startServer(port: number, dataDir: string, workers: number): Promise<{ child: ChildProcess; root: Credentials }> {
  const child = spawn(process.execPath, ['bin/opensts', 'serve', '--port', String(port), '--data-dir', dataDir, '--workers', String(workers), '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Then try')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)![1]!;
  const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)![1]!;
  return { child, root: { accessKeyId: id, secretAccessKey: secret } };
}

function signed(port: number, body: string, credentials: Credentials, service = 'sts') {
  const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  Object.assign(headers, signRequest({ method: 'POST', url: '/', headers, body, credentials, region: 'eu-central-1', service, now: new Date() }));
  return headers;
}

async function query(port: number, action: string, params: Record<string, string>, credentials: Credentials, service: 'sts' | 'iam' = 'sts') {
  const body = new URLSearchParams({ Action: action, Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params }).toString();
  const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: signed(port, body, credentials, service), body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${action}: ${text}`);
  const get = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)![1]!;
  return get;
}

function runWrk(port: number, s: Scenario, connections: number, seconds: number): Promise<Measurement> {
  const headers = signed(port, s.body, s.credentials);
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(s.body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ].join('\n');
  const script = join(tmpdir(), `opensts-bench-${process.pid}.lua`);
  writeFileSync(script, lua);
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t', connections > 1 ? '2' : '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], (err, stdout) => {
      if (err) return reject(err);
      const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
      const ms = (re: RegExp) => {
        const m = re.exec(stdout);
        if (!m) return NaN;
        const v = Number(m[1]);
        return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
      };
      resolve({
        scenario: s.name,
        connections,
        requestsPerSecond: num(/Requests\/sec:\s+([\d.]+)/),
        p50: ms(/\s50%\s+([\d.]+)(us|ms|s)/),
        p99: ms(/\s99%\s+([\d.]+)(us|ms|s)/),
        errors: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
      });
    });
  });
}

async function runAutocannon(port: number, s: Scenario, connections: number, seconds: number): Promise<Measurement> {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds, method: 'POST', headers: signed(port, s.body, s.credentials), body: s.body });
  return { scenario: s.name, connections, requestsPerSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx };
}

function rssKb(pid: number): number {
  const pids = [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  return pids.reduce((sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0), 0);
}

async function main() {
  const tool = args.tool ?? ((await which('wrk')) ? 'wrk' : 'autocannon');
  const measure = tool === 'wrk' ? runWrk : runAutocannon;
  const workers = Number(args.workers);
  const seconds = Number(args.duration);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'opensts-bench-'));
  const { child, root } = await startServer(port, dataDir, workers);
  try {
    await query(port, 'CreateUser', { UserName: 'bench' }, root, 'iam');
    const key = await query(port, 'CreateAccessKey', { UserName: 'bench' }, root, 'iam');
    const user = { accessKeyId: key('AccessKeyId'), secretAccessKey: key('SecretAccessKey') };
    const gst = await query(port, 'GetSessionToken', { DurationSeconds: '3600' }, user);
    const session = { accessKeyId: gst('AccessKeyId'), secretAccessKey: gst('SecretAccessKey'), sessionToken: gst('SessionToken') };
    const scenarios: Scenario[] = [
      { name: 'GetCallerIdentity (session credentials)', body: 'Action=GetCallerIdentity&Version=2011-06-15', credentials: session },
      { name: 'GetSessionToken (user key)', body: 'Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600', credentials: user },
    ];
    console.log(`# OpenSTS benchmark: ${tool}, ${workers} worker(s), ${seconds} s per run, node ${process.version}, ${availableParallelism()} cores`);
    console.log('| operation | connections | req/s | p50 ms | p99 ms | non-2xx |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const s of scenarios) {
      await measure(port, s, 8, 2); // warm-up
      for (const c of args.connections!.split(',').map(Number)) {
        const m = await measure(port, s, c, seconds);
        console.log(`| ${m.scenario} | ${m.connections} | ${Math.round(m.requestsPerSecond)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors} |`);
      }
    }
    const calls = Number(args['rss-calls']);
    if (calls > 0) {
      const before = rssKb(child.pid!);
      let done = 0;
      let rounds = 0;
      while (done < calls && rounds++ < 20) {
        const m = await measure(port, scenarios[1]!, 32, 5);
        done += Math.round(m.requestsPerSecond * 5);
      }
      const after = rssKb(child.pid!);
      console.log(`\nRSS of all server processes: ${(before / 1024).toFixed(1)} MB before, ${(after / 1024).toFixed(1)} MB after ~${done} GetSessionToken calls (+${((after - before) / 1024).toFixed(1)} MB)`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
