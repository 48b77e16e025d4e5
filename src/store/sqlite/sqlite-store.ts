/**
 * The embedded store: one SQLite file in WAL mode (better-sqlite3), so `opensts serve` needs no setup. Worker
 * processes each hold a connection; `PRAGMA data_version` tells a connection cheaply that another one committed,
 * and only then is the shared revision counter read.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../schema.js';
import { SqlStore } from '../sql-store.js';

export class SqliteStore extends SqlStore {
  private readonly dataVersion: Database.Statement;
  private counter: Database.Statement | undefined;
  private lastDataVersion = -1;
  private lastCounter = -1;
  private rev = 0;

  private constructor(private readonly sqlite: Database.Database) {
    super(new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) }));
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  }

  /** Opens (creating if needed) `<dataDir>/opensts.db`, or an in-memory database for ':memory:'. */
  static open(dataDir: string | ':memory:'): SqliteStore {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      file = join(dataDir, 'opensts.db');
    }
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    return new SqliteStore(sqlite);
  }

  revision(): number {
    const dv = this.dataVersion.get() as number;
    if (dv !== this.lastDataVersion) {
      this.lastDataVersion = dv;
      this.counter ??= this.sqlite.prepare('SELECT n FROM revision WHERE id = 1').pluck();
      const n = (this.counter.get() as number | undefined) ?? 0;
      if (n !== this.lastCounter) {
        this.lastCounter = n;
        this.rev++;
      }
    }
    return this.rev;
  }

  protected changed(): void {
    this.rev++;
  }
}
