/**
 * What the backends bring to the one SqlStore (src/store/backend.ts): SQLite's write lock taken at BEGIN, a change
 * that fails leaving nothing behind, and the server's store composed with the AWS managed policy catalogue rather
 * than wrapped (no Proxy on the request path).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { types } from 'node:util';
import Database from 'better-sqlite3';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { call } from '../helpers/query.js';
import { startTestServer } from '../helpers/server.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function sqliteOnDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-backend-'));
  dirs.push(dir);
  const store = SqliteStore.open(dir);
  await store.migrate();
  return { store, file: join(dir, 'opensts.db') };
}

test('SQLite: a write transaction holds the write lock from its BEGIN, before its first statement', async () => {
  const { store, file } = await sqliteOnDisk();
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  try {
    await store.backend.writeTransaction(async () => {
      assert.throws(() => other.exec('BEGIN IMMEDIATE'), { code: 'SQLITE_BUSY' });
    });
    other.exec('BEGIN IMMEDIATE');
    other.exec('ROLLBACK');
  } finally {
    other.close();
    await store.close();
  }
});

test('SQLite: a write transaction that fails rolls back and reports its own error', async () => {
  const { store } = await sqliteOnDisk();
  try {
    const before = store.revision();
    await assert.rejects(
      store.backend.writeTransaction(async (trx) => {
        await trx.insertInto('token_keys').values({ key_id: 7, key_encrypted: 'k', created_at: 1 }).execute();
        throw new Error('boom');
      }),
      /^Error: boom$/,
    );
    assert.deepEqual(await store.listTokenKeys(), []);
    assert.equal(store.revision(), before);
    await store.addTokenKey({ keyId: 7, keyEncrypted: 'k', createdAt: 1 });
    assert.equal((await store.listTokenKeys()).length, 1, 'the connection is usable again');
  } finally {
    await store.close();
  }
});

test("the server's store is the SqlStore itself: no wrapper between the request path and the store", async () => {
  // The catalogue is composed into it (test/iam-api/aws-managed-policies.test.ts checks what it serves).
  const s = await startTestServer();
  try {
    assert.ok(s.running.app.store instanceof SqlStore);
    assert.equal(types.isProxy(s.running.app.store), false);
    assert.equal((await call(s, 'GetCallerIdentity', {}, s.root)).status, 200);
  } finally {
    await s.close();
  }
});
