/**
 * Tables and migrations, written once for both dialects: only `text` and `bigint` columns, times as epoch
 * milliseconds, secrets as base64 text. `revision` holds one counter that every real change bumps, so that
 * caches on other connections and nodes can tell they are stale.
 */
import { Kysely, sql } from 'kysely';

export interface Database {
  schema_migrations: { name: string; applied_at: number };
  revision: { id: number; n: number };
  accounts: { account_id: string; created_at: number; global_endpoint_token_version: number };
  token_keys: { key_id: number; key_encrypted: string; created_at: number };
  users: {
    user_id: string;
    account_id: string;
    user_name: string;
    name_key: string;
    path: string;
    created_at: number;
    tags: string;
  };
  access_keys: {
    access_key_id: string;
    account_id: string;
    /** '' for the root's own keys, so that the per-owner limit and index work alike in both dialects. */
    owner_id: string;
    secret_encrypted: string;
    status: string;
    created_at: number;
    last_used_at: number | null;
    last_used_region: string | null;
    last_used_service: string | null;
  };
}

export interface Migration {
  name: string;
  up(db: Kysely<Database>): Promise<void>;
}

export const migrations: Migration[] = [
  {
    name: '0001-core',
    async up(db) {
      await db.schema.createTable('revision').ifNotExists()
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('revision').values({ id: 1, n: 0 }).execute();
      await db.schema.createTable('accounts').ifNotExists()
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('global_endpoint_token_version', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('token_keys').ifNotExists()
        .addColumn('key_id', 'bigint', (c) => c.primaryKey())
        .addColumn('key_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('users').ifNotExists()
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_name').ifNotExists().unique().on('users').columns(['account_id', 'name_key']).execute();
      await db.schema.createTable('access_keys').ifNotExists()
        .addColumn('access_key_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('secret_encrypted', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('last_used_region', 'text')
        .addColumn('last_used_service', 'text')
        .execute();
      await db.schema.createIndex('access_keys_owner').ifNotExists().on('access_keys').columns(['account_id', 'owner_id']).execute();
    },
  },
];

/** Applies pending migrations in order, each in a transaction with its bookkeeping row. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  await db.schema.createTable('schema_migrations').ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const done = new Set((await db.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name));
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    await db.transaction().execute(async (trx) => {
      // A concurrent migrator may have won the race: the primary key makes the loser roll back.
      await trx.insertInto('schema_migrations').values({ name: m.name, applied_at: Date.now() }).execute();
      await m.up(trx);
    });
  }
}

export const bumpRevision = (db: Kysely<Database>) => sql`update revision set n = n + 1 where id = 1`.execute(db);
