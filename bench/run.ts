/**
 * `npm run bench`: throughput and latency of the hot operations on loopback, measured with wrk (apt-get install
 * wrk) or, when it is missing, autocannon. Each request is signed once and replayed: SigV4 allows that within its
 * 15-minute window, and every replay does the full verification work.
 *
 *   npm run bench                       # GetCallerIdentity (session creds) and GetSessionToken at 1, 8, 32 connections
 *   npm run bench -- --duration 5 --workers 2 --connections 32 --rss-calls 0   (0 skips the memory check)
 *   npm run bench -- --store postgres://postgres@127.0.0.1/test --nodes 2   (nodes on one PostgreSQL schema, each
 *                                        with workers/nodes processes; the load is split evenly and summed)
 *   npm run bench -- --floor            also the same HTTP layer answering a fixed response: this machine's ceiling,
 *                                       and the same answer from node:http (llhttp), for comparison
 *   npm run bench -- --node-flags=--single-threaded-gc   flags for the server's node processes (experiments)
 *   npm run bench -- --server-args="--audit-log /tmp/audit.jsonl"   more `opensts serve` options (their cost)
 *   npm run bench -- --tls              over HTTPS (a self-signed certificate made with openssl; wrk keeps connections)
 *   npm run bench -- --wrk-threads 1    wrk's threads (default 2; on 2 cores, 1 leaves more to the server)
 *   npm run bench -- --policy-seconds 3 the policy engine's micro-benchmark first, with its adversarial patterns
 *                                        (bench/policy.ts; default 1 s per scenario, 0 skips it)
 *   npm run bench -- --server-args="--throttle on --throttle-requests 1000000 --throttle-issue 1000000"
 *                                       the servers run with --throttle off (one key far past its limits); this
 *                                       measures the throttle stage's cost with limits no run reaches
 *
 * The last column is the CPU time of the server processes per request (user + system, from /proc): steadier than
 * req/s on a machine whose cores wrk and other work share.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
    store: { type: 'string' },
    nodes: { type: 'string', default: '1' },
    /** Only the scenarios whose name matches this regular expression. */
    only: { type: 'string' },
    /** Flags for the server's node processes (e.g. V8 GC flags), space-separated. */
    'node-flags': { type: 'string' },
    /** More `opensts serve` options, space-separated (e.g. `--audit-log PATH`, to measure what it costs). */
    'server-args': { type: 'string' },
    /** Also measure a server that answers every request with a fixed response: the machine's ceiling. */
    floor: { type: 'boolean', default: false },
    /** Serve and measure over HTTPS. */
    tls: { type: 'boolean', default: false },
    /** wrk's threads (default 2, 1 for one connection). */
    'wrk-threads': { type: 'string' },
    /** Seconds per scenario of the policy engine's micro-benchmark (bench/policy.ts) run first; 0 skips it. */
    'policy-seconds': { type: 'string', default: '1' },
  },
});

/** With --tls: the certificate the servers use (made once) and the scheme of every URL. */
const tls = args.tls ? selfSignedCertificate() : undefined;
const scheme = tls ? 'https' : 'http';

function selfSignedCertificate(): { certFile: string; keyFile: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-bench-tls-'));
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

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

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const which = (cmd: string) =>
  new Promise<boolean>((resolve) => execFile('sh', ['-c', `command -v ${cmd}`], (err) => resolve(!err)));

async function startServer(
  port: number,
  dataDir: string,
  workers: number,
  shared: { storeUrl?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; root?: Credentials }> {
  // --throttle off: the bench hammers with one key, far past the per-key limits it would otherwise measure. Throttling's
  // own cost is measured with --server-args="--throttle on --throttle-requests 1000000 --throttle-issue 1000000".
  const argv = [
    ...(args['node-flags'] ? args['node-flags'].split(' ') : []),
    'bin/opensts',
    'serve',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--workers',
    String(workers),
    '--log-level',
    'warn',
    '--throttle',
    'off',
  ];
  if (shared.storeUrl) argv.push('--store', shared.storeUrl);
  if (args['server-args']) argv.push(...args['server-args'].split(' '));
  if (tls) argv.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile);
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...shared.env },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Then try') || out.includes('Connect with')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)?.[1];
  const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)?.[1];
  return { child, root: id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined };
}

