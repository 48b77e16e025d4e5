/** Roles in SQL. */
import type { DeleteRoleResult, ListOptions, Page, RoleRecord, RoleUse } from '../store.js';
import type { Database } from '../schema.js';
import { affected, decodeMarker, exists, optional, page, parseTags, pathPrefix, type Db } from './common.js';

type Row = Database['roles'];

export const toRole = (r: Row): RoleRecord => ({
  accountId: r.account_id,
  roleId: r.role_id,
  roleName: r.role_name,
  path: r.path,
  createdAt: Number(r.created_at),
  trustPolicy: r.trust_policy,
  description: optional(r.description),
  maxSessionDuration: Number(r.max_session_duration),
  tags: parseTags(r.tags),
  lastUsedAt: r.last_used_at == null ? undefined : Number(r.last_used_at),
  lastUsedRegion: optional(r.last_used_region),
  permissionsBoundary: optional(r.permissions_boundary),
});

export async function insertRole(trx: Db, role: RoleRecord): Promise<boolean> {
  const r = await trx
    .insertInto('roles')
    .values({
      role_id: role.roleId,
      account_id: role.accountId,
      role_name: role.roleName,
      name_key: role.roleName.toLowerCase(),
      path: role.path,
      created_at: role.createdAt,
      trust_policy: role.trustPolicy,
      description: role.description ?? null,
      max_session_duration: role.maxSessionDuration,
      tags: JSON.stringify(role.tags),
      last_used_at: null,
      last_used_region: null,
      permissions_boundary: role.permissionsBoundary ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function roleByName(db: Db, accountId: string, roleName: string): Promise<RoleRecord | undefined> {
  const r = await db
    .selectFrom('roles')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name_key', '=', roleName.toLowerCase())
    .executeTakeFirst();
  return r && toRole(r);
}

export async function roleById(db: Db, roleId: string): Promise<RoleRecord | undefined> {
  const r = await db.selectFrom('roles').selectAll().where('role_id', '=', roleId).executeTakeFirst();
  return r && toRole(r);
}

export async function listRoles(db: Db, accountId: string, options: ListOptions): Promise<Page<RoleRecord>> {
  let q = db.selectFrom('roles').selectAll().where('account_id', '=', accountId);
  if (options.pathPrefix) q = q.where(pathPrefix(options.pathPrefix));
  if (options.marker) q = q.where('name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('name_key')
    .limit(options.maxItems + 1)
    .execute();
  return page(rows, options.maxItems, (r) => r.name_key, toRole);
}

export async function updateRole(
  trx: Db,
  roleId: string,
  changes: { description?: string; maxSessionDuration?: number; trustPolicy?: string },
): Promise<boolean> {
  const set: Partial<Row> = {};
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.maxSessionDuration !== undefined) set.max_session_duration = changes.maxSessionDuration;
  if (changes.trustPolicy !== undefined) set.trust_policy = changes.trustPolicy;
  if (!Object.keys(set).length) return exists(trx.selectFrom('roles').select('role_id').where('role_id', '=', roleId));
  return affected(await trx.updateTable('roles').set(set).where('role_id', '=', roleId).executeTakeFirst()) === 1;
}

export async function deleteRole(trx: Db, roleId: string): Promise<DeleteRoleResult> {
  // Instance profiles first, as moto checks; AWS's order when several refusals apply is UNCONFIRMED.
  if (
    await exists(
      trx.selectFrom('instance_profiles').select('instance_profile_id').where('role_id', '=', roleId).limit(1),
    )
  )
    return 'in-instance-profile';
  if (await exists(trx.selectFrom('inline_policies').select('owner_id').where('owner_id', '=', roleId).limit(1)))
    return 'has-policies';
  if (await exists(trx.selectFrom('policy_attachments').select('owner_id').where('owner_id', '=', roleId).limit(1)))
    return 'has-attached-policies';
  return affected(await trx.deleteFrom('roles').where('role_id', '=', roleId).executeTakeFirst()) === 1
    ? 'deleted'
    : 'missing';
}

export async function recordUses(trx: Db, uses: RoleUse[]): Promise<void> {
  for (const u of uses) {
    await trx
      .updateTable('roles')
      .set({ last_used_at: u.at, last_used_region: u.region })
      .where('role_id', '=', u.roleId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)]))
      .execute();
  }
}
