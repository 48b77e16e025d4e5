/** A store on PostgreSQL: the one SqlStore, composed with the PostgreSQL backend (postgres-backend.ts). */
import { SqlStore, type SqlStoreOptions } from '../sql-store.js';
import { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';

export { isPostgresUrl, parsePostgresUrl } from './postgres-backend.js';

export type PostgresStoreOptions = PostgresBackendOptions & SqlStoreOptions;

export type PostgresStore = SqlStore<PostgresBackend>;

export const PostgresStore = {
  /**
   * Opens a pool and the listening connection. Rejects when the database cannot be reached at all; once open, a
   * lost connection is retried by itself.
   */
  async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    return new SqlStore(await PostgresBackend.open(options), options);
  },
};
