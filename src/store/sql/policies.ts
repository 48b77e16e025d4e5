/** Inline policies, managed policies with their versions, and attachments, in SQL. */
import type {
  AttachedPolicyDocument,
  InlinePolicyRecord,
  ManagedPolicyRecord,
  Page,
  PolicyListOptions,
  PolicyVersionRecord,
} from '../store.js';
import type { Database } from '../schema.js';
import { usedAsBoundary } from './boundaries.js';
import { affected, decodeMarker, exists, optional, page, parseTags, type Db } from './common.js';

type PolicyRow = Database['managed_policies'];

type Counts = { attachment_count?: unknown; user_boundary_count?: unknown; role_boundary_count?: unknown };

const toPolicy = (r: PolicyRow & Counts): ManagedPolicyRecord => ({
  accountId: r.account_id,
  policyId: r.policy_id,
  arn: r.arn,
  policyName: r.policy_name,
  path: r.path,
  description: optional(r.description),
  defaultVersionId: r.default_version,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  tags: parseTags(r.tags),
  ...(r.attachment_count === undefined
    ? {}
    : {
        attachmentCount: Number(r.attachment_count),
        permissionsBoundaryUsageCount: Number(r.user_boundary_count) + Number(r.role_boundary_count),
      }),
});

const toVersion = (r: Database['policy_versions']): PolicyVersionRecord => ({
  policyId: r.policy_id,
  versionId: r.version_id,
  document: r.document,
  createdAt: Number(r.created_at),
});

const versionNumber = (versionId: string) => Number(/^v(\d+)/.exec(versionId)?.[1] ?? 0);

// Inline policies

export async function putInline(trx: Db, p: InlinePolicyRecord): Promise<void> {
  const nameKey = p.policyName.toLowerCase();
  const updated = await trx
    .updateTable('inline_policies')
    .set({ policy_name: p.policyName, document: p.document })
    .where('owner_id', '=', p.ownerId)
    .where('name_key', '=', nameKey)
    .executeTakeFirst();
  if (affected(updated) === 0) {
    await trx
      .insertInto('inline_policies')
      .values({ owner_id: p.ownerId, policy_name: p.policyName, name_key: nameKey, document: p.document })
      .execute();
  }
}

export async function getInline(db: Db, ownerId: string, policyName: string): Promise<InlinePolicyRecord | undefined> {
  const r = await db
    .selectFrom('inline_policies')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', policyName.toLowerCase())
    .executeTakeFirst();
  return r && { ownerId: r.owner_id, policyName: r.policy_name, document: r.document };
}

export async function listInline(db: Db, ownerIds: string[]): Promise<InlinePolicyRecord[]> {
  if (!ownerIds.length) return [];
  const rows = await db
    .selectFrom('inline_policies')
    .selectAll()
    .where('owner_id', 'in', ownerIds)
    .orderBy('owner_id')
    .orderBy('name_key')
    .execute();
  return rows.map((r) => ({ ownerId: r.owner_id, policyName: r.policy_name, document: r.document }));
}

export async function deleteInline(trx: Db, ownerId: string, policyName: string): Promise<boolean> {
  return (
    affected(
      await trx
        .deleteFrom('inline_policies')
        .where('owner_id', '=', ownerId)
        .where('name_key', '=', policyName.toLowerCase())
        .executeTakeFirst(),
    ) === 1
  );
}

// Managed policies

/** Policies with their attachment and permissions boundary use counts. */
function withAttachmentCount(db: Db) {
  return db
    .selectFrom('managed_policies')
    .selectAll('managed_policies')
    .select((eb) => [
      eb
        .selectFrom('policy_attachments')
        .select(eb.fn.countAll().as('n'))
        .whereRef('policy_attachments.policy_arn', '=', 'managed_policies.arn')
        .as('attachment_count'),
      eb
        .selectFrom('users')
        .select(eb.fn.countAll().as('n'))
        .whereRef('users.permissions_boundary', '=', 'managed_policies.arn')
        .as('user_boundary_count'),
      eb
        .selectFrom('roles')
        .select(eb.fn.countAll().as('n'))
        .whereRef('roles.permissions_boundary', '=', 'managed_policies.arn')
        .as('role_boundary_count'),
    ]);
}

