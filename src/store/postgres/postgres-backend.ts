/**
 * The shared database: one PostgreSQL database (or one schema of it) behind every node and region. What differs
 * from SQLite is how nodes hear of each other's changes (LISTEN/NOTIFY, see postgres-feed.ts) and how concurrent
 * writers on several nodes keep AWS's invariants.
 *
 * Writers: every change takes the store's write lock (a transaction-scoped advisory lock) before its first read,
 * so changes run one after another across all nodes, exactly as under SQLite's single writer. Each statement of a
 * READ COMMITTED transaction reads what was committed before it, so checks such as "at most two keys per user",
 * "the next policy version" or "the device is not assigned yet" see every earlier change, and the unique indexes
 * keep names unique besides. IAM changes are rare next to reads (which take no lock), so one writer at a time
 * costs nothing that matters, and it makes every invariant written for SQLite hold here without a second thought
 * (a lock per owner would protect the key limit alone and leave tags, policy versions and MFA devices to lose
 * updates under READ COMMITTED).
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { StoreBackend } from '../backend.js';
import type { Database } from '../schema.js';
import { PostgresFeed } from './postgres-feed.js';

export interface PostgresBackendOptions {
  /** `postgres://user:password@host:port/database`; a `schema` query parameter selects the schema (default public). */
  url: string;
  /** The schema to use (overrides the URL's); created by migrate() when missing. */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection before a request fails (default 3 s). */
  connectTimeoutMs?: number;
  /** How often the listening connection is checked (default 5 s). */
  heartbeatMs?: number;
  /** Told when the database connection is lost and when it is back. */
  onStateChange?: (state: 'up' | 'down', err?: unknown) => void;
}

/** First key of our advisory locks ("OSTS"); the second is the schema's hash, so that deployments apart never wait on each other. */
const LOCK_NAMESPACE = 0x4f535453;

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** int8 (bigint) columns and counts as JS numbers: every value we store (epoch ms, counters) fits in 2^53. */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

/** Splits our `schema` parameter off a connection URL. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new Error(`Not a PostgreSQL URL: ${u.protocol}//...`);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

export class PostgresBackend implements StoreBackend {
  private constructor(
    readonly db: Kysely<Database>,
    readonly feed: PostgresFeed,
    readonly schema: string,
  ) {}

  /**
   * Opens a pool and the listening connection. Rejects when the database cannot be reached at all; once open, a
   * lost connection is retried by itself.
   */
  static async open(options: PostgresBackendOptions): Promise<PostgresBackend> {
    const parsed = parsePostgresUrl(options.url);
    const schema = options.schema ?? parsed.schema;
    if (!SCHEMA.test(schema)) throw new Error(`Schema names are lower-case letters, digits and _: ${schema}`);
    const client: pg.ClientConfig = {
      connectionString: parsed.connectionString,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      // A node that vanishes mid-transaction must not hold the write lock for long.
      idle_in_transaction_session_timeout: 10_000,
      keepAlive: true,
      application_name: 'opensts',
      types,
    };
    const pool = new pg.Pool({ ...client, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle connection that dies is dropped by the pool; the next request opens a new one.
    pool.on('error', () => {});
    const feed = new PostgresFeed({
      client,
      channel: `opensts_${schema}`,
      heartbeatMs: options.heartbeatMs,
      onStateChange: options.onStateChange,
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await feed.start();
    } catch (err) {
      await feed.close();
      await db.destroy();
      throw err;
    }
    return new PostgresBackend(db, feed, schema);
  }

  /** A transaction under the store's write lock, taken before anything else (see above). */
  writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${`${this.schema}:write`}))`.execute(trx);
      return fn(trx);
    });
  }

  /**
   * Several nodes may start at once: one migrates while the others wait (a session advisory lock, taken before the
   * plan is read, so a node that waited finds nothing left to do). Serving nodes are not stopped: a migration must
   * leave the schema usable by the previous version (add, never drop or rename, in one release).
   */
  withMigrationLock<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${LOCK_NAMESPACE}, hashtext(${`${this.schema}:migrate`}))`.execute(conn);
      try {
        return await fn(conn);
      } finally {
        await sql`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${`${this.schema}:migrate`}))`.execute(conn);
      }
    });
  }

  async createSchema(db: Kysely<Database>): Promise<void> {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(this.schema)}`.execute(db);
  }

  /** False while the database cannot be reached: /readyz answers 503, token-only requests keep working. */
  available(): boolean {
    return this.feed.available();
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.db.destroy();
  }
}
