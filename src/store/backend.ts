/**
 * What differs between the databases a store runs on, in the shape of kysely's Dialect one level up. The SQL is
 * written once over kysely (sql-store.ts composes the entity modules of sql/); a backend brings the rest: the
 * connection (its kysely dialect), the write lock, how peers hear of a change, the migration lock, its health. Each
 * backend is a folder with files of the same names (sqlite/, postgres/: `*-backend.ts`, `*-feed.ts`, `*-store.ts`),
 * so a third database is one more folder and a branch in open.ts.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** One change on its way: how the backend tells the processes and nodes that share the store. */
export interface ChangeNotice {
  /** Runs last inside the change's transaction (PostgreSQL NOTIFYs there: the notice leaves exactly at commit). */
  send(trx: Transaction<Database>): Promise<void>;
  /** After the commit: resolves once every peer has seen the change (a write answers only then). */
  delivered(): Promise<void>;
  /** The transaction rolled back: nothing to wait for. */
  abandon(): void;
}

/** How the processes and nodes that share a store learn of each other's changes. */
export interface StoreFeed {
  /** Starts announcing a change (see SqlStore.change for the order of the calls). */
  begin(): ChangeNotice;
  /**
   * `listener` runs whenever the store may have been changed by someone else: a peer's change, or a reconnection
   * after which notices may have been missed. Read caches are stale from then on.
   */
  onChange(listener: () => void): void;
  /** Looks for changes by others now rather than at the next poll (SQLite's data_version; tests call it). */
  poll?(): void;
}

export interface StoreBackend {
  /** The database; reads run on it directly. */
  readonly db: Kysely<Database>;
  readonly feed: StoreFeed;
  /**
   * A transaction that holds the store's write lock from before its first read, so that changes run one after
   * another (across processes and nodes) and every check such as "at most two keys" sees every earlier change.
   */
  writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Runs `fn` while no other process or node migrates this store. */
  withMigrationLock<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Creates what holds the tables when it is missing (PostgreSQL's schema; SQLite's file exists already). */
  createSchema(db: Kysely<Database>): Promise<void>;
  /** False while the database cannot be reached (it reconnects by itself). */
  available(): boolean;
  close(): Promise<void>;
}