export async function insertManaged(trx: Db, p: ManagedPolicyRecord, document: string): Promise<boolean> {
  const r = await trx
    .insertInto('managed_policies')
    .values({
      policy_id: p.policyId,
      account_id: p.accountId,
      arn: p.arn,
      policy_name: p.policyName,
      name_key: p.policyName.toLowerCase(),
      path: p.path,
      description: p.description ?? null,
      default_version: 'v1',
      next_version: 2,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      tags: JSON.stringify(p.tags),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (affected(r) !== 1) return false;
  await trx
    .insertInto('policy_versions')
    .values({ policy_id: p.policyId, version_id: 'v1', document, created_at: p.createdAt })
    .execute();
  return true;
}

export async function managedByArn(db: Db, arn: string): Promise<ManagedPolicyRecord | undefined> {
  const r = await withAttachmentCount(db).where('arn', '=', arn).executeTakeFirst();
  return r && toPolicy(r);
}

export async function listManaged(db: Db, accountId: string, o: PolicyListOptions): Promise<Page<ManagedPolicyRecord>> {
  const accounts = o.scope === 'AWS' ? ['aws'] : o.scope === 'Local' ? [accountId] : [accountId, 'aws'];
  let q = withAttachmentCount(db).where('account_id', 'in', accounts);
  if (o.onlyAttached) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('policy_attachments')
          .select('owner_id')
          .whereRef('policy_attachments.policy_arn', '=', 'managed_policies.arn'),
      ),
    );
  }
  if (o.pathPrefix)
    q = q.where((eb) => eb(eb.fn('substr', ['path', eb.val(1), eb.val(o.pathPrefix!.length)]), '=', o.pathPrefix!));
  if (o.marker) q = q.where('arn', '>', decodeMarker(o.marker));
  const rows = await q
    .orderBy('arn')
    .limit(o.maxItems + 1)
    .execute();
  return page(rows, o.maxItems, (r) => r.arn, toPolicy);
}

export async function deleteManaged(
  trx: Db,
  arn: string,
): Promise<'deleted' | 'attached' | 'has-versions' | 'missing'> {
  const p = await trx.selectFrom('managed_policies').select('policy_id').where('arn', '=', arn).executeTakeFirst();
  if (!p) return 'missing';
  if (await exists(trx.selectFrom('policy_attachments').select('owner_id').where('policy_arn', '=', arn).limit(1)))
    return 'attached';
  if (await usedAsBoundary(trx, arn)) return 'attached';
  const { n } = await trx
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('policy_id', '=', p.policy_id)
    .executeTakeFirstOrThrow();
  if (Number(n) > 1) return 'has-versions';
  await trx.deleteFrom('policy_versions').where('policy_id', '=', p.policy_id).execute();
  await trx.deleteFrom('managed_policies').where('policy_id', '=', p.policy_id).execute();
  return 'deleted';
}

export async function getVersion(
  db: Db,
  policyId: string,
  versionId: string,
): Promise<PolicyVersionRecord | undefined> {
  const r = await db
    .selectFrom('policy_versions')
    .selectAll()
    .where('policy_id', '=', policyId)
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  return r && toVersion(r);
}

export async function listVersions(db: Db, policyId: string): Promise<PolicyVersionRecord[]> {
  const rows = await db.selectFrom('policy_versions').selectAll().where('policy_id', '=', policyId).execute();
  return rows.map(toVersion).sort((a, b) => versionNumber(b.versionId) - versionNumber(a.versionId));
}

export async function insertVersion(
  trx: Db,
  policyId: string,
  document: string,
  setAsDefault: boolean,
  at: number,
  maxVersions: number,
): Promise<PolicyVersionRecord | 'limit-exceeded' | 'missing'> {
  const p = await trx
    .selectFrom('managed_policies')
    .select('next_version')
    .where('policy_id', '=', policyId)
    .executeTakeFirst();
  if (!p) return 'missing';
  const { n } = await trx
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('policy_id', '=', policyId)
    .executeTakeFirstOrThrow();
  if (Number(n) >= maxVersions) return 'limit-exceeded';
  const versionId = `v${Number(p.next_version)}`;
  await trx
    .insertInto('policy_versions')
    .values({ policy_id: policyId, version_id: versionId, document, created_at: at })
    .execute();
  await trx
    .updateTable('managed_policies')
    .set({
      next_version: Number(p.next_version) + 1,
      updated_at: at,
      ...(setAsDefault ? { default_version: versionId } : {}),
    })
    .where('policy_id', '=', policyId)
    .execute();
  return { policyId, versionId, document, createdAt: at };
}

export async function deleteVersion(
  trx: Db,
  policyId: string,
  versionId: string,
): Promise<'deleted' | 'is-default' | 'missing'> {
  const p = await trx
    .selectFrom('managed_policies')
    .select('default_version')
    .where('policy_id', '=', policyId)
    .executeTakeFirst();
  if (!p) return 'missing';
  if (p.default_version === versionId) return 'is-default';
  const r = await trx
    .deleteFrom('policy_versions')
    .where('policy_id', '=', policyId)
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  return affected(r) === 1 ? 'deleted' : 'missing';
}

export async function setDefaultVersion(trx: Db, policyId: string, versionId: string, at: number): Promise<boolean> {
  if (
    !(await exists(
      trx
        .selectFrom('policy_versions')
        .select('version_id')
        .where('policy_id', '=', policyId)
        .where('version_id', '=', versionId),
    ))
  )
    return false;
  await trx
    .updateTable('managed_policies')
    .set({ default_version: versionId, updated_at: at })
    .where('policy_id', '=', policyId)
    .execute();
  return true;
}

// Attachments

