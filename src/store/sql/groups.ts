/** Groups and their members in SQL. */
import type { GroupRecord, ListOptions, Page, UserRecord } from '../store.js';
import type { Database } from '../schema.js';
import { affected, decodeMarker, exists, page, pathPrefix, type Db } from './common.js';
import { toUser } from './users.js';

type Row = Database['groups'];

const toGroup = (r: Row): GroupRecord => ({
  accountId: r.account_id,
  groupId: r.group_id,
  groupName: r.group_name,
  path: r.path,
  createdAt: Number(r.created_at),
});

export async function insertGroup(trx: Db, g: GroupRecord): Promise<boolean> {
  const r = await trx
    .insertInto('groups')
    .values({
      group_id: g.groupId,
      account_id: g.accountId,
      group_name: g.groupName,
      name_key: g.groupName.toLowerCase(),
      path: g.path,
      created_at: g.createdAt,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function groupByName(db: Db, accountId: string, groupName: string): Promise<GroupRecord | undefined> {
  const r = await db
    .selectFrom('groups')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name_key', '=', groupName.toLowerCase())
    .executeTakeFirst();
  return r && toGroup(r);
}

export async function listGroups(db: Db, accountId: string, options: ListOptions): Promise<Page<GroupRecord>> {
  let q = db.selectFrom('groups').selectAll().where('account_id', '=', accountId);
  if (options.pathPrefix) q = q.where(pathPrefix(options.pathPrefix));
  if (options.marker) q = q.where('name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('name_key')
    .limit(options.maxItems + 1)
    .execute();
  return page(rows, options.maxItems, (r) => r.name_key, toGroup);
}

export async function deleteGroup(
  trx: Db,
  groupId: string,
): Promise<'deleted' | 'has-members' | 'has-policies' | 'has-attached-policies' | 'missing'> {
  if (await exists(trx.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).limit(1)))
    return 'has-members';
  if (await exists(trx.selectFrom('inline_policies').select('owner_id').where('owner_id', '=', groupId).limit(1)))
    return 'has-policies';
  if (await exists(trx.selectFrom('policy_attachments').select('owner_id').where('owner_id', '=', groupId).limit(1)))
    return 'has-attached-policies';
  return affected(await trx.deleteFrom('groups').where('group_id', '=', groupId).executeTakeFirst()) === 1
    ? 'deleted'
    : 'missing';
}

export async function addMember(trx: Db, groupId: string, userId: string): Promise<void> {
  await trx
    .insertInto('group_members')
    .values({ group_id: groupId, user_id: userId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function removeMember(trx: Db, groupId: string, userId: string): Promise<boolean> {
  return (
    affected(
      await trx
        .deleteFrom('group_members')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .executeTakeFirst(),
    ) === 1
  );
}

export async function listMembers(db: Db, groupId: string, options: ListOptions): Promise<Page<UserRecord>> {
  let q = db
    .selectFrom('group_members')
    .innerJoin('users', 'users.user_id', 'group_members.user_id')
    .selectAll('users')
    .where('group_members.group_id', '=', groupId);
  if (options.marker) q = q.where('users.name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('users.name_key')
    .limit(options.maxItems + 1)
    .execute();
  return page(
    rows,
    options.maxItems,
    (r) => r.name_key,
    toUser, // whole user records, as listUsers gives them (the permissions boundary too)
  );
}

export async function groupsOfUser(db: Db, userId: string, options: ListOptions): Promise<Page<GroupRecord>> {
  let q = db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.group_id', 'group_members.group_id')
    .selectAll('groups')
    .where('group_members.user_id', '=', userId);
  if (options.marker) q = q.where('groups.name_key', '>', decodeMarker(options.marker));
  const rows = await q
    .orderBy('groups.name_key')
    .limit(options.maxItems + 1)
    .execute();
  return page(rows, options.maxItems, (r) => r.name_key, toGroup);
}
