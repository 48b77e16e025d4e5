/**
 * The probes: /healthz is liveness only; /readyz says whether the store answers and the keys are loaded, on the
 * service port and on the metrics port, without authentication, from a cached check that a probe flood cannot turn
 * into a query flood, and "draining" while the server shuts down. (A PostgreSQL store that goes away: outage.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { Readiness } from '../../src/server/readiness.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { waitFor } from '../helpers/nodes.js';
import { call } from '../helpers/query.js';
import type { TestServer } from '../helpers/server.js';

const READY = { status: 'ready', store: 'ok', keys: 'loaded' };

async function probe(url: string): Promise<{ status: number; body: unknown; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** A store whose ping the test controls. */
class FakeStore {
  pings = 0;
  up = true;
  /** While set, pings wait for it. */
  hold: Promise<void> | undefined;
  async ping(): Promise<void> {
    this.pings++;
    await this.hold;
    if (!this.up) throw new Error('down');
  }
}

describe('Readiness', () => {
  test('one store query answers every probe for a moment, concurrent probes included', async () => {
    const store = new FakeStore();
    const r = new Readiness(store, () => true, { cacheMs: 60_000 });
    const reports = await Promise.all(Array.from({ length: 50 }, () => r.check()));
    assert.deepEqual(reports, Array(50).fill(READY));
    assert.deepEqual(await r.check(), READY);
    assert.equal(store.pings, 1);
  });

  test('a store that fails is unreachable; once the cached answer is old, the next probe asks again', async () => {
    const store = new FakeStore();
    const r = new Readiness(store, () => true, { cacheMs: 0 });
    store.up = false;
    assert.deepEqual(await r.check(), { status: 'not-ready', store: 'unreachable', keys: 'loaded' });
    store.up = true;
    assert.deepEqual(await r.check(), READY);
    assert.equal(store.pings, 2);
  });

  test('a store that knows it is disconnected is not asked', async () => {
    const store = Object.assign(new FakeStore(), { available: () => false });
    const r = new Readiness(store, () => true);
    assert.deepEqual(await r.check(), { status: 'not-ready', store: 'unreachable', keys: 'loaded' });
    assert.equal(store.pings, 0);
  });

  test('a query that hangs is a timeout, and no second query joins it until it ends', async () => {
    const store = new FakeStore();
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));
    const r = new Readiness(store, () => true, { cacheMs: 0, timeoutMs: 10 });
    const timeout = { status: 'not-ready', store: 'timeout', keys: 'loaded' };
    assert.deepEqual(await r.check(), timeout);
    assert.deepEqual(await r.check(), timeout);
    assert.equal(store.pings, 1);
    store.hold = undefined;
    release();
    await waitFor('a new query once the hung one ended', async () => (await r.check()).status === 'ready');
    assert.equal(store.pings, 2);
  });

  test('keys not loaded: not ready; draining: not ready, whatever the store says', async () => {
    const store = new FakeStore();
    assert.deepEqual(await new Readiness(store, () => false).check(), {
      status: 'not-ready',
      store: 'ok',
      keys: 'not-loaded',
    });
    const r = new Readiness(store, () => true);
    assert.deepEqual(await r.check(), READY);
    r.drain();
    assert.deepEqual(await r.check(), { status: 'draining' });
  });
});

describe('the probes of a running server (SQLite)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A server on a SQLite store that the test holds, optionally wrapped. */
  async function serve(
    wrap: (store: SqliteStore) => Store = (s) => s,
  ): Promise<{ running: RunningServer; store: SqliteStore; base: string; metrics: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'opensts-ready-'));
    dirs.push(dir);
    const store = SqliteStore.open(dir);
    const running = await startServer({
      port: 0,
      metricsPort: 0,
      dataDir: dir,
      store: wrap(store),
      clock: new ManualClock(),
      env: {},
      log: pino({ level: 'silent' }),
    });
    return { running, store, base: running.url, metrics: running.metricsUrl!.replace(/\/metrics$/, '') };
  }

  test('ready on both ports, without credentials; /healthz is liveness only', async () => {
    const { running, store, base, metrics } = await serve();
    try {
      for (const url of [base, metrics]) {
        assert.deepEqual(await probe(`${url}/readyz`), { status: 200, type: 'application/json', body: READY });
        assert.deepEqual(await probe(`${url}/healthz`), {
          status: 200,
          type: 'application/json',
          body: { status: 'ok' },
        });
      }
      // The database closed under the server (SQLite has no connection to lose; a closed or failing file is what
      // makes it stop answering): not ready within a cache period, while the process stays alive.
      await store.close();
      await waitFor('/readyz to report 503', async () => (await fetch(`${base}/readyz`)).status === 503);
      for (const url of [base, metrics]) {
        assert.deepEqual(await probe(`${url}/readyz`), {
          status: 503,
          type: 'application/json',
          body: { status: 'not-ready', store: 'unreachable', keys: 'loaded' },
        });
        assert.deepEqual(await probe(`${url}/healthz`), {
          status: 200,
          type: 'application/json',
          body: { status: 'ok' },
        });
      }
    } finally {
      await running.close();
    }
  });

  test('a probe flood reaches the database once per cache period', async () => {
    let pings = 0;
    const { running, base } = await serve(
      (store) =>
        new Proxy(store, {
          get(target, name) {
            if (name === 'ping') return () => (pings++, target.ping());
            const v = Reflect.get(target, name, target);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }),
    );
    try {
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => fetch(`${base}/readyz`).then((r) => r.status)),
      );
      assert.deepEqual(replies, Array(100).fill(200));
      assert.equal(pings, 1);
    } finally {
      await running.close();
    }
  });

  test('not ready while draining: requests in flight finish, the metrics port says "draining"', async () => {
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // ListUsers waits inside the store until the test lets it go: a request in flight during shutdown.
    const { running, base, metrics } = await serve(
      (store) =>
        new Proxy(store, {
          get(target, name) {
            if (name === 'listUsers')
              return async (...args: Parameters<Store['listUsers']>) => {
                entered();
                await gate;
                return target.listUsers(...args);
              };
            const v = Reflect.get(target, name, target);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }),
    );
    const port = Number(new URL(base).port);
    const server = {
      url: base,
      port,
      host: `127.0.0.1:${port}`,
      clock: new ManualClock(),
      root: running.rootCredentials!,
    } as TestServer;
    assert.equal((await probe(`${metrics}/readyz`)).status, 200);
    const inFlight = call(server, 'ListUsers', {}, server.root, { service: 'iam' });
    await inside;
    const closed = running.close();
    try {
      assert.deepEqual(await probe(`${metrics}/readyz`), {
        status: 503,
        type: 'application/json',
        body: { status: 'draining' },
      });
      assert.deepEqual(await running.readiness.check(), { status: 'draining' });
    } finally {
      release();
    }
    assert.equal((await inFlight).status, 200, 'the request in flight was answered');
    await closed;
  });
});
