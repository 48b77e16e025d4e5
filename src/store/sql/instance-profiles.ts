/** Instance profiles in SQL: one row each, with the id of the role it holds (AWS allows one) or null. */
import type { InstanceProfileRecord, ListOptions, Page, RoleRecord } from '../store.js';
import type { Database } from '../schema.js';
import { affected, decodeMarker, exists, page, parseTags, pathPrefix, type Db } from './common.js';
import { toRole } from './roles.js';

type Row = Database['instance_profiles'];

const toProfile = (r: Row, roles: Map<string, RoleRecord>): InstanceProfileRecord => ({
  accountId: r.account_id,
  instanceProfileId: r.instance_profile_id,
  name: r.name,
  path: r.path,
  createdAt: Number(r.created_at),
  tags: parseTags(r.tags),
  role: r.role_id === null ? undefined : roles.get(r.role_id),
});

/** The roles that a page of profiles holds, read in one query. */
async function withRoles(db: Db, rows: Row[]): Promise<Map<string, RoleRecord>> {
  const ids = [...new Set(rows.map((r) => r.role_id).filter((id): id is string => id !== null))];
  if (!ids.length) return new Map();
  const roles = await db.selectFrom('roles').selectAll().where('role_id', 'in', ids).execute();
  return new Map(roles.map((r) => [r.role_id, toRole(r)]));
}

async function pageOfProfiles(
  db: Db,
  q: ReturnType<typeof profiles>,
  options: ListOptions,
): Promise<Page<InstanceProfileRecord>> {
  if (options.pathPrefix) q = q.where(pathPrefix(options.pathPrefix));
  if (options.marker) q = q.where('name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('name_key')
    .limit(options.maxItems + 1)
    .execute();
  const roles = await withRoles(db, rows.slice(0, options.maxItems));
  return page(
    rows,
    options.maxItems,
    (r) => r.name_key,
    (r) => toProfile(r, roles),
  );
}

const profiles = (db: Db) => db.selectFrom('instance_profiles').selectAll();

export async function insertProfile(trx: Db, p: InstanceProfileRecord): Promise<boolean> {
  const r = await trx
    .insertInto('instance_profiles')
    .values({
      instance_profile_id: p.instanceProfileId,
      account_id: p.accountId,
      name: p.name,
      name_key: p.name.toLowerCase(),
      path: p.path,
      created_at: p.createdAt,
      tags: JSON.stringify(p.tags),
      role_id: null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function profileByName(
  db: Db,
  accountId: string,
  name: string,
): Promise<InstanceProfileRecord | undefined> {
  const r = await profiles(db)
    .where('account_id', '=', accountId)
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
  return r && toProfile(r, await withRoles(db, [r]));
}

export function listProfiles(db: Db, accountId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>> {
  return pageOfProfiles(db, profiles(db).where('account_id', '=', accountId), options);
}

export function profilesOfRole(db: Db, roleId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>> {
  return pageOfProfiles(db, profiles(db).where('role_id', '=', roleId), options);
}

export async function deleteProfile(trx: Db, id: string): Promise<'deleted' | 'has-role' | 'missing'> {
  const r = await trx
    .selectFrom('instance_profiles')
    .select('role_id')
    .where('instance_profile_id', '=', id)
    .executeTakeFirst();
  if (!r) return 'missing';
  if (r.role_id !== null) return 'has-role';
  await trx.deleteFrom('instance_profiles').where('instance_profile_id', '=', id).execute();
  return 'deleted';
}

export async function addRole(
  trx: Db,
  id: string,
  roleId: string,
): Promise<'added' | 'limit-exceeded' | 'no-such-role' | 'missing'> {
  const r = await trx
    .selectFrom('instance_profiles')
    .select('role_id')
    .where('instance_profile_id', '=', id)
    .executeTakeFirst();
  if (!r) return 'missing';
  if (r.role_id !== null) return 'limit-exceeded';
  // Checked in the write's transaction, so that a DeleteRole racing this cannot leave the profile holding a ghost.
  if (!(await exists(trx.selectFrom('roles').select('role_id').where('role_id', '=', roleId)))) return 'no-such-role';
  await trx.updateTable('instance_profiles').set({ role_id: roleId }).where('instance_profile_id', '=', id).execute();
  return 'added';
}

export async function removeRole(trx: Db, id: string, roleId: string): Promise<boolean> {
  return (
    affected(
      await trx
        .updateTable('instance_profiles')
        .set({ role_id: null })
        .where('instance_profile_id', '=', id)
        .where('role_id', '=', roleId)
        .executeTakeFirst(),
    ) === 1
  );
}
