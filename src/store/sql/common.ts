/** Helpers shared by the SQL modules of the IAM entities: paging by a sort key, JSON tags, row counts. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import type { Page, Tag } from '../store.js';

export type Db = Kysely<Database> | Transaction<Database>;

export const encodeMarker = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
export const decodeMarker = (marker: string) => Buffer.from(marker, 'base64url').toString('utf8');

/** A page of rows fetched with one extra row: its presence says that more follow. */
export function page<R, T>(rows: R[], maxItems: number, sortKey: (r: R) => string, map: (r: R) => T): Page<T> {
  const items = rows.slice(0, maxItems).map(map);
  return rows.length > maxItems ? { items, marker: encodeMarker(sortKey(rows[maxItems - 1]!)) } : { items };
}

export const pathPrefix = (prefix: string) => sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`;

export const parseTags = (json: string): Tag[] => JSON.parse(json);

export const optional = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export async function exists(q: { executeTakeFirst(): Promise<unknown> }): Promise<boolean> {
  return (await q.executeTakeFirst()) !== undefined;
}

export const affected = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint; numInsertedOrUpdatedRows?: bigint }) =>
  Number(r.numUpdatedRows ?? r.numDeletedRows ?? r.numInsertedOrUpdatedRows ?? 0);
