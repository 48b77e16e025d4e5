/** Opens the store a server or an admin command was pointed at: PostgreSQL for a `postgres://` URL, else SQLite in the data dir. */
import type { ChangeFeed } from './change-feed.js';
import { isPostgresUrl, PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import type { SqlStoreOptions } from './sql-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreLocation {
  /** Where SQLite keeps its database (and where master.key lives when OPENSTS_MASTER_KEY is unset). */
  dataDir: string;
  /** A `postgres://` URL (with an optional `?schema=`): the shared store of several nodes. */
  url?: string;
}

export async function openStore(
  location: StoreLocation,
  options: SqlStoreOptions & { feed?: ChangeFeed; postgres?: Omit<PostgresStoreOptions, 'url'> } = {},
): Promise<Store> {
  const { feed, postgres, ...store } = options;
  if (location.url !== undefined) {
    if (!isPostgresUrl(location.url))
      throw new Error(`--store must be a postgres:// URL, not ${location.url.split(':')[0]}:...`);
    return PostgresStore.open({ ...postgres, ...store, url: location.url });
  }
  return SqliteStore.open(location.dataDir, feed, store);
}

/** How a store is named in banners and logs, without its password. */
export function describeStore(location: StoreLocation): string {
  if (location.url === undefined) return `sqlite:${location.dataDir}`;
  const u = new URL(location.url);
  if (u.password) u.password = '***';
  return u.toString();
}
