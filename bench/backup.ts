/**
 * How long `opensts backup` and `opensts restore` take on a store of N users (default 100 000), and how large the
 * snapshot is. The users are written through the store (an HTTP CreateUser each would take minutes and measure the
 * server instead); the backup runs as the CLI, in its own process, while the server runs, once idle and once under a
 * stream of CreateUser requests, whose latency it reports.
 *
 *   npm run build && node dist/bench/backup.js [--users 100000]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../src/clock.js';
import { startServer } from '../src/server/serve.js';
import { newUniqueId } from '../src/tokens/ids.js';
import { signRequest } from '../src/sigv4/index.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' } } });
const users = Number(values.users);
const dir = mkdtempSync(join(tmpdir(), 'opensts-bench-backup-'));
const dataDir = join(dir, 'data');

function cli(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/opensts', ...args], { env: { PATH: process.env.PATH } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${stderr || err.message}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

const server = await startServer({ port: 0, dataDir, env: {}, log: pino({ level: 'silent' }) });
try {
  const { app } = server;
  const t0 = performance.now();
  const batch = 500;
  for (let i = 0; i < users; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, users - i) }, (_, j) =>
        app.store.createUser({
          accountId: app.accountId,
          userId: newUniqueId('AIDA', app.accountId),
          userName: `bench-user-${i + j}`,
          path: '/engineering/',
          createdAt: Date.now(),
          tags: [
            { Key: 'team', Value: `team-${(i + j) % 50}` },
            { Key: 'cost-center', Value: String(1000 + ((i + j) % 300)) },
          ],
        }),
      ),
    );
  }
  console.log(`${users} users written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const idle = await cli(['backup', '--data-dir', dataDir, '--out', join(dir, 'idle.snapshot')]);
  const size = statSync(join(dir, 'idle.snapshot')).size;
  console.log(
    `backup, server idle: ${(idle.ms / 1000).toFixed(2)} s (process included), snapshot ${(size / 1048576).toFixed(1)} MiB, data dir db ${(statSync(join(dataDir, 'opensts.db')).size / 1048576).toFixed(1)} MiB`,
  );

  // The same under writes: CreateUser requests one after another for as long as the backup runs.
  const root = server.rootCredentials!;
  const latencies: number[] = [];
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const body = `Action=CreateUser&Version=2010-05-08&UserName=during-${i}`;
      const headers: Record<string, string> = {
        host: new URL(server.url).host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      };
      Object.assign(
        headers,
        signRequest({
          method: 'POST',
          url: '/',
          headers,
          body,
          credentials: root,
          region: 'us-east-1',
          service: 'iam',
          now: new Date(systemClock.now()),
        }),
      );
      const started = performance.now();
      const res = await fetch(server.url, { method: 'POST', headers, body });
      await res.text();
      if (res.status !== 200) throw new Error(`CreateUser: ${res.status}`);
      latencies.push(performance.now() - started);
    }
  })();
  const busy = await cli(['backup', '--data-dir', dataDir, '--out', join(dir, 'busy.snapshot')]);
  writing = false;
  await writer;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  console.log(
    `backup under writes: ${(busy.ms / 1000).toFixed(2)} s; ${latencies.length} CreateUser meanwhile, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`,
  );

  const restored = await cli([
    'restore',
    '--from',
    join(dir, 'idle.snapshot'),
    '--data-dir',
    join(dir, 'restored'),
    '--master-key',
    join(dataDir, 'master.key'),
  ]);
  console.log(`restore (quick_check and key check included): ${(restored.ms / 1000).toFixed(2)} s`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
