/** Access keys in SQL: the account's root keys (no owner) and users' keys, with when and where each was last used. */
import type { Database } from '../schema.js';
import type { AccessKeyRecord, AccessKeyStatus, AccessKeyUse, CreateAccessKeyResult } from '../store.js';
import { affected, type Db } from './common.js';

const toKey = (r: Database['access_keys']): AccessKeyRecord => ({
  accessKeyId: r.access_key_id,
  accountId: r.account_id,
  userId: r.owner_id || undefined,
  secretEncrypted: r.secret_encrypted,
  status: r.status as AccessKeyStatus,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at == null ? undefined : Number(r.last_used_at),
  lastUsedRegion: r.last_used_region ?? undefined,
  lastUsedService: r.last_used_service ?? undefined,
});

/**
 * Adds a key unless its owner has `maxPerOwner` already. Run in a change: changes take the store's write lock
 * before their first read (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), so the count sees every earlier
 * key and no two writers can both add the last one allowed.
 */
export async function insertKey(trx: Db, key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult> {
  const owner = key.userId ?? '';
  if (owner) {
    const user = await trx.selectFrom('users').select('user_id').where('user_id', '=', owner).executeTakeFirst();
    if (!user) return 'no-such-owner';
  }
  const { n } = await trx
    .selectFrom('access_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', key.accountId)
    .where('owner_id', '=', owner)
    .executeTakeFirstOrThrow();
  if (Number(n) >= maxPerOwner) return 'limit-exceeded';
  await trx
    .insertInto('access_keys')
    .values({
      access_key_id: key.accessKeyId,
      account_id: key.accountId,
      owner_id: owner,
      secret_encrypted: key.secretEncrypted,
      status: key.status,
      created_at: key.createdAt,
      last_used_at: null,
      last_used_region: null,
      last_used_service: null,
    })
    .execute();
  return 'created';
}

export async function keyById(db: Db, accessKeyId: string): Promise<AccessKeyRecord | undefined> {
  const r = await db.selectFrom('access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
  return r && toKey(r);
}

/** The keys of a user, or the account's root keys for no user, oldest first. */
export async function listKeys(db: Db, accountId: string, userId: string | undefined): Promise<AccessKeyRecord[]> {
  const rows = await db
    .selectFrom('access_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('owner_id', '=', userId ?? '')
    .orderBy('created_at')
    .execute();
  return rows.map(toKey);
}

export async function setStatus(trx: Db, accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
  const r = await trx
    .updateTable('access_keys')
    .set({ status })
    .where('access_key_id', '=', accessKeyId)
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function deleteKey(trx: Db, accessKeyId: string): Promise<boolean> {
  return (
    affected(await trx.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).executeTakeFirst()) === 1
  );
}

/** Records when and where keys were used; an older use than the one recorded changes nothing. */
export async function recordUses(trx: Db, uses: AccessKeyUse[]): Promise<void> {
  for (const u of uses) {
    await trx
      .updateTable('access_keys')
      .set({ last_used_at: u.at, last_used_region: u.region, last_used_service: u.service })
      .where('access_key_id', '=', u.accessKeyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)]))
      .execute();
  }
}
