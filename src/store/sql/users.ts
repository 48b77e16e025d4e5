/** IAM users in SQL, and what keeps one from being deleted. */
import type { Database } from '../schema.js';
import type { DeleteUserResult, ListOptions, Page, UserRecord } from '../store.js';
import { affected, decodeMarker, exists, page, pathPrefix, type Db } from './common.js';

export const toUser = (r: Database['users']): UserRecord => ({
  accountId: r.account_id,
  userId: r.user_id,
  userName: r.user_name,
  path: r.path,
  createdAt: Number(r.created_at),
  tags: JSON.parse(r.tags),
  permissionsBoundary: r.permissions_boundary ?? undefined,
});

/** False when a user with that name (compared case-insensitively) exists. */
export async function insertUser(trx: Db, user: UserRecord): Promise<boolean> {
  const result = await trx
    .insertInto('users')
    .values({
      user_id: user.userId,
      account_id: user.accountId,
      user_name: user.userName,
      name_key: user.userName.toLowerCase(),
      path: user.path,
      created_at: user.createdAt,
      tags: JSON.stringify(user.tags),
      permissions_boundary: user.permissionsBoundary ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(result) === 1;
}

export async function userByName(db: Db, accountId: string, userName: string): Promise<UserRecord | undefined> {
  const r = await db
    .selectFrom('users')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name_key', '=', userName.toLowerCase())
    .executeTakeFirst();
  return r && toUser(r);
}

export async function userById(db: Db, userId: string): Promise<UserRecord | undefined> {
  const r = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return r && toUser(r);
}

export async function listUsers(db: Db, accountId: string, options: ListOptions): Promise<Page<UserRecord>> {
  let q = db.selectFrom('users').selectAll().where('account_id', '=', accountId);
  if (options.pathPrefix) q = q.where(pathPrefix(options.pathPrefix));
  if (options.marker) q = q.where('name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('name_key')
    .limit(options.maxItems + 1)
    .execute();
  return page(rows, options.maxItems, (r) => r.name_key, toUser);
}

/** Deletes a user that nothing refers to any more; otherwise says what is in the way. */
export async function deleteUser(trx: Db, accountId: string, userId: string): Promise<DeleteUserResult> {
  const key = trx
    .selectFrom('access_keys')
    .select('access_key_id')
    .where('account_id', '=', accountId)
    .where('owner_id', '=', userId)
    .limit(1);
  if (await exists(key)) return 'has-keys';
  const blocker = await userDependents(trx, userId);
  if (blocker) return blocker;
  const r = await trx.deleteFrom('users').where('user_id', '=', userId).executeTakeFirst();
  return affected(r) === 1 ? 'deleted' : 'missing';
}

/** What keeps a user from being deleted, besides access keys. */
async function userDependents(
  trx: Db,
  userId: string,
): Promise<Exclude<DeleteUserResult, 'deleted' | 'has-keys' | 'missing'> | undefined> {
  if (await exists(trx.selectFrom('inline_policies').select('owner_id').where('owner_id', '=', userId).limit(1)))
    return 'has-policies';
  if (await exists(trx.selectFrom('policy_attachments').select('owner_id').where('owner_id', '=', userId).limit(1)))
    return 'has-attached-policies';
  if (await exists(trx.selectFrom('group_members').select('group_id').where('user_id', '=', userId).limit(1)))
    return 'in-groups';
  if (await exists(trx.selectFrom('mfa_devices').select('serial_number').where('user_id', '=', userId).limit(1)))
    return 'has-mfa';
  return undefined;
}