export async function attach(
  trx: Db,
  ownerId: string,
  policyArn: string,
  max: number,
): Promise<'attached' | 'limit-exceeded'> {
  const rows = await trx
    .selectFrom('policy_attachments')
    .select('policy_arn')
    .where('owner_id', '=', ownerId)
    .execute();
  if (rows.some((r) => r.policy_arn === policyArn)) return 'attached';
  if (rows.length >= max) return 'limit-exceeded';
  await trx.insertInto('policy_attachments').values({ owner_id: ownerId, policy_arn: policyArn }).execute();
  return 'attached';
}

export async function detach(trx: Db, ownerId: string, policyArn: string): Promise<boolean> {
  return (
    affected(
      await trx
        .deleteFrom('policy_attachments')
        .where('owner_id', '=', ownerId)
        .where('policy_arn', '=', policyArn)
        .executeTakeFirst(),
    ) === 1
  );
}

/**
 * The managed policies attached to an owner. An attachment whose ARN has no row here (an AWS managed policy: the
 * catalogue is served from a package, not the database) comes back as a stub with accountId 'aws' and its ARN.
 */
export async function listAttached(db: Db, ownerId: string): Promise<ManagedPolicyRecord[]> {
  const rows = await db
    .selectFrom('policy_attachments')
    .leftJoin('managed_policies', 'managed_policies.arn', 'policy_attachments.policy_arn')
    .selectAll('managed_policies')
    .select('policy_attachments.policy_arn as attached_arn')
    .where('policy_attachments.owner_id', '=', ownerId)
    .execute();
  // In name order, the ARNs without a row here (AWS managed) among the others: sorted here, because the databases
  // place a NULL name_key differently (SQLite first, PostgreSQL last).
  return rows
    .map((r) => (r.policy_id === null ? stubPolicy(r.attached_arn) : toPolicy(r as PolicyRow)))
    .map((p) => ({ p, key: p.policyName.toLowerCase() }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.p.arn < b.p.arn ? -1 : 1))
    .map(({ p }) => p);
}

const stubPolicy = (arn: string): ManagedPolicyRecord => {
  const slash = arn.lastIndexOf('/');
  return {
    accountId: 'aws',
    policyId: '',
    arn,
    policyName: arn.slice(slash + 1),
    path: arn.slice(arn.indexOf(':policy') + 7, slash + 1),
    defaultVersionId: 'v1',
    createdAt: 0,
    updatedAt: 0,
    tags: [],
  };
};

/** The default documents of the policies attached to these owners; '' for an ARN with no row here (see listAttached). */
export async function attachedDocuments(db: Db, ownerIds: string[]): Promise<AttachedPolicyDocument[]> {
  if (!ownerIds.length) return [];
  const rows = await db
    .selectFrom('policy_attachments')
    .leftJoin('managed_policies', 'managed_policies.arn', 'policy_attachments.policy_arn')
    .leftJoin('policy_versions', (j) =>
      j
        .onRef('policy_versions.policy_id', '=', 'managed_policies.policy_id')
        .onRef('policy_versions.version_id', '=', 'managed_policies.default_version'),
    )
    .select(['policy_attachments.owner_id', 'policy_attachments.policy_arn', 'policy_versions.document'])
    .where('policy_attachments.owner_id', 'in', ownerIds)
    .orderBy('policy_attachments.owner_id')
    .orderBy('policy_attachments.policy_arn')
    .execute();
  return rows.map((r) => ({ ownerId: r.owner_id, arn: r.policy_arn, document: r.document ?? '' }));
}

/** How many owners have each of these policies attached, and how many users and roles have it as their boundary. */
export async function useCounts(
  db: Db,
  arns: string[],
): Promise<Map<string, { attachments: number; boundaries: number }>> {
  const out = new Map<string, { attachments: number; boundaries: number }>();
  if (!arns.length) return out;
  const at = (arn: string) => out.get(arn) ?? out.set(arn, { attachments: 0, boundaries: 0 }).get(arn)!;
  const attached = await db
    .selectFrom('policy_attachments')
    .select(['policy_arn', (eb) => eb.fn.countAll().as('n')])
    .where('policy_arn', 'in', arns)
    .groupBy('policy_arn')
    .execute();
  for (const r of attached) at(r.policy_arn).attachments = Number(r.n);
  for (const table of ['users', 'roles'] as const) {
    const rows = await db
      .selectFrom(table)
      .select(['permissions_boundary', (eb) => eb.fn.countAll().as('n')])
      .where('permissions_boundary', 'in', arns)
      .groupBy('permissions_boundary')
      .execute();
    for (const r of rows) at(r.permissions_boundary!).boundaries += Number(r.n);
  }
  return out;
}

/** The ARNs under a prefix that are attached to some owner. */
export async function attachedArns(db: Db, prefix: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('policy_attachments')
    .select('policy_arn')
    .distinct()
    .where((eb) => eb(eb.fn('substr', ['policy_arn', eb.val(1), eb.val(prefix.length)]), '=', prefix))
    .execute();
  return new Set(rows.map((r) => r.policy_arn));
}
