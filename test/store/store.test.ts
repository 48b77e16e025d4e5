/**
 * The Store contract, run against every store implementation, and the at-rest guarantee: no secret is ever
 * readable in the database files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { AccessKeyRecord, Store, UserRecord } from '../../src/store/store.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';
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
const key = (id: string, userId?: string): AccessKeyRecord => ({
  accessKeyId: id,
  accountId: ACCOUNT,
  userId,
  secretEncrypted: 'sealed',
  status: 'Active',
  createdAt: 2000,
});

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const withStore = (title: string, fn: (s: Store) => Promise<void>) =>
      test(title, async () => {
        const s = await open();
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      });

    withStore('migrate is idempotent and the account is created once', async (s) => {
      await s.migrate();
      const a = await s.ensureAccount({ accountId: ACCOUNT, createdAt: 1, globalEndpointTokenVersion: 1 });
      const b = await s.ensureAccount({ accountId: '999999999999', createdAt: 2, globalEndpointTokenVersion: 1 });
      assert.deepEqual(a, b);
      assert.equal(b.accountId, ACCOUNT);
    });

    withStore('users: unique case-insensitively, found by name in any case and by id', async (s) => {
      assert.equal(await s.createUser(user('Alice')), true);
      assert.equal(await s.createUser({ ...user('alice'), userId: 'AIDAOTHER' }), false);
      assert.equal((await s.getUserByName(ACCOUNT, 'ALICE'))?.userName, 'Alice');
      assert.equal((await s.getUserById(user('Alice').userId))?.userName, 'Alice');
      assert.equal(await s.getUserByName('000000000000', 'alice'), undefined);
    });

    withStore('users: pages in name order, with path prefix', async (s) => {
      for (const n of ['c', 'a', 'e', 'b', 'd']) await s.createUser(user(n, n < 'c' ? '/x/' : '/y/'));
      const p1 = await s.listUsers(ACCOUNT, { maxItems: 2 });
      assert.deepEqual(
        p1.items.map((u) => u.userName),
        ['a', 'b'],
      );
      const p2 = await s.listUsers(ACCOUNT, { maxItems: 2, marker: p1.marker });
      assert.deepEqual(
        p2.items.map((u) => u.userName),
        ['c', 'd'],
      );
      const p3 = await s.listUsers(ACCOUNT, { maxItems: 2, marker: p2.marker });
      assert.deepEqual(
        p3.items.map((u) => u.userName),
        ['e'],
      );
      assert.equal(p3.marker, undefined);
      assert.deepEqual(
        (await s.listUsers(ACCOUNT, { maxItems: 10, pathPrefix: '/y/' })).items.map((u) => u.userName),
        ['c', 'd', 'e'],
      );
    });

    withStore('access keys: at most N per owner, root keys apart', async (s) => {
      const u = user('bob');
      await s.createUser(u);
      assert.equal(await s.createAccessKey(key('AKIA1', u.userId), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA2', u.userId), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA3', u.userId), 2), 'limit-exceeded');
      assert.equal(await s.createAccessKey(key('AKIA4'), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA5', 'AIDANOBODY'), 2), 'no-such-owner');
      assert.deepEqual(
        (await s.listAccessKeys(ACCOUNT, u.userId)).map((k) => k.accessKeyId),
        ['AKIA1', 'AKIA2'],
      );
      assert.deepEqual(
        (await s.listAccessKeys(ACCOUNT, undefined)).map((k) => k.accessKeyId),
        ['AKIA4'],
      );
      assert.equal((await s.getAccessKey('AKIA4'))?.userId, undefined);
    });

    withStore('access keys: concurrent creation keeps the limit', async (s) => {
      const u = user('race');
      await s.createUser(u);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.createAccessKey(key(`AKIARACE${i}`, u.userId), 2)),
      );
      assert.equal(results.filter((r) => r === 'created').length, 2);
    });

    withStore('deleting a user with keys is refused', async (s) => {
      const u = user('carol');
      await s.createUser(u);
      await s.createAccessKey(key('AKIAC1', u.userId), 2);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'has-keys');
      assert.equal(await s.deleteAccessKey('AKIAC1'), true);
      assert.equal(await s.deleteAccessKey('AKIAC1'), false);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'deleted');
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'missing');
    });

    withStore('status changes and last use', async (s) => {
      await s.createAccessKey(key('AKIAU'), 2);
      assert.equal(await s.updateAccessKeyStatus('AKIAU', 'Inactive'), true);
      assert.equal((await s.getAccessKey('AKIAU'))?.status, 'Inactive');
      assert.equal(await s.updateAccessKeyStatus('AKIANONE', 'Inactive'), false);
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAU', at: 5000, region: 'eu-west-1', service: 'sts' }]);
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAU', at: 4000, region: 'us-east-1', service: 'iam' }]);
      const k = await s.getAccessKey('AKIAU');
      assert.deepEqual([k?.lastUsedAt, k?.lastUsedRegion, k?.lastUsedService], [5000, 'eu-west-1', 'sts']);
    });

    withStore('revision moves on every change, not on recorded use', async (s) => {
      const r0 = s.revision();
      await s.createUser(user('dan'));
      const r1 = s.revision();
      assert.notEqual(r1, r0);
      await s.createAccessKey(key('AKIAD'), 2);
      assert.notEqual(s.revision(), r1);
      const r2 = s.revision();
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAD', at: 1, region: 'r', service: 's' }]);
      assert.equal(s.revision(), r2);
    });

    withStore('token keys are added once per id', async (s) => {
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'a', createdAt: 1 });
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'b', createdAt: 2 });
      await s.addTokenKey({ keyId: 2, keyEncrypted: 'c', createdAt: 3 });
      assert.deepEqual(
        (await s.listTokenKeys()).map((k) => [k.keyId, k.keyEncrypted]),
        [
          [1, 'a'],
          [2, 'c'],
        ],
      );
    });
  });
}

storeContract('SQLite (in memory)', async () => {
  const s = SqliteStore.open(':memory:');
  await s.migrate();
  return s;
});

if (!skipPostgres) {
  // The same contract against PostgreSQL, each test on a schema of its own.
  const schemas = new TestSchemas();
  after(() => schemas.cleanup());
  storeContract('PostgreSQL', () => schemas.open());
}

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
