/** Outbound identity federation in SQL: the per-account switch and the JWT signing keys. */
import type { OutboundFederationRecord, OutboundSigningKeyRecord } from '../store.js';
import { affected, type Db } from './common.js';

export async function federationOf(db: Db, accountId: string): Promise<OutboundFederationRecord | undefined> {
  const row = await db
    .selectFrom('outbound_federation')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  const keys = await db
    .selectFrom('outbound_signing_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('kid')
    .execute();
  return {
    accountId,
    enabled: Number(row.enabled) === 1,
    changedAt: Number(row.changed_at),
    keys: keys.map((k) => ({
      accountId: k.account_id,
      kid: k.kid,
      alg: k.alg as OutboundSigningKeyRecord['alg'],
      privateKeyEncrypted: k.private_key_encrypted,
      publicJwk: k.public_jwk,
      createdAt: Number(k.created_at),
    })),
  };
}

export async function enable(
  trx: Db,
  accountId: string,
  keys: OutboundSigningKeyRecord[],
  at: number,
): Promise<boolean> {
  const row = await trx
    .selectFrom('outbound_federation')
    .select('enabled')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (row && Number(row.enabled) === 1) return false;
  if (row) {
    await trx
      .updateTable('outbound_federation')
      .set({ enabled: 1, changed_at: at })
      .where('account_id', '=', accountId)
      .execute();
  } else {
    await trx.insertInto('outbound_federation').values({ account_id: accountId, enabled: 1, changed_at: at }).execute();
  }
  // Left over from an interrupted disable, if any: only the new keys sign.
  await trx.deleteFrom('outbound_signing_keys').where('account_id', '=', accountId).execute();
  for (const k of keys) {
    await trx
      .insertInto('outbound_signing_keys')
      .values({
        kid: k.kid,
        account_id: accountId,
        alg: k.alg,
        private_key_encrypted: k.privateKeyEncrypted,
        public_jwk: k.publicJwk,
        created_at: k.createdAt,
      })
      .execute();
  }
  return true;
}

export async function disable(trx: Db, accountId: string, at: number): Promise<boolean> {
  const updated = affected(
    await trx
      .updateTable('outbound_federation')
      .set({ enabled: 0, changed_at: at })
      .where('account_id', '=', accountId)
      .where('enabled', '=', 1)
      .executeTakeFirst(),
  );
  if (updated !== 1) return false;
  await trx.deleteFrom('outbound_signing_keys').where('account_id', '=', accountId).execute();
  return true;
}
