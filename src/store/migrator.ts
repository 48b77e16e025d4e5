/**
 * Versioned schema migrations: kysely's Migrator pattern (a provider of named, ordered migrations; a plan of what
 * is applied and pending; pending ones applied in order, each recorded by name), run by us over our own
 * bookkeeping table `schema_migrations` rather than by kysely's Migrator class (checked against kysely 0.28). Why
 * not kysely's class:
 * - Every database written so far records its migrations in `schema_migrations(name, applied_at bigint)`
 *   (0001..0010). kysely's class may be given that table's name but not its columns (it wants `name, timestamp`
 *   as text, and a lock table besides): each store would need a one-time copy, after which a binary of today (a
 *   node not yet upgraded in a rolling upgrade, or a rollback) would read a table nobody writes any more.
 * - On SQLite kysely's class runs migrations outside any transaction (its adapter reports no transactional DDL):
 *   a crash between 0006's two ALTERs would leave a column added and no record, and every later start failing.
 *   Here each migration and its record commit together, on both dialects.
 * - On PostgreSQL its lock is one fixed advisory key for every schema of the cluster; ours (the backend's
 *   withMigrationLock, postgres/postgres-backend.ts) is per schema, taken before the plan is read, so nodes of one
 *   deployment start one after another and others never wait.
 * - A database newer than the binary must be refused with the names of what it does not know and the remedy;
 *   kysely's class reports "corrupted migrations".
 */
import type { Kysely } from 'kysely';
import { migrations as ALL, type Database, type Migration } from './schema.js';

export interface MigrationPlan {
  /** Known migrations already applied, in order. */
  applied: string[];
  /** Known migrations not applied yet, in the order they would run. */
  pending: string[];
  /** Applied migrations this binary does not know: the database was upgraded by a newer version. */
  unknown: string[];
}

/** The database has migrations this binary does not know: running on it could corrupt what the newer version wrote. */
export class DatabaseNewerError extends Error {
  override name = 'DatabaseNewerError';
  constructor(
    readonly unknown: string[],
    storeName = 'The database',
  ) {
    super(
      `${storeName} was upgraded by a newer OpenSTS: it has migrations this version does not know (${unknown.join(', ')}). ` +
        'Run that version or a newer one, or restore a backup taken before the upgrade; this version refuses to use it.',
    );
  }
}

/** The names in `schema_migrations`, or none when the table (or, on PostgreSQL, the schema) does not exist yet. */
async function appliedNames(db: Kysely<Database>): Promise<string[]> {
  try {
    return (await db.selectFrom('schema_migrations').select('name').execute()).map((r) => r.name);
  } catch (err) {
    // Read rather than created: a dry run writes nothing, not even the bookkeeping table.
    const e = err as { code?: string; message?: string };
    if (e.code === '42P01' || e.code === '3F000' || /no such table/.test(e.message ?? '')) return [];
    throw err;
  }
}

export class Migrator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly list: readonly Migration[] = ALL,
    private readonly storeName?: string,
  ) {
    const names = list.map((m) => m.name);
    if (new Set(names).size !== names.length) throw new Error(`Duplicate migration names: ${names.join(', ')}`);
  }

  async plan(): Promise<MigrationPlan> {
    const done = new Set(await appliedNames(this.db));
    const known = new Set(this.list.map((m) => m.name));
    return {
      applied: this.list.filter((m) => done.has(m.name)).map((m) => m.name),
      pending: this.list.filter((m) => !done.has(m.name)).map((m) => m.name),
      unknown: [...done].filter((n) => !known.has(n)).sort(),
    };
  }

  /**
   * Applies every pending migration up to and including `target` (default: all), each in a transaction with its
   * record. Refuses, before writing anything, a database that has migrations this binary does not know.
   */
  async migrateTo(target?: string): Promise<{ applied: { name: string; ms: number }[] }> {
    if (target !== undefined && !this.list.some((m) => m.name === target))
      throw new Error(`No migration named ${target}`);
    const plan = await this.plan();
    if (plan.unknown.length) throw new DatabaseNewerError(plan.unknown, this.storeName);
    await this.db.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute();
    const applied: { name: string; ms: number }[] = [];
    const pending = new Set(plan.pending);
    for (const m of this.list) {
      if (pending.has(m.name)) {
        const started = performance.now();
        try {
          await this.db.transaction().execute(async (trx) => {
            await trx.insertInto('schema_migrations').values({ name: m.name, applied_at: Date.now() }).execute();
            await m.up(trx);
          });
          applied.push({ name: m.name, ms: performance.now() - started });
        } catch (err) {
          // Another process on the same SQLite file (a second server, `opensts migrate`) applied it first: its record
          // made our insert fail and roll back. PostgreSQL's nodes take turns and never get here.
          if (!(await appliedNames(this.db)).includes(m.name)) throw err;
        }
      }
      if (m.name === target) break;
    }
    return { applied };
  }

  migrateToLatest(): Promise<{ applied: { name: string; ms: number }[] }> {
    return this.migrateTo();
  }
}
