/**
 * PostgreSQL as the store of several nodes: migrations started by many nodes at once, AWS's invariants under
 * concurrent writers on different nodes, and the change feed (a write answers once the other nodes know of it).
 * Each "node" here is a PostgresStore of its own (own pool, own listening connection) on a shared schema.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parsePostgresUrl } from '../../src/store/postgres/postgres-store.js';
import type { AccessKeyRecord, UserRecord } from '../../src/store/store.js';
import { admin, skipPostgres, TestSchemas } from '../helpers/postgres.js';

const ACCOUNT = '123456789012';
const user = (name: string, id = `AIDA${name.toUpperCase().padEnd(17, 'X')}`): UserRecord => ({
  accountId: ACCOUNT,
  userId: id,
  userName: name,
  path: '/',
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

test('the schema parameter is split off the connection URL', () => {
  assert.deepEqual(parsePostgresUrl('postgres://u:p@db:5433/sts?schema=eu&sslmode=disable'), {
    connectionString: 'postgres://u:p@db:5433/sts?sslmode=disable',
    schema: 'eu',
  });
  assert.equal(parsePostgresUrl('postgresql://db/sts').schema, 'public');
  assert.throws(() => parsePostgresUrl('mysql://db/sts'), /Not a PostgreSQL URL/);
});

describe('PostgreSQL shared by several nodes', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  after(() => schemas.cleanup());

  /** `n` nodes on one new schema, not yet migrated. */
  async function nodes(n: number) {
    const { url } = schemas.create();
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    return Promise.all(Array.from({ length: n }, () => PostgresStore.open({ url, poolSize: 4 })));
  }

  test('many nodes migrating at once: one migrates, the others wait and find the schema done', async () => {
    const all = await nodes(4);
    try {
      await Promise.all(all.map((s) => s.migrate()));
      await Promise.all(all.map((s) => s.migrate()));
      const schema = all[0]!.backend.schema;
      const applied = await admin((c) => c.query(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`));
      const { migrations } = await import('../../src/store/schema.js');
      assert.equal(applied.rows[0].n, migrations.length);
      const aws = await admin((c) =>
        c.query(`SELECT count(*)::int AS n FROM ${schema}.managed_policies WHERE account_id = 'aws'`),
      );
      const { AWS_MANAGED_POLICIES } = await import('../../src/store/aws-managed-policies.js');
      assert.equal(aws.rows[0].n, AWS_MANAGED_POLICIES.length);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test('two keys per user hold when several nodes create keys for one user at once', async () => {
    const all = await nodes(3);
    try {
      await all[0]!.migrate();
      const u = user('race');
      await all[0]!.createUser(u);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => all[i % 3]!.createAccessKey(key(`AKIARACE${i}`, u.userId), 2)),
      );
      assert.equal(results.filter((r) => r === 'created').length, 2, results.join());
      assert.equal((await all[1]!.listAccessKeys(ACCOUNT, u.userId)).length, 2);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test('a user name is taken once, case-insensitively, when nodes race to create it', async () => {
    const all = await nodes(3);
    try {
      await all[0]!.migrate();
      const names = ['Bob', 'bob', 'BOB', 'bOb', 'boB', 'BoB'];
      const results = await Promise.all(names.map((n, i) => all[i % 3]!.createUser(user(n, `AIDARACE${i}`))));
      assert.equal(results.filter(Boolean).length, 1, results.join());
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test('a user cannot be deleted while another node gives it a key: never a key without its user', async () => {
    const all = await nodes(2);
    try {
      await all[0]!.migrate();
      for (let round = 0; round < 10; round++) {
        const u = user(`victim${round}`, `AIDAVICTIM${round}`);
        await all[0]!.createUser(u);
        const [created, deleted] = await Promise.all([
          all[0]!.createAccessKey(key(`AKIAVICTIM${round}`, u.userId), 2),
          all[1]!.deleteUser(ACCOUNT, u.userId),
        ]);
        const orphan = created === 'created' && deleted === 'deleted';
        assert.equal(orphan, false, `round ${round}: ${created} / ${deleted}`);
      }
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test('concurrent tag changes on different nodes lose nothing', async () => {
    const all = await nodes(3);
    try {
      await all[0]!.migrate();
      const u = user('tagged');
      await all[0]!.createUser(u);
      await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          all[i % 3]!.updateTags('user', u.userId, [{ Key: `k${i}`, Value: 'v' }], [], 50),
        ),
      );
      assert.equal((await all[2]!.getUserById(u.userId))?.tags.length, 9);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test('a write answers once the other nodes have heard of it', async () => {
    const [a, b, c] = await nodes(3);
    try {
      await a!.migrate();
      for (let i = 0; i < 20; i++) {
        const before = [b!.revision(), c!.revision()];
        await a!.createUser(user(`n${i}`, `AIDANOTICE${i}`));
        assert.notEqual(b!.revision(), before[0], `write ${i}: node b has not heard`);
        assert.notEqual(c!.revision(), before[1], `write ${i}: node c has not heard`);
      }
      const r = b!.revision();
      await a!.recordAccessKeyUse([{ accessKeyId: 'AKIANONE', at: 1, region: 'r', service: 's' }]);
      assert.equal(b!.revision(), r, 'recorded use is not a change');
    } finally {
      await Promise.all([a, b, c].map((s) => s!.close()));
    }
  });

  test('a store that cannot reach the database fails to open instead of hanging', async () => {
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    await assert.rejects(PostgresStore.open({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }));
  });
});
