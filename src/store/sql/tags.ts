/** Tags kept as JSON on their entity, changed in one transaction so concurrent Tag/Untag calls cannot lose each other's work. */
import type { Tag, TaggedEntity } from '../store.js';
import type { Db } from './common.js';

const TABLES = {
  user: { table: 'users', id: 'user_id' },
  role: { table: 'roles', id: 'role_id' },
  policy: { table: 'managed_policies', id: 'policy_id' },
  mfa: { table: 'mfa_devices', id: 'serial_number' },
  'oidc-provider': { table: 'oidc_providers', id: 'arn' },
  'saml-provider': { table: 'saml_providers', id: 'arn' },
  'instance-profile': { table: 'instance_profiles', id: 'instance_profile_id' },
} as const;

/** New tags replace old ones with the same key in any case (the new spelling wins). */
export function mergeTags(current: Tag[], add: Tag[], removeKeys: string[]): Tag[] {
  const gone = new Set([...removeKeys, ...add.map((t) => t.Key)].map((k) => k.toLowerCase()));
  return [...current.filter((t) => !gone.has(t.Key.toLowerCase())), ...add];
}

export async function updateTags(
  trx: Db,
  entity: TaggedEntity,
  id: string,
  add: Tag[],
  removeKeys: string[],
  max: number,
): Promise<'updated' | 'limit-exceeded' | 'missing'> {
  const { table, id: idColumn } = TABLES[entity];
  // The tables share the `tags` column; Kysely cannot type a table chosen at run time.
  const t = trx as unknown as Db & { selectFrom(t: string): any; updateTable(t: string): any };
  const row = (await t.selectFrom(table).select('tags').where(idColumn, '=', id).executeTakeFirst()) as
    | { tags: string }
    | undefined;
  if (!row) return 'missing';
  const tags = mergeTags(JSON.parse(row.tags), add, removeKeys);
  if (tags.length > max) return 'limit-exceeded';
  await t
    .updateTable(table)
    .set({ tags: JSON.stringify(tags) })
    .where(idColumn, '=', id)
    .execute();
  return 'updated';
}
