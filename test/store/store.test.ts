/**
 * What the Store contract (test/store/contract/, run by sqlite-contract.test.ts and postgres-contract.test.ts) does
 * not cover: how SQLite notices another connection's commits, and the at-rest guarantee: no secret is ever readable
 * in the database files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { UserRecord } from '../../src/store/store.js';
import { call, createUserWithKey, sessionFor } from '../helpers/query.js';
import { startTestServer } from '../helpers/server.js';

const ACCOUNT = '123456789012';
const user = (name: string, path = '/'): UserRecord => ({
  accountId: ACCOUNT,
  userId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
  userName: name,
  path,
  createdAt: 1000,
  tags: [],
});

test("SQLite: a commit by another connection moves this connection's revision at the next poll", async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'opensts-store-'));
  const a = SqliteStore.open(dir);
  await a.migrate();
  const b = SqliteStore.open(dir);
  await b.migrate();
  const before = a.revision();
  a.checkExternalChanges();
  assert.equal(a.revision(), before);
  await b.createUser(user('eve'));
  assert.equal(a.revision(), before, 'noticed by the poll, not on every read');
  a.checkExternalChanges();
  assert.notEqual(a.revision(), before);
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

test('no secret is readable in the data dir; the master key file is private', async () => {
  const s = await startTestServer({ store: 'sqlite' });
  const alice = await createUserWithKey(s, 'alice');
  const session = await sessionFor(s, alice);
  await call(s, 'GetCallerIdentity', {}, alice);
  await s.running.app.keyUses.flush();
  const secrets = [alice.secretAccessKey, s.root.secretAccessKey, session.secretAccessKey];
  const dir = s.dataDir;
  await s.running.close(); // leaves the files behind
  const files = readdirSync(dir).filter((f) => f !== 'master.key');
  assert.ok(files.includes('opensts.db'), files.join());
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    for (const secret of secrets) {
      assert.equal(bytes.includes(Buffer.from(secret)), false, `${f} contains a secret`);
      assert.equal(
        bytes.includes(Buffer.from(secret, 'latin1').toString('base64')),
        false,
        `${f} contains a secret in base64`,
      );
    }
  }
  assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  const { rmSync } = await import('node:fs');
  rmSync(dir, { recursive: true, force: true });
});
