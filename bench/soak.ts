/**
 * `npm run soak`: the server under mixed load for a while, with hostile clients alongside. Good clients (wrk, 32
 * connections from 127.0.0.1) rotate signed GetSessionToken, AssumeRole and GetCallerIdentity requests; slow
 * clients from 127.0.0.3 trickle request heads a byte at a time (and come back when cut off); malformed clients
 * from 127.0.0.4 send garbage and request smuggling shapes. Every minute: the good clients' requests, p50/p99 and
 * errors (non-2xx and socket errors: there must be none), what the hostile clients got, and the server's RSS.
 *
 *   npm run soak                                  # 5 minutes
 *   npm run soak -- --duration 30 --slow 200 --malformed-rate 50
 *   npm run soak -- --server-args="--max-connections-per-address 64"   (more `opensts serve` options, e.g. to
 *                                                 turn throttling off or raise its limits for this load)
 *
 * Exits 1 if a good client saw an error or a malformed request got a 2xx.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest, type Credentials } from '../src/sigv4/index.js';

const { values: args } = parseArgs({
  options: {
    /** Seconds. */
    duration: { type: 'string', default: '300' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: String(availableParallelism()) },
    /** Slow connections kept open from 127.0.0.3. */
    slow: { type: 'string', default: '300' },
    /** Malformed requests per second from 127.0.0.4. */
    'malformed-rate': { type: 'string', default: '50' },
    /** Seconds per report line (default a minute). */
    interval: { type: 'string', default: '60' },
    'server-args': { type: 'string' },
    'wrk-threads': { type: 'string', default: '2' },
  },
});

const duration = Number(args.duration);
const interval = Number(args.interval);
const SLOW_FROM = '127.0.0.3';
const MALFORMED_FROM = '127.0.0.4';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function startServer(port: number, dataDir: string): Promise<{ child: ChildProcess; root: Credentials }> {
  const argv = [
    'bin/opensts',
    'serve',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--workers',
    args.workers!,
    '--log-level',
    'warn',
  ];
  if (args['server-args']) argv.push(...args['server-args'].split(' ').filter(Boolean));
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Then try')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    child,
    root: {
      accessKeyId: /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)![1]!,
      secretAccessKey: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)![1]!,
    },
  };
}

function signed(port: number, body: string, credentials: Credentials, service = 'sts'): Record<string, string> {
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
  };
  return Object.assign(
    headers,
    signRequest({
      method: 'POST',
      url: '/',
      headers,
      body,
      credentials,
      region: 'us-east-1',
      service,
      now: new Date(),
    }),
  );
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
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: signed(port, body, credentials, service),
        agent: false,
      },
      (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(t) : reject(new Error(`${action}: ${t}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)![1]!;
}

interface Segment {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  detail: string;
}

/** One wrk run of `seconds` rotating the three signed requests (signed afresh each run: SigV4's 15 minutes). */
function wrkSegment(
  port: number,
  bodies: Array<{ body: string; credentials: Credentials }>,
  seconds: number,
): Promise<Segment> {
  const lua = [
    'local reqs = {',
    ...bodies.map(({ body, credentials }) => {
      const headers = Object.entries(signed(port, body, credentials))
        .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
        .join(', ');
      return `  wrk.format("POST", "/", { ${headers} }, ${JSON.stringify(body)}),`;
    }),
    '}',
    'local i = 0',
    'request = function() i = i % #reqs + 1; return reqs[i] end',
  ].join('\n');
  const script = join(tmpdir(), `opensts-soak-${process.pid}.lua`);
  writeFileSync(script, lua);
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      [
        '-t',
        args['wrk-threads']!,
        '-c',
        args.connections!,
        '-d',
        `${seconds}s`,
        '--latency',
        '-s',
        script,
        `http://127.0.0.1:${port}/`,
      ],
      (err, out) => {
        if (err) return reject(err);
        const ms = (re: RegExp) => {
          const m = re.exec(out);
          if (!m) return NaN;
          const v = Number(m[1]);
          return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
        };
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
        const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        const socketErrors = sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
        resolve({
          requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
          p50: ms(/\s50%\s+([\d.]+)(us|ms|s)/),
          p99: ms(/\s99%\s+([\d.]+)(us|ms|s)/),
          errors: non2xx + socketErrors,
          detail: non2xx + socketErrors ? `non-2xx ${non2xx}, ${sock?.[0] ?? ''}` : '',
        });
      },
    );
  });
}

/** Slow clients: `count` connections trickling a head a byte every 500 ms; each comes back once cut off. */
function slowClients(port: number, count: number, until: () => boolean) {
  const stats = { open: 0, timedOut: 0, refused: 0, reset: 0 };
  const head = 'POST / HTTP/1.1\r\nHost: soak\r\nX-Slow: ' + 'z'.repeat(1000);
  const one = () => {
    if (until()) return;
    const s = connect({ port, host: '127.0.0.1', localAddress: SLOW_FROM });
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      stats.open++;
      timer = setInterval(() => s.write(head[sent++ % head.length]!), 500);
    });
    s.on('data', (d) => {
      const status = d.toString('latin1', 9, 12);
      if (status === '408') stats.timedOut++;
      else if (status === '503') stats.refused++;
    });
    s.on('error', () => stats.reset++);
    s.on('close', (hadError) => {
      if (timer) {
        clearInterval(timer);
        stats.open--;
      }
      // Back after a moment, as an attacker would: not in a tight loop.
      setTimeout(one, 200).unref();
    });
  };
  for (let i = 0; i < count; i++) one();
  return stats;
}

