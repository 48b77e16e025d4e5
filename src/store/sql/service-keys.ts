/** The service's own keys in SQL: the master key check value and the token keys (sealed under the master key). */
import type { TokenKeyRecord } from '../store.js';
import { affected, type Db } from './common.js';

export async function masterKeyCheck(db: Db): Promise<string | undefined> {
  const r = await db.selectFrom('master_key_check').select('sealed').where('id', '=', 1).executeTakeFirst();
  return r?.sealed;
}

/** Stores the check value unless one is there; answers the stored one. Run in a change: the first node's key wins. */
export async function claimMasterKeyCheck(trx: Db, sealed: string, now: number): Promise<string> {
  const stored = await masterKeyCheck(trx);
  if (stored !== undefined) return stored;
  await trx.insertInto('master_key_check').values({ id: 1, sealed, created_at: now }).execute();
  return sealed;
}

export async function tokenKeys(db: Db): Promise<TokenKeyRecord[]> {
  const rows = await db.selectFrom('token_keys').selectAll().orderBy('key_id').execute();
  return rows.map((r) => ({ keyId: Number(r.key_id), keyEncrypted: r.key_encrypted, createdAt: Number(r.created_at) }));
}

export async function insertTokenKey(trx: Db, key: TokenKeyRecord): Promise<void> {
  await trx
    .insertInto('token_keys')
    .values({ key_id: key.keyId, key_encrypted: key.keyEncrypted, created_at: key.createdAt })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function deleteTokenKey(trx: Db, keyId: number): Promise<boolean> {
  return affected(await trx.deleteFrom('token_keys').where('key_id', '=', keyId).executeTakeFirst()) === 1;
}
