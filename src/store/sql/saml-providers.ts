/** IAM SAML providers in SQL. */
import type { SamlProviderRecord } from '../store.js';
import type { Database } from '../schema.js';
import { affected, optional, parseTags, type Db } from './common.js';

type Row = Database['saml_providers'];

const toProvider = (r: Row): SamlProviderRecord => ({
  accountId: r.account_id,
  arn: r.arn,
  name: r.name,
  metadata: r.metadata,
  validUntil: optional(r.valid_until) === undefined ? undefined : Number(r.valid_until),
  createdAt: Number(r.created_at),
  tags: parseTags(r.tags),
});

export async function insertProvider(
  trx: Db,
  p: SamlProviderRecord,
  maxPerAccount: number,
): Promise<'created' | 'exists' | 'limit-exceeded'> {
  if (await providerByArn(trx, p.arn)) return 'exists';
  const { n } = await trx
    .selectFrom('saml_providers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', p.accountId)
    .executeTakeFirstOrThrow();
  if (Number(n) >= maxPerAccount) return 'limit-exceeded';
  const r = await trx
    .insertInto('saml_providers')
    .values({
      arn: p.arn,
      account_id: p.accountId,
      name: p.name,
      metadata: p.metadata,
      valid_until: p.validUntil ?? null,
      created_at: p.createdAt,
      tags: JSON.stringify(p.tags),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1 ? 'created' : 'exists';
}

export async function providerByArn(db: Db, arn: string): Promise<SamlProviderRecord | undefined> {
  const r = await db.selectFrom('saml_providers').selectAll().where('arn', '=', arn).executeTakeFirst();
  return r && toProvider(r);
}

export async function listProviders(db: Db, accountId: string): Promise<SamlProviderRecord[]> {
  return (
    await db.selectFrom('saml_providers').selectAll().where('account_id', '=', accountId).orderBy('arn').execute()
  ).map(toProvider);
}

export async function updateMetadata(
  trx: Db,
  arn: string,
  metadata: string,
  validUntil: number | undefined,
): Promise<boolean> {
  return (
    affected(
      await trx
        .updateTable('saml_providers')
        .set({ metadata, valid_until: validUntil ?? null })
        .where('arn', '=', arn)
        .executeTakeFirst(),
    ) === 1
  );
}

export async function deleteProvider(trx: Db, arn: string): Promise<boolean> {
  return affected(await trx.deleteFrom('saml_providers').where('arn', '=', arn).executeTakeFirst()) === 1;
}