/** The same scenario against every node at once, the connections split evenly: summed req/s, worst latencies. */
async function measureAll(
  measure: (port: number, s: Scenario, connections: number, seconds: number) => Promise<Measurement>,
  ports: number[],
  s: Scenario,
  connections: number,
  seconds: number,
): Promise<Measurement> {
  const each = Math.max(1, Math.round(connections / ports.length));
  const all = await Promise.all(ports.map((p) => measure(p, s, each, seconds)));
  return {
    scenario: s.name,
    connections: each * ports.length,
    requestsPerSecond: all.reduce((n, m) => n + m.requestsPerSecond, 0),
    p50: Math.max(...all.map((m) => m.p50)),
    p99: Math.max(...all.map((m) => m.p99)),
    errors: all.reduce((n, m) => n + m.errors, 0),
  };
}

function signed(port: number, body: string, credentials: Credentials, service = 'sts') {
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  };
  Object.assign(
    headers,
    signRequest({
      method: 'POST',
      url: '/',
      headers,
      body,
      credentials,
      region: 'eu-central-1',
      service,
      now: new Date(),
    }),
  );
  return headers;
}

async function query(
  port: number,
  action: string,
  params: Record<string, string>,
  credentials: Credentials,
  service: 'sts' | 'iam' = 'sts',
) {
  const body = new URLSearchParams({
    Action: action,
    Version: service === 'sts' ? '2011-06-15' : '2010-05-08',
    ...params,
  }).toString();
  const { status, text } = await post(port, signed(port, body, credentials, service), body);
  if (status !== 200) throw new Error(`${action}: ${text}`);
  const get = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)![1]!;
  return get;
}

/** node:http(s) rather than fetch: it takes the self-signed certificate of --tls. */
function post(port: number, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = tls ? httpsRequest : httpRequest;
    const req = send(
      `${scheme}://127.0.0.1:${port}/`,
      { method: 'POST', headers, ca: tls?.cert, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function runWrk(port: number, s: Scenario, connections: number, seconds: number): Promise<Measurement> {
  const headers = signed(port, s.body, s.credentials);
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(s.body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ].join('\n');
  const script = join(tmpdir(), `opensts-bench-${process.pid}-${port}.lua`);
  writeFileSync(script, lua);
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      [
        '-t',
        args['wrk-threads'] ?? (connections > 1 ? '2' : '1'),
        '-c',
        String(connections),
        '-d',
        `${seconds}s`,
        '--latency',
        '-s',
        script,
        `${scheme}://127.0.0.1:${port}/`,
      ],
      (err, stdout) => {
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
      },
    );
  });
}

async function runAutocannon(port: number, s: Scenario, connections: number, seconds: number): Promise<Measurement> {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({
    url: `${scheme}://127.0.0.1:${port}/`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: signed(port, s.body, s.credentials),
    body: s.body,
  });
  return {
    scenario: s.name,
    connections,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx,
  };
}

const processTree = (pid: number) => [
  pid,
  ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
];

function rssKb(pid: number): number {
  return processTree(pid).reduce(
    (sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0),
    0,
  );
}

