/** UpdateUser and UpdateGroup in SQL: a new name (unique in the account regardless of case) and/or path. */
import type { RenamableEntity } from '../store.js';
import { affected, exists, type Db } from './common.js';

const TABLES = { user: ['users', 'user_id', 'user_name'], group: ['groups', 'group_id', 'group_name'] } as const;

export async function rename(
  trx: Db,
  entity: RenamableEntity,
  id: string,
  changes: { name?: string; path?: string },
): Promise<'updated' | 'exists' | 'missing'> {
  const [table, key, nameColumn] = TABLES[entity];
  // The two tables differ only in their names here; kysely cannot type a union of them.
  const t = table as 'users';
  const row = await trx
    .selectFrom(t)
    .select(['account_id'])
    .where(key as 'user_id', '=', id)
    .executeTakeFirst();
  if (!row) return 'missing';
  const set: Record<string, string> = {};
  if (changes.name !== undefined) {
    const nameKey = changes.name.toLowerCase();
    // Writers are serialised (see SqlStore.change), so the check holds until the update; the unique index backs it.
    if (
      await exists(
        trx
          .selectFrom(t)
          .select('name_key')
          .where('account_id', '=', row.account_id)
          .where('name_key', '=', nameKey)
          .where(key as 'user_id', '!=', id),
      )
    ) {
      return 'exists';
    }
    Object.assign(set, { [nameColumn]: changes.name, name_key: nameKey });
  }
  if (changes.path !== undefined) set.path = changes.path;
  if (!Object.keys(set).length) return 'updated';
  return affected(
    await trx
      .updateTable(t)
      .set(set)
      .where(key as 'user_id', '=', id)
      .executeTakeFirst(),
  ) === 1
    ? 'updated'
    : 'missing';
}
