/**
 * Issue 11's measured bar: 1,000 slow connections from one address (127.0.0.1, each trickling a byte of its head
 * now and then) against `opensts serve` with the descriptor limit at 512, and a client from another address
 * (127.0.0.2) still gets GetCallerIdentity answered at once. Before the connection caps the slow connections took
 * every descriptor and the client waited in the backlog until they let go.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { signRequest } from '../../src/sigv4/index.js';
import { NODE_ENV, ROOT } from '../helpers/nodes.js';

const SLOW = 1000;
let child: ChildProcess;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'opensts-slow-'));

before(async () => {
  // A shell sets the descriptor limit the finding was reproduced with, then becomes the server.
  child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n 512 && exec "$0" "$@"',
      process.execPath,
      'bin/opensts',
      'serve',
      '--port',
      '0',
      '--workers',
      '1',
      '--data-dir',
      dir,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH, ...NODE_ENV } },
  );
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m && /Connect with|Then try/.test(out)) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`opensts serve exited with ${code}`)));
  });
});

after(async () => {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
});

/** A signed GetCallerIdentity from `localAddress`: its status and how long it took, connection included. */
function getCallerIdentity(localAddress: string): Promise<{ status: number; ms: number }> {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  };
  Object.assign(
    headers,
    signRequest({
      method: 'POST',
      url: '/',
      headers,
      body,
      credentials: ROOT,
      region: 'us-east-1',
      service: 'sts',
      now: new Date(),
    }),
  );
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress, method: 'POST', path: '/', headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - t }));
      },
    );
    req.on('error', reject);
    // Today's code failed here outright: the request waited in the backlog for as long as the slow clients stayed.
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.end(body);
  });
}

test(`${SLOW} slow connections from 127.0.0.1 leave GetCallerIdentity from 127.0.0.2 answered at once`, async () => {
  const before = await getCallerIdentity('127.0.0.2');
  assert.equal(before.status, 200);
  const sockets: Socket[] = [];
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
  let refused = 0;
  // Each sends a first byte on connecting and one more every 100 ms: never a whole head within the test.
  await Promise.all(
    Array.from(
      { length: SLOW },
      () =>
        new Promise<void>((resolve) => {
          const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' });
          sockets.push(s);
          s.on('connect', () => {
            s.write(head[0]!);
            resolve();
          });
          s.on('data', (d) => d.toString().startsWith('HTTP/1.1 503') && refused++);
          s.on('error', () => resolve());
        }),
    ),
  );
  let sent = 1;
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed && s.writable) s.write(head[sent % head.length]!);
    sent++;
  }, 100);
  try {
    const probes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await getCallerIdentity('127.0.0.2');
      assert.equal(r.status, 200);
      probes.push(r.ms);
    }
    const held = sockets.filter((s) => !s.destroyed).length;
    console.log(
      `GetCallerIdentity from 127.0.0.2 with ${SLOW} slow connections from 127.0.0.1 (${held} still open, ${refused} refused with 503): ` +
        `${probes.map((ms) => ms.toFixed(1)).join(', ')} ms (quiet: ${before.ms.toFixed(1)} ms)`,
    );
    // The bar is 100 ms (bench/RESULTS.md has the figures); a test machine busy with other work gets slack here,
    // but no probe may hang (the old behaviour: no answer until the slow clients let go) or be refused.
    assert.ok(Math.min(...probes) < 500, `fastest probe ${Math.min(...probes)} ms`);
  } finally {
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
  }
});
