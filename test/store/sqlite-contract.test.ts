/**
 * The Store contract (test/store/contract/) against SQLite: an in-memory database per test, and for the tests of
 * two handles, two stores on one new data dir (as two processes on one file: each notices the other's commits by
 * polling data_version, which catchUp does at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { recording } from './contract/harness.js';
import { storeContracts } from './contract/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function migrated(where: string): Promise<SqliteStore> {
  const s = SqliteStore.open(where);
  await s.migrate();
  return s;
}

storeContracts({
  name: 'SQLite',
  open: () => migrated(':memory:'),
  async openPair() {
    const dir = mkdtempSync(join(tmpdir(), 'opensts-contract-'));
    dirs.push(dir);
    return [await migrated(dir), await migrated(dir)];
  },
  catchUp(s: Store) {
    (s as SqliteStore).checkExternalChanges();
  },
  concurrentHandles: false,
  concurrency: 1,
});

test('the suites count a method called through the store they hand out, an absent optional one when looked up', async () => {
  // A store without the optional available(), whatever the backends implement today.
  const bare = { getUserById: async () => undefined, ping: async () => {}, close: async () => {} } as unknown as Store;
  const called = new Set<string>();
  const { store, closed } = recording(bare, called);
  assert.equal(await store.getUserById('AIDANOBODY'), undefined);
  assert.equal(store.available?.(), undefined);
  const looked = store.ping; // looked up, not called: not counted
  assert.equal(typeof looked, 'function');
  assert.deepEqual([...called].sort(), ['available', 'getUserById']);
  assert.equal(closed(), false);
  await store.close();
  assert.equal(closed(), true);
});
