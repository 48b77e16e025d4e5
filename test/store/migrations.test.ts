/**
 * Upgrades: a store written by the previous schema is migrated at start and serves its data; a store upgraded by a
 * newer version is refused, by the server and by `opensts migrate`; `--dry-run` writes nothing; and two nodes on one
 * PostgreSQL keep answering while they are upgraded one at a time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrate as migrateCommand } from '../../src/cli/migrate.js';
import { ManualClock } from '../../src/clock.js';
import { Migrator } from '../../src/store/migrator.js';
import { migrations, type Database } from '../../src/store/schema.js';
import { parsePostgresUrl } from '../../src/store/postgres/postgres-store.js';
import { admin, skipPostgres, TestSchemas } from '../helpers/postgres.js';
import { NODE_ENV, ROOT, startNode } from '../helpers/nodes.js';
import { call, errorCode, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PREVIOUS = migrations.at(-2)!.name;
const LATEST = migrations.at(-1)!.name;
const ACCOUNT = '111122223333';
const FUTURE = '9999-from-a-newer-version';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'opensts-migrations-'));
  dirs.push(d);
  return d;
};

/** The store's file as the server opens it (WAL), through a connection of the test's own. */
const sqliteDb = (dir: string) => {
  const database = new SqliteDatabase(join(dir, 'opensts.db'));
  database.pragma('journal_mode = WAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
};

/** What the previous version left: migrations up to the one before the latest, an account and a user. */
async function previousVersionStore(db: Kysely<Database>): Promise<void> {
  assert.deepEqual(
    (await new Migrator(db).migrateTo(PREVIOUS)).applied.map((a) => a.name),
    migrations.slice(0, -1).map((m) => m.name),
  );
  await db
    .insertInto('accounts')
    .values({ account_id: ACCOUNT, created_at: Date.now(), global_endpoint_token_version: 1 })
    .execute();
  await db
    .insertInto('users')
    .values({
      user_id: 'AIDAOLDVERSIONUSER01',
      account_id: ACCOUNT,
      user_name: 'written-before',
      name_key: 'written-before',
      path: '/old/',
      created_at: Date.now(),
      tags: '[{"Key":"k","Value":"v"}]',
      permissions_boundary: null,
    })
    .execute();
}

const appliedNames = async (db: Kysely<Database>) =>
  (await db.selectFrom('schema_migrations').select('name').orderBy('name').execute()).map((r) => r.name);

const output = () => {
  const lines: string[] = [];
  return {
    lines,
    io: {
      env: {},
      out: (t: string) => {
        lines.push(t);
      },
      now: Date.now,
    },
  };
};

/** The database file's bytes (and its WAL's), to show that nothing was written. */
const fingerprint = (dir: string) =>
  ['opensts.db', 'opensts.db-wal']
    .map((f) => join(dir, f))
    .map((f) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent'))
    .join(' ');

describe('SQLite', () => {
  test('a store written by the previous version is migrated at start and serves its old data', async () => {
    const dir = newDir();
    const db = sqliteDb(dir);
    await previousVersionStore(db);
    await db.destroy();
    const server = await startTestServer({
      store: 'sqlite',
      dataDir: dir,
      env: { OPENSTS_ACCOUNT_ID: ACCOUNT, OPENSTS_MASTER_KEY: NODE_ENV.OPENSTS_MASTER_KEY },
    });
    try {
      const user = await call(server, 'GetUser', { UserName: 'written-before' }, server.root, { service: 'iam' });
      assert.equal(user.status, 200, user.body);
      assert.equal(xmlText(user.body, 'UserId'), 'AIDAOLDVERSIONUSER01');
      assert.equal(xmlText(user.body, 'Path'), '/old/');
      // The latest migration's table is there and used.
      const created = await call(server, 'CreateAccountAlias', { AccountAlias: 'after-upgrade' }, server.root, {
        service: 'iam',
      });
      assert.equal(created.status, 200, created.body);
    } finally {
      await server.close();
    }
    const after = sqliteDb(dir);
    assert.deepEqual(await appliedNames(after), migrations.map((m) => m.name).sort());
    await after.destroy();
  });

  test('opensts migrate --dry-run prints the pending migrations and writes nothing; without it, applies them', async () => {
    const dir = newDir();
    const db = sqliteDb(dir);
    await previousVersionStore(db);
    await db.destroy();
    const before = fingerprint(dir);

    const dry = output();
    assert.equal(await migrateCommand(['--data-dir', dir, '--dry-run'], dry.io), 0);
    assert.match(dry.lines.join(''), new RegExp(`would apply 1:\\n  ${LATEST}\\n\\(dry run: nothing was written\\)`));
    assert.equal(fingerprint(dir), before);

    const real = output();
    assert.equal(await migrateCommand(['--data-dir', dir], real.io), 0);
    assert.match(real.lines.join(''), new RegExp(`applied 1 migrations in \\d+ ms:\\n  ${LATEST} \\(\\d+ ms\\)`));
    const again = output();
    assert.equal(await migrateCommand(['--data-dir', dir, '--dry-run'], again.io), 0);
    assert.match(again.lines.join(''), /up to date \(\d+ migrations applied\); nothing to do/);
    const check = sqliteDb(dir);
    assert.deepEqual(await appliedNames(check), migrations.map((m) => m.name).sort());
    assert.equal((await check.selectFrom('users').select('user_name').executeTakeFirst())?.user_name, 'written-before');
    await check.destroy();
  });

  test('opensts migrate refuses a data dir with no store rather than creating one', async () => {
    const dir = newDir();
    await assert.rejects(
      migrateCommand(['--data-dir', dir, '--dry-run'], output().io),
      /No OpenSTS store in .*no opensts\.db/,
    );
    // The same through the command line: registered, and a failure is an exit code scripts can see.
    const cli = spawnSync(process.execPath, ['bin/opensts', 'migrate', '--data-dir', dir], { encoding: 'utf8' });
    assert.equal(cli.status, 255);
    assert.match(cli.stderr, /^opensts: No OpenSTS store in /);
    assert.equal(existsSync(join(dir, 'opensts.db')), false);
  });

  test('two processes migrating one new SQLite store at once both succeed, and each migration runs once', async () => {
    const dir = newDir();
    const db = sqliteDb(dir); // an empty store file in WAL mode, as a server's first start leaves it before migrating
    await db.destroy();
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/opensts', 'migrate', '--data-dir', dir], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.once('exit', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run()]);
    assert.deepEqual(
      results.map((r) => r.code),
      [0, 0],
      results.map((r) => r.out).join('\n'),
    );
    const check = sqliteDb(dir);
    assert.deepEqual(await appliedNames(check), migrations.map((m) => m.name).sort());
    // 0002 inserts the AWS managed policies: applied twice, they would be there twice (or the run would have failed).
    const policies = await check
      .selectFrom('managed_policies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const distinct = await check
      .selectFrom('managed_policies')
      .select((eb) => eb.fn.count<number>('arn').distinct().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(policies.n, distinct.n);
    await check.destroy();
  });

  test('a store upgraded by a newer version is refused by the server and by opensts migrate, naming what it lacks', async () => {
    const dir = newDir();
    const first = await startTestServer({ store: 'sqlite', dataDir: dir });
    await first.close();
    const db = sqliteDb(dir);
    await db.insertInto('schema_migrations').values({ name: FUTURE, applied_at: Date.now() }).execute();
    await db.destroy();
    const before = fingerprint(dir);
    const refusal = new RegExp(
      `upgraded by a newer OpenSTS: it has migrations this version does not know \\(${FUTURE}\\)\\. Run that version or a newer one, or restore a backup`,
    );
    await assert.rejects(startTestServer({ store: 'sqlite', dataDir: dir }), refusal);
    await assert.rejects(migrateCommand(['--data-dir', dir], output().io), refusal);
    await assert.rejects(migrateCommand(['--data-dir', dir, '--dry-run'], output().io), refusal);
    assert.equal(fingerprint(dir), before);
  });
});

describe('PostgreSQL', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  after(() => schemas.cleanup());

  const pgDb = (url: string) => {
    const { connectionString, schema } = parsePostgresUrl(url);
    return new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString, options: `-c search_path=${schema}`, max: 1 }),
      }),
    });
  };

  test('a schema written by the previous version is migrated at start and serves its old data', async () => {
    const { schema, url } = schemas.create();
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
    const db = pgDb(url);
    await previousVersionStore(db);
    const node = await startNode({ storeUrl: url, env: { ...NODE_ENV, OPENSTS_ACCOUNT_ID: ACCOUNT } });
    try {
      const user = await call(node, 'GetUser', { UserName: 'written-before' }, ROOT, { service: 'iam' });
      assert.equal(xmlText(user.body, 'UserId'), 'AIDAOLDVERSIONUSER01', user.body);
      assert.deepEqual(await appliedNames(db), migrations.map((m) => m.name).sort());
    } finally {
      await node.close();
      await db.destroy();
    }
  });

  test('a schema upgraded by a newer version is refused; --dry-run on a new schema creates nothing', async () => {
    const { schema, url } = schemas.create();
    const dry = output();
    assert.equal(await migrateCommand(['--store', url, '--dry-run'], dry.io), 0);
    assert.match(
      dry.lines.join(''),
      new RegExp(`0 migrations applied; would apply ${migrations.length}:\\n  ${migrations[0]!.name}\\n`),
    );
    const exists = await admin((c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]));
    assert.equal(exists.rowCount, 0);

    assert.equal(await migrateCommand(['--store', url], output().io), 0);
    await admin((c) => c.query(`INSERT INTO ${schema}.schema_migrations (name, applied_at) VALUES ($1, 0)`, [FUTURE]));
    await assert.rejects(
      startNode({ storeUrl: url }),
      new RegExp(`migrations this version does not know \\(${FUTURE}\\)`),
    );
    await assert.rejects(migrateCommand(['--store', url], output().io), new RegExp(FUTURE));
  });

  test('a rolling upgrade of two nodes: every call answered while each node is restarted in turn', async () => {
    const { schema, url } = schemas.create();
    const clock = new ManualClock();
    let a = await startNode({ storeUrl: url, clock });
    let b = await startNode({ storeUrl: url, clock });
    try {
      // Both nodes run "the previous version": the schema lacks the latest migration, which the first restart applies.
      await admin(async (c) => {
        await c.query(`DELETE FROM ${schema}.schema_migrations WHERE name = $1`, [LATEST]);
        await c.query(`DROP TABLE ${schema}.account_aliases`);
      });

      let target: TestServer = a;
      let calls = 0;
      let stop = false;
      const failures: string[] = [];
      const created: string[] = [];
      const waiters: { at: number; resolve: () => void }[] = [];
      /** Resolves once the loop has made `n` more calls (against whichever node it targets by then). */
      const moreCalls = (n: number) => new Promise<void>((resolve) => waiters.push({ at: calls + n, resolve }));
      const loop = (async () => {
        while (!stop) {
          const node = target;
          const create = calls % 2 === 1;
          const name = `rolling-${calls}`;
          try {
            const reply = create
              ? await call(node, 'CreateUser', { UserName: name }, ROOT, { service: 'iam' })
              : await call(node, 'GetCallerIdentity', {}, ROOT);
            if (reply.status !== 200) failures.push(`${node.port}: ${reply.status} ${errorCode(reply)}`);
            else if (create) created.push(name);
          } catch (err) {
            failures.push(`${node.port}: ${(err as Error).message}`);
          }
          calls++;
          for (const w of waiters.filter((w) => calls >= w.at)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      })();

      const started = performance.now();
      try {
        await moreCalls(10);
        // b restarts (and upgrades the schema) while a serves; then a restarts while the new b serves.
        await b.close();
        b = await startNode({ storeUrl: url, clock });
        await moreCalls(10);
        target = b;
        await moreCalls(10);
        await a.close();
        a = await startNode({ storeUrl: url, clock });
        target = a;
        await moreCalls(10);
      } finally {
        stop = true;
        await loop;
      }
      const ms = performance.now() - started;

      assert.deepEqual(failures, []);
      assert.ok(calls >= 40);
      const listed = await call(b, 'ListUsers', { MaxItems: 1000 }, ROOT, { service: 'iam' });
      for (const name of created) assert.ok(listed.body.includes(`<UserName>${name}</UserName>`), `${name} lost`);
      const alias = await call(a, 'CreateAccountAlias', { AccountAlias: 'after-upgrade' }, ROOT, { service: 'iam' });
      assert.equal(alias.status, 200, alias.body);
      console.log(
        `rolling upgrade: ${calls} calls (${created.length} CreateUser), ${failures.length} failed, ${ms.toFixed(0)} ms`,
      );
    } finally {
      // Either may be closed already when a restart failed.
      await a.close().catch(() => {});
      await b.close().catch(() => {});
    }
  });
});
