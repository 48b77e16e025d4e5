/**
 * The embedded database: one SQLite file in WAL mode (better-sqlite3), so `opensts serve` needs no setup. One
 * connection; kysely's SqliteDriver queues its users, so a transaction has the connection to itself.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Transaction,
} from 'kysely';
import { makePrivateDir, PRIVATE_FILE_MODE, tighten } from '../../private-files.js';
import type { StoreBackend } from '../backend.js';
import type { ChangeFeed } from '../change-feed.js';
import type { Database as Schema } from '../schema.js';
import { SqliteFeed } from './sqlite-feed.js';

/**
 * SQLite creates a database 0644 whatever the umask, and its -wal and -shm files with the database's mode: so the
 * database is created here first, 0600, and files left more open by an older version are tightened.
 */
function privateDatabaseFiles(file: string): void {
  // 'a': creates an empty file (which SQLite takes for a new database) and never truncates one another process made.
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) tighten(f, PRIVATE_FILE_MODE);
}

/**
 * Every transaction begins IMMEDIATE: the write lock is taken before the first read, so a check such as "at most
 * two keys" sees every earlier write, and a process that finds another one writing waits (busy_timeout) instead of
 * failing with SQLITE_BUSY_SNAPSHOT when its read snapshot turns out stale at its first write. Every transaction
 * of the store writes (changes, recorded uses, migrations), so none loses anything by it.
 */
class ImmediateTransactions implements Driver {
  constructor(private readonly driver: Driver) {}
  init() {
    return this.driver.init();
  }
  acquireConnection() {
    return this.driver.acquireConnection();
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.driver.commitTransaction(connection);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite may have rolled back already (a failed COMMIT): the error that got us here is the one to report.
    await this.driver.rollbackTransaction(connection).catch(() => {});
  }
  releaseConnection(connection: DatabaseConnection) {
    return this.driver.releaseConnection(connection);
  }
  destroy() {
    return this.driver.destroy();
  }
}

/** kysely's SqliteDialect with ImmediateTransactions. */
class ImmediateSqliteDialect implements Dialect {
  constructor(private readonly dialect: SqliteDialect) {}
  createDriver(): Driver {
    return new ImmediateTransactions(this.dialect.createDriver());
  }
  createQueryCompiler() {
    return this.dialect.createQueryCompiler();
  }
  createAdapter() {
    return this.dialect.createAdapter();
  }
  createIntrospector(db: Kysely<unknown>) {
    return this.dialect.createIntrospector(db);
  }
}

export class SqliteBackend implements StoreBackend {
  readonly db: Kysely<Schema>;
  readonly feed: SqliteFeed;

  private constructor(sqlite: Database.Database, processes: ChangeFeed) {
    this.db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect(new SqliteDialect({ database: sqlite })) });
    this.feed = new SqliteFeed(sqlite, processes);
  }

  /**
   * Opens (creating if needed) `<dataDir>/opensts.db`, or an in-memory database for ':memory:'. The data dir is
   * made 0700 and the database files 0600. `processes` tells the other workers of this server.
   */
  static open(dataDir: string | ':memory:', processes: ChangeFeed): SqliteBackend {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      makePrivateDir(dataDir);
      file = join(dataDir, 'opensts.db');
      privateDatabaseFiles(file);
    }
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    return new SqliteBackend(sqlite, processes);
  }

  writeTransaction<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Processes migrating one file at once take turns on its write lock, migration by migration; one that finds a
   * migration applied by another skips it (see Migrator.migrateTo).
   */
  withMigrationLock<T>(fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
    return fn(this.db);
  }

  async createSchema(): Promise<void> {}

  available(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.feed.close();
    await this.db.destroy();
  }
}
