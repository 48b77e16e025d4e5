/**
 * The embedded store: one SQLite file in WAL mode (better-sqlite3), so `opensts serve` needs no setup. Workers of
 * one server learn of each other's changes through the change feed; any other process writing the same file (a
 * second server, an admin command) is noticed within a poll interval through `PRAGMA data_version`, which reading
 * on every request would cost more than the request itself.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import { makePrivateDir, PRIVATE_FILE_MODE, tighten } from '../../private-files.js';
import { LocalFeed, type ChangeFeed } from '../change-feed.js';
import type { Database as Schema } from '../schema.js';
import { SqlStore } from '../sql-store.js';

const POLL_MS = 500;

/**
 * SQLite creates a database 0644 whatever the umask, and its -wal and -shm files with the database's mode: so the
 * database is created here first, 0600, and files left more open by an older version are tightened.
 */
function privateDatabaseFiles(file: string): void {
  // 'a': creates an empty file (which SQLite takes for a new database) and never truncates one another process made.
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) tighten(f, PRIVATE_FILE_MODE);
}

export class SqliteStore extends SqlStore {
  private readonly dataVersion: Database.Statement;
  private counter: Database.Statement | undefined;
  private lastDataVersion: number;
  private lastCounter = -1;
  private readonly poll: NodeJS.Timeout;

  private constructor(
    private readonly sqlite: Database.Database,
    feed: ChangeFeed,
  ) {
    super(new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) }), feed);
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    this.lastDataVersion = this.dataVersion.get() as number;
    this.poll = setInterval(() => this.checkExternalChanges(), POLL_MS).unref();
  }

  /**
   * Opens (creating if needed) `<dataDir>/opensts.db`, or an in-memory database for ':memory:'. The data dir is
   * made 0700 and the database files 0600.
   */
  static open(dataDir: string | ':memory:', feed: ChangeFeed = new LocalFeed()): SqliteStore {
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
    return new SqliteStore(sqlite, feed);
  }

  /** Notices commits by other connections to the same file (called by a timer; tests call it directly). */
  checkExternalChanges(): void {
    if (!this.sqlite.open) return;
    const dv = this.dataVersion.get() as number;
    if (dv === this.lastDataVersion) return;
    this.lastDataVersion = dv;
    this.counter ??= this.sqlite.prepare('SELECT n FROM revision WHERE id = 1').pluck();
    const n = (this.counter.get() as number | undefined) ?? 0;
    if (n !== this.lastCounter) {
      this.lastCounter = n;
      this.noteChange();
    }
  }

  /**
   * Writes begin IMMEDIATE: the write lock is taken before the first read, so a check such as "at most two keys"
   * sees every earlier write, and a worker that finds another one writing waits (busy_timeout) instead of failing
   * with SQLITE_BUSY_SNAPSHOT when its read snapshot turns out stale at its first write.
   */
  protected override writeTransaction<T>(fn: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        // One connection, inside BEGIN...COMMIT: a transaction in all but its type.
        const result = await fn(conn as unknown as Transaction<Schema>);
        await sql`COMMIT`.execute(conn);
        return result;
      } catch (err) {
        await sql`ROLLBACK`.execute(conn).catch(() => {});
        throw err;
      }
    });
  }

  override async close(): Promise<void> {
    clearInterval(this.poll);
    await super.close();
  }
}