/** User + system CPU seconds of a process and its children, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);
}

async function main() {
  if (Number(args['policy-seconds']) > 0) {
    // In its own process: the figures are one core's, undisturbed by the servers started below.
    console.log(
      '# Policy engine (bench/policy.ts): evaluations, matching, adversarial patterns (worst time of one match)',
    );
    execFileSync(process.execPath, ['dist/bench/policy.js', args['policy-seconds']!], { stdio: 'inherit' });
    console.log();
  }
  const tool = args.tool ?? ((await which('wrk')) ? 'wrk' : 'autocannon');
  const measure = tool === 'wrk' ? runWrk : runAutocannon;
  const nodes = Number(args.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error('--nodes must be a positive integer');
  if (nodes > 1 && !args.store) throw new Error('--nodes above 1 needs a shared --store postgres://...');
  if (tls && args.floor) throw new Error('--floor measures plain HTTP: run it without --tls');
  // The machine's workers are shared out among the nodes.
  const workers = Math.max(1, Math.floor(Number(args.workers) / nodes));
  const seconds = Number(args.duration);
  // PostgreSQL: a schema of its own, dropped at the end; every node gets the same master key and root key.
  const schema = `opensts_bench_${process.pid}`;
  let shared: { storeUrl?: string; env?: NodeJS.ProcessEnv } = {};
  if (args.store) {
    const u = new URL(args.store);
    u.searchParams.set('schema', schema);
    shared = {
      storeUrl: u.toString(),
      env: {
        OPENSTS_MASTER_KEY: randomBytes(32).toString('hex'),
        OPENSTS_ROOT_ACCESS_KEY_ID: 'AKIAOPENSTSBENCHROOT',
        OPENSTS_ROOT_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
      },
    };
  }
  const ports: number[] = [];
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];
  let root: Credentials | undefined;
  for (let i = 0; i < nodes; i++) {
    ports.push(await freePort());
    dataDirs.push(mkdtempSync(join(tmpdir(), 'opensts-bench-')));
    const started = await startServer(ports[i]!, dataDirs[i]!, workers, shared);
    children.push(started.child);
    root ??= started.root;
  }
  root ??= {
    accessKeyId: shared.env!.OPENSTS_ROOT_ACCESS_KEY_ID!,
    secretAccessKey: shared.env!.OPENSTS_ROOT_SECRET_ACCESS_KEY!,
  };
  const port = ports[0]!;
  try {
    await query(port, 'CreateUser', { UserName: 'bench' }, root, 'iam');
    const key = await query(port, 'CreateAccessKey', { UserName: 'bench' }, root, 'iam');
    const user = { accessKeyId: key('AccessKeyId'), secretAccessKey: key('SecretAccessKey') };
    const gst = await query(port, 'GetSessionToken', { DurationSeconds: '3600' }, user);
    const session = {
      accessKeyId: gst('AccessKeyId'),
      secretAccessKey: gst('SecretAccessKey'),
      sessionToken: gst('SessionToken'),
    };
    // AssumeRole as evaluated in production: a trust policy naming only the account (so the user's identity
    // policy must allow too), the role's own policy, and a session policy in the request.
    const account = (await query(port, 'GetCallerIdentity', {}, root))('Account');
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    };
    await query(
      port,
      'CreateRole',
      { RoleName: 'bench', AssumeRolePolicyDocument: JSON.stringify(trust) },
      root,
      'iam',
    );
    const allow = (action: string, resource = '*') =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
    await query(
      port,
      'PutRolePolicy',
      { RoleName: 'bench', PolicyName: 'read', PolicyDocument: allow('iam:List*') },
      root,
      'iam',
    );
    await query(
      port,
      'PutUserPolicy',
      {
        UserName: 'bench',
        PolicyName: 'assume',
        PolicyDocument: allow('sts:AssumeRole', `arn:aws:iam::${account}:role/bench`),
      },
      root,
      'iam',
    );
    const assumeRoleBody = new URLSearchParams({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${account}:role/bench`,
      RoleSessionName: 'bench',
      DurationSeconds: '900',
      Policy: allow('iam:ListRoles'),
    }).toString();
    const all: Scenario[] = [
      {
        name: 'GetCallerIdentity (session credentials)',
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
        credentials: session,
      },
      {
        name: 'GetSessionToken (user key)',
        body: 'Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600',
        credentials: user,
      },
      { name: 'AssumeRole (trust + identity + session policy)', body: assumeRoleBody, credentials: user },
    ];
    const scenarios = args.only ? all.filter((s) => new RegExp(args.only!, 'i').test(s.name)) : all;
    const store = args.store ? `PostgreSQL, ${nodes} node(s) of ${workers} worker(s)` : `SQLite, ${workers} worker(s)`;
    console.log(
      `# OpenSTS benchmark: ${tool}, ${store}${tls ? ', HTTPS' : ''}, ${seconds} s per run, node ${process.version}, ${availableParallelism()} cores`,
    );
    console.log('| operation | connections | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/req |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    /** Every connection count for one scenario, as table rows, with the CPU time `processes` spent per request. */
    const rows = async (s: Scenario, onPorts: number[], processes: ChildProcess[]) => {
      await measureAll(measure, onPorts, s, 8, 2); // warm-up
      for (const c of args.connections!.split(',').map(Number)) {
        const cpu = () => processes.reduce((n, child) => n + cpuSeconds(child.pid!), 0);
        const cpuBefore = cpu();
        const m = await measureAll(measure, onPorts, s, c, seconds);
        const micros = ((cpu() - cpuBefore) / (m.requestsPerSecond * seconds)) * 1e6;
        console.log(
          `| ${m.scenario} | ${m.connections} | ${Math.round(m.requestsPerSecond)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors} | ${micros.toFixed(0)} |`,
        );
      }
    };
    for (const s of scenarios) await rows(s, ports, children);
    if (args.floor) {
      // The same HTTP layer answering a fixed response (bench/floor-server.ts): the ceiling of this machine.
      const floorPort = await freePort();
      const floor = spawn(process.execPath, ['dist/bench/floor-server.js', String(floorPort), String(workers)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) =>
        floor.stdout!.on('data', (d) => String(d).includes('listening') && resolve()),
      );
      try {
        await rows({ ...all[0]!, name: 'floor: fixed answer, no SigV4 (bench/floor-server.ts)' }, [floorPort], [floor]);
      } finally {
        floor.kill('SIGTERM');
        await new Promise((r) => floor.once('exit', r));
      }
      // The same fixed answer from node:http (llhttp): what serving from Node's own HTTP stack would cost.
      const nodePort = await freePort();
      const nodeFloor = spawn(
        process.execPath,
        ['dist/bench/floor-server.js', String(nodePort), String(workers), 'node-http'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) =>
        nodeFloor.stdout!.on('data', (d) => String(d).includes('listening') && resolve()),
      );
      try {
        await rows({ ...all[0]!, name: 'floor on node:http: fixed answer, no SigV4' }, [nodePort], [nodeFloor]);
      } finally {
        nodeFloor.kill('SIGTERM');
        await new Promise((r) => nodeFloor.once('exit', r));
      }
    }
    const calls = Number(args['rss-calls']);
    if (calls > 0) {
      const rss = () => children.reduce((n, c) => n + rssKb(c.pid!), 0);
      const before = rss();
      let done = 0;
      let rounds = 0;
      while (done < calls && rounds++ < 20) {
        const m = await measureAll(measure, ports, all[1]!, 32, 5);
        done += Math.round(m.requestsPerSecond * 5);
      }
      const after = rss();
      console.log(
        `\nRSS of all server processes: ${(before / 1024).toFixed(1)} MB before, ${(after / 1024).toFixed(1)} MB after ~${done} GetSessionToken calls (+${((after - before) / 1024).toFixed(1)} MB)`,
      );
    }
  } finally {
    await Promise.all(
      children.map((child) => {
        child.kill('SIGTERM');
        return new Promise((r) => child.once('exit', r));
      }),
    );
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    if (args.store) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: args.store });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
