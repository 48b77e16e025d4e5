import type { MigrationPlan } from '../migrator.js';
import { methodNames } from './common.js';

/** What every store does whatever it keeps: its schema, its connection, and the revision read caches compare. */
export interface StoreLifecycle {
  /**
   * Brings the schema up to date. Safe to run on every start and from several processes. Refuses (DatabaseNewerError)
   * a database that has migrations this binary does not know.
   */
  migrate(): Promise<{ applied: { name: string; ms: number }[] }>;
  /** What migrate() would do, read without writing anything. */
  migrationPlan(): Promise<MigrationPlan>;
  close(): Promise<void>;
  /**
   * A number that changes whenever this or any other connection or node wrote. Read caches compare it on every
   * request, so it is synchronous and cheap.
   */
  revision(): number;
  /**
   * False while the store cannot be reached (a PostgreSQL node that lost its connection; it reconnects by itself).
   * Absent or true: reachable. /readyz reports it.
   */
  available?(): boolean;
  /** A cheap query: resolves when the store answers (readiness probes). */
  ping(): Promise<void>;
}

export const STORE_LIFECYCLE_METHODS = methodNames<StoreLifecycle>()([
  'migrate',
  'migrationPlan',
  'close',
  'revision',
  'available',
  'ping',
]);
