/**
 * Several OpenSTS nodes in one test process, sharing one PostgreSQL schema (a deployment with a node per region),
 * with one injected clock and the same master key and root credentials, as real nodes of one store would have.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startServer } from '../../src/server/serve.js';
import type { Credentials } from '../../src/sigv4/index.js';
import type { TestServer } from './server.js';

export const NODE_ENV = {
  OPENSTS_MASTER_KEY: '5e'.repeat(32),
  OPENSTS_ROOT_ACCESS_KEY_ID: 'AKIAOPENSTSNODETEST1',
  OPENSTS_ROOT_SECRET_ACCESS_KEY: 'node-test-root-secret-0123456789abcdefghij',
};

export const ROOT: Credentials = {
  accessKeyId: NODE_ENV.OPENSTS_ROOT_ACCESS_KEY_ID,
  secretAccessKey: NODE_ENV.OPENSTS_ROOT_SECRET_ACCESS_KEY,
};

export interface NodeOptions {
  /** A region, `global`, or undefined (any region). */
  region?: string;
  storeUrl: string;
  clock?: ManualClock;
  env?: NodeJS.ProcessEnv;
}

/** One node on a shared store. */
export async function startNode(options: NodeOptions): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opensts-node-'));
  const clock = options.clock ?? new ManualClock();
  try {
    const running = await startServer({
      port: 0,
      dataDir,
      clock,
      region: options.region,
      storeUrl: options.storeUrl,
      env: options.env ?? NODE_ENV,
      log: pino({ level: 'silent' }),
    });
    return {
      url: running.url,
      port: running.port,
      host: `127.0.0.1:${running.port}`,
      clock,
      root: ROOT,
      dataDir,
      running,
      async close() {
        await running.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Polls `check` until it holds (bounded: no sleeps of a guessed length in tests). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
