/** A store on SQLite: the one SqlStore, composed with the SQLite backend (sqlite-backend.ts). */
import { LocalFeed, type ChangeFeed } from '../change-feed.js';
import { SqlStore, type SqlStoreOptions } from '../sql-store.js';
import { SqliteBackend } from './sqlite-backend.js';

export type SqliteStore = SqlStore<SqliteBackend>;

export const SqliteStore = {
  /**
   * Opens (creating if needed) `<dataDir>/opensts.db`, or an in-memory database for ':memory:'. `feed` tells the
   * other workers of this server of each change (none by default).
   */
  open(dataDir: string | ':memory:', feed: ChangeFeed = new LocalFeed(), options: SqlStoreOptions = {}): SqliteStore {
    return new SqlStore(SqliteBackend.open(dataDir, feed), options);
  },
};
