/**
 * The Store contract (test/store/contract/) against SQLite: an in-memory database per test, and for the tests of
 * two handles, two stores on one new data dir (as two processes on one file: each notices the other's commits by
 * polling data_version, which catchUp does at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
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
