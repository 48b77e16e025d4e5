/** IAM OpenID Connect providers in SQL. */
import type { OidcProviderRecord } from '../store.js';
import type { Database } from '../schema.js';
import { affected, parseTags, type Db } from './common.js';

type Row = Database['oidc_providers'];

const toProvider = (r: Row): OidcProviderRecord => ({
  accountId: r.account_id,
  arn: r.arn,
  url: r.url,
  clientIds: JSON.parse(r.client_ids),
  thumbprints: JSON.parse(r.thumbprints),
  createdAt: Number(r.created_at),
  tags: parseTags(r.tags),
});

export async function insertProvider(
  trx: Db,
  p: OidcProviderRecord,
  maxPerAccount: number,
): Promise<'created' | 'exists' | 'limit-exceeded'> {
  if (await providerByArn(trx, p.arn)) return 'exists';
  const { n } = await trx
    .selectFrom('oidc_providers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', p.accountId)
    .executeTakeFirstOrThrow();
  if (Number(n) >= maxPerAccount) return 'limit-exceeded';
  const r = await trx
    .insertInto('oidc_providers')
    .values({
      arn: p.arn,
      account_id: p.accountId,
      url: p.url,
      client_ids: JSON.stringify(p.clientIds),
      thumbprints: JSON.stringify(p.thumbprints),
      created_at: p.createdAt,
      tags: JSON.stringify(p.tags),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1 ? 'created' : 'exists';
}

export async function providerByArn(db: Db, arn: string): Promise<OidcProviderRecord | undefined> {
  const r = await db.selectFrom('oidc_providers').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toProvider(r);
}

export async function listProviders(db: Db, accountId: string): Promise<OidcProviderRecord[]> {
  return (
    await db.selectFrom('oidc_providers').selectAll().where('account_id', '=', accountId).orderBy('arn').execute()
  ).map(toProvider);
}

export async function deleteProvider(trx: Db, arn: string): Promise<boolean> {
  return affected(await trx.deleteFrom('oidc_providers').where('arn', '=', arn).executeTakeFirst()) === 1;
}

export async function updateClientIds(
  trx: Db,
  arn: string,
  add: string[],
  remove: string[],
  max: number,
): Promise<'updated' | 'limit-exceeded' | 'missing'> {
  const row = await trx.selectFrom('oidc_providers').select('client_ids').where('arn', '=', arn).executeTakeFirst();
  if (!row) return 'missing';
  const gone = new Set(remove);
  const ids = (JSON.parse(row.client_ids) as string[]).filter((id) => !gone.has(id));
  for (const id of add) if (!ids.includes(id)) ids.push(id);
  if (ids.length > max) return 'limit-exceeded';
  await trx
    .updateTable('oidc_providers')
    .set({ client_ids: JSON.stringify(ids) })
    .where('arn', '=', arn)
    .execute();
  return 'updated';
}

export async function setThumbprints(trx: Db, arn: string, thumbprints: string[]): Promise<boolean> {
  return (
    affected(
      await trx
        .updateTable('oidc_providers')
        .set({ thumbprints: JSON.stringify(thumbprints) })
        .where('arn', '=', arn)
        .executeTakeFirst(),
    ) === 1
  );
}