/** Malformed requests, each on its own connection: every one must be refused (4xx/5xx) or cut, never a 2xx. */
const SHAPES = [
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\x0c3\r\n\r\nabc',
  'GET / HTTP/1.1\nHost: x\n\n',
  'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
  'GET / HTTP/1.1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nb\r\nabc\r\n0\r\n\r\n',
  `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${'X-T: 1\r\n'.repeat(5000)}\r\n`,
  `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(40_000)}\r\n\r\n`,
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
];

function malformedClients(port: number, perSecond: number, until: () => boolean) {
  const stats = { sent: 0, refused: 0, cut: 0, accepted: 0 };
  let n = 0;
  const one = () => {
    const raw =
      n % 3 === 0
        ? Buffer.from(Array.from({ length: 200 }, (_, i) => (n * 31 + i * 17) % 256))
        : Buffer.from(SHAPES[n % SHAPES.length]!, 'latin1');
    n++;
    stats.sent++;
    const s = connect({ port, host: '127.0.0.1', localAddress: MALFORMED_FROM });
    let first = '';
    s.on('connect', () => s.end(raw));
    s.on('data', (d) => (first ||= d.toString('latin1', 0, 12)));
    s.on('error', () => {});
    s.on('close', () => {
      const status = Number(first.slice(9, 12));
      if (!first) stats.cut++;
      else if (status >= 200 && status < 300) stats.accepted++;
      else stats.refused++;
    });
    s.setTimeout(15_000, () => s.destroy());
  };
  const timer = setInterval(() => {
    if (until()) return clearInterval(timer);
    for (let i = 0; i < perSecond / 10; i++) one();
  }, 100);
  return stats;
}

const processTree = (pid: number): number[] => {
  try {
    return [
      pid,
      ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    ];
  } catch {
    return [pid];
  }
};
/** User + system CPU seconds of the server processes, from /proc (clock ticks of 1/100 s). */
const cpuSeconds = (pid: number) =>
  processTree(pid).reduce((sum, p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return sum + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return sum;
    }
  }, 0);
const rssMb = (pid: number) =>
  processTree(pid).reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0) / 1024;

async function main() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'opensts-soak-'));
  const { child, root } = await startServer(port, dataDir);
  let failed = false;
  try {
    await query(port, 'CreateUser', { UserName: 'soak' }, root, 'iam');
    const key = await query(port, 'CreateAccessKey', { UserName: 'soak' }, root, 'iam');
    const user = { accessKeyId: key('AccessKeyId'), secretAccessKey: key('SecretAccessKey') };
    const gst = await query(port, 'GetSessionToken', { DurationSeconds: '3600' }, user);
    const session = {
      accessKeyId: gst('AccessKeyId'),
      secretAccessKey: gst('SecretAccessKey'),
      sessionToken: gst('SessionToken'),
    };
    const account = (await query(port, 'GetCallerIdentity', {}, root))('Account');
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    };
    await query(port, 'CreateRole', { RoleName: 'soak', AssumeRolePolicyDocument: JSON.stringify(trust) }, root, 'iam');
    const allow = (action: string, resource = '*') =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
    await query(
      port,
      'PutUserPolicy',
      {
        UserName: 'soak',
        PolicyName: 'assume',
        PolicyDocument: allow('sts:AssumeRole', `arn:aws:iam::${account}:role/soak`),
      },
      root,
      'iam',
    );
    const bodies = [
      { body: 'Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600', credentials: user },
      {
        body: new URLSearchParams({
          Action: 'AssumeRole',
          Version: '2011-06-15',
          RoleArn: `arn:aws:iam::${account}:role/soak`,
          RoleSessionName: 'soak',
          DurationSeconds: '900',
        }).toString(),
        credentials: user,
      },
      { body: 'Action=GetCallerIdentity&Version=2011-06-15', credentials: session },
    ];
    // Warm-up (not reported): a cold server's JIT would show as the first minute's latency.
    await wrkSegment(port, bodies, 5);
    const end = Date.now() + duration * 1000;
    const over = () => Date.now() >= end;
    const slow = slowClients(port, Number(args.slow), over);
    const malformed = malformedClients(port, Number(args['malformed-rate']), over);
    console.log(
      `# OpenSTS soak: ${duration} s, ${args.connections} good connections (wrk, GetSessionToken/AssumeRole/GetCallerIdentity), ` +
        `${args.slow} slow from ${SLOW_FROM}, ${args['malformed-rate']}/s malformed from ${MALFORMED_FROM}; ${args.workers} worker(s), node ${process.version}`,
    );
    console.log(
      `| t (s) | good req/s | p50 ms | p99 ms | good-client errors | slow open / 408 / 503 | malformed sent / refused / cut / 2xx | server CPU % | server RSS MB |`,
    );
    console.log('|---:|---:|---:|---:|---:|---|---|---:|---:|');
    let t = 0;
    let errors = 0;
    while (t < duration) {
      const seconds = Math.min(interval, duration - t);
      const cpuBefore = cpuSeconds(child.pid!);
      const m = await wrkSegment(port, bodies, seconds);
      const cpu = ((cpuSeconds(child.pid!) - cpuBefore) / seconds) * 100;
      t += seconds;
      errors += m.errors;
      console.log(
        `| ${t} | ${Math.round(m.requests / seconds)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors}${m.detail ? ` (${m.detail})` : ''} | ` +
          `${slow.open} / ${slow.timedOut} / ${slow.refused} | ${malformed.sent} / ${malformed.refused} / ${malformed.cut} / ${malformed.accepted} | ${cpu.toFixed(0)} | ${rssMb(child.pid!).toFixed(1)} |`,
      );
    }
    failed = errors > 0 || malformed.accepted > 0;
    console.log(
      failed
        ? `\nFAIL: ${errors} error(s) seen by good clients, ${malformed.accepted} malformed request(s) answered 2xx`
        : '\nPASS: no good client saw an error; every malformed request was refused or cut',
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
