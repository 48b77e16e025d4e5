/**
 * The account (one per store) in SQL: its record, account-wide settings (STS regions, the global endpoint's token
 * version) and the counts of GetAccountSummary.
 */
import type { AccountRecord, AccountSummaryCounts, RegionSetting } from '../store.js';
import { affected, type Db } from './common.js';

/** The store's account: the first one created. */
export async function firstAccount(db: Db): Promise<AccountRecord | undefined> {
  const r = await db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
  return (
    r && {
      accountId: r.account_id,
      createdAt: Number(r.created_at),
      globalEndpointTokenVersion: Number(r.global_endpoint_token_version),
    }
  );
}

/** Creates the account unless the store has one. Run in a change: nodes starting at once on a new store agree on one. */
export async function insertAccountOnce(trx: Db, account: AccountRecord): Promise<void> {
  if (await trx.selectFrom('accounts').select('account_id').limit(1).executeTakeFirst()) return;
  await trx
    .insertInto('accounts')
    .values({
      account_id: account.accountId,
      created_at: account.createdAt,
      global_endpoint_token_version: account.globalEndpointTokenVersion,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function regionSettings(db: Db, accountId: string): Promise<RegionSetting[]> {
  const rows = await db
    .selectFrom('account_regions')
    .select(['region', 'active'])
    .where('account_id', '=', accountId)
    .orderBy('region')
    .execute();
  return rows.map((r) => ({ region: r.region, active: Number(r.active) === 1 }));
}

export async function setRegionActive(trx: Db, accountId: string, region: string, active: boolean): Promise<void> {
  await trx
    .insertInto('account_regions')
    .values({ account_id: accountId, region, active: active ? 1 : 0 })
    .onConflict((oc) => oc.columns(['account_id', 'region']).doUpdateSet({ active: active ? 1 : 0 }))
    .execute();
}

export async function accountAliases(db: Db, accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('account_aliases').select('alias').where('account_id', '=', accountId).execute();
  return rows.map((r) => r.alias);
}

/** Replaces the account's alias (an account has one at most); false when another account has it. */
export async function setAccountAlias(trx: Db, accountId: string, alias: string): Promise<boolean> {
  const owner = await trx
    .selectFrom('account_aliases')
    .select('account_id')
    .where('alias', '=', alias)
    .executeTakeFirst();
  if (owner) return owner.account_id === accountId;
  await trx.deleteFrom('account_aliases').where('account_id', '=', accountId).execute();
  await trx.insertInto('account_aliases').values({ alias, account_id: accountId }).execute();
  return true;
}

/** False when the account has no such alias. */
export async function deleteAccountAlias(trx: Db, accountId: string, alias: string): Promise<boolean> {
  return (
    affected(
      await trx
        .deleteFrom('account_aliases')
        .where('alias', '=', alias)
        .where('account_id', '=', accountId)
        .executeTakeFirst(),
    ) === 1
  );
}

export async function setGlobalEndpointTokenVersion(trx: Db, accountId: string, version: number): Promise<boolean> {
  return (
    affected(
      await trx
        .updateTable('accounts')
        .set({ global_endpoint_token_version: version })
        .where('account_id', '=', accountId)
        .executeTakeFirst(),
    ) === 1
  );
}

export async function summary(db: Db, accountId: string): Promise<AccountSummaryCounts> {
  const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) =>
    Number((await q.executeTakeFirstOrThrow()).n);
  /** The rows of a table that belong to the account. */
  const owned = (
    table: 'users' | 'groups' | 'roles' | 'managed_policies' | 'mfa_devices' | 'access_keys' | 'instance_profiles',
  ) =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account_id', '=', accountId);
  const [
    users,
    groups,
    roles,
    policies,
    policyVersions,
    mfaDevices,
    mfaDevicesInUse,
    rootAccessKeys,
    instanceProfiles,
  ] = await Promise.all([
    count(owned('users')),
    count(owned('groups')),
    count(owned('roles')),
    count(owned('managed_policies')),
    count(
      db
        .selectFrom('policy_versions')
        .innerJoin('managed_policies', 'managed_policies.policy_id', 'policy_versions.policy_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('managed_policies.account_id', '=', accountId),
    ),
    count(owned('mfa_devices')),
    count(owned('mfa_devices').where('user_id', '!=', '')),
    count(owned('access_keys').where('owner_id', '=', '')),
    count(owned('instance_profiles')),
  ]);
  return {
    users,
    groups,
    roles,
    policies,
    policyVersions,
    mfaDevices,
    mfaDevicesInUse,
    rootAccessKeys,
    instanceProfiles,
  };
}
