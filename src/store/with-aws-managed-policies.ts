/**
 * The managed policy reads of a store whose AWS managed policies come from the package catalogue
 * (aws-managed-catalogue.ts) rather than the database: reads of `arn:aws:iam::aws:policy/...` ARNs and of their
 * versions, ListPolicies' AWS scope, and the attached documents the permission caches load. Attachments stay in the
 * database, by ARN. The rows migration 0002 seeded under account 'aws' are shadowed (the catalogue has those
 * policies too, with their real documents).
 *
 * Composed into SqlStore (its policy reads go through here when the store is opened with the catalogue), not
 * wrapped around the whole Store: every other call, those of the request path included, reaches the store directly.
 */
import {
  awsManagedCatalogue,
  AWS_POLICY_ARN_PREFIX,
  isAwsManagedPolicyArn,
  type AwsManagedCatalogue,
  type CataloguePolicy,
} from './aws-managed-catalogue.js';
import { decodeMarker, encodeMarker } from './sql/common.js';
import type {
  AttachedPolicyDocument,
  ManagedPolicyRecord,
  Page,
  PolicyListOptions,
  PolicyVersionRecord,
  Store,
} from './store.js';

/** The reads of managed policies that the catalogue answers for AWS's policies. */
export type ManagedPolicyReads = Pick<
  Store,
  | 'getManagedPolicy'
  | 'listManagedPolicies'
  | 'getPolicyVersion'
  | 'listPolicyVersions'
  | 'listAttachedPolicies'
  | 'attachedPolicyDocuments'
>;

/** What the catalogue needs of the database: its policies, and the attachments of AWS's policies. */
export type DatabasePolicyReads = ManagedPolicyReads & Pick<Store, 'policyUseCounts' | 'attachedPolicyArns'>;

const record = (p: CataloguePolicy, use = { attachments: 0, boundaries: 0 }): ManagedPolicyRecord => ({
  accountId: 'aws',
  policyId: p.policyId,
  arn: p.arn,
  policyName: p.policyName,
  path: p.path,
  description: p.description,
  defaultVersionId: p.defaultVersionId,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  tags: [],
  attachmentCount: use.attachments,
  permissionsBoundaryUsageCount: use.boundaries,
});

/** ListPolicies with Scope All lists the account's policies, then AWS's; the marker says which part it is in. */
const LOCAL = 'L';
const AWS = 'A';

export class AwsManagedPolicies implements ManagedPolicyReads {
  constructor(
    private readonly local: DatabasePolicyReads,
    private readonly catalogue: AwsManagedCatalogue = awsManagedCatalogue,
  ) {}

  async getManagedPolicy(arn: string): Promise<ManagedPolicyRecord | undefined> {
    if (!isAwsManagedPolicyArn(arn)) return this.local.getManagedPolicy(arn);
    const p = await this.catalogue.get(arn);
    return p && (await this.counted([p]))[0];
  }

  async listManagedPolicies(accountId: string, o: PolicyListOptions): Promise<Page<ManagedPolicyRecord>> {
    if (o.scope === 'Local') return this.local.listManagedPolicies(accountId, o);
    const marker = o.marker;
    if (o.scope === 'AWS' || marker?.startsWith(AWS)) {
      return this.awsPage(o, marker?.startsWith(AWS) ? decodeMarker(marker.slice(1)) : undefined, o.maxItems);
    }
    const local = await this.local.listManagedPolicies(accountId, { ...o, scope: 'Local', marker: marker?.slice(1) });
    if (local.marker !== undefined) return { items: local.items, marker: LOCAL + local.marker };
    // A local page that fills maxItems exactly ends here; its marker starts the AWS part (when it has any item).
    if (local.items.length >= o.maxItems)
      return { items: local.items, marker: (await this.awsPage(o, undefined, 1)).items.length ? AWS : undefined };
    const rest = await this.awsPage(o, undefined, o.maxItems - local.items.length);
    return { items: [...local.items, ...rest.items], marker: rest.marker };
  }

  async getPolicyVersion(policyId: string, versionId: string): Promise<PolicyVersionRecord | undefined> {
    const p = await this.awsPolicyById(policyId);
    if (!p) return this.local.getPolicyVersion(policyId, versionId);
    const document = this.catalogue.versionDocument(p, versionId);
    const createdAt = p.versions.find(([id]) => id === versionId)?.[1];
    return document === undefined || createdAt === undefined ? undefined : { policyId, versionId, document, createdAt };
  }

  async listPolicyVersions(policyId: string): Promise<PolicyVersionRecord[]> {
    const p = await this.awsPolicyById(policyId);
    if (!p) return this.local.listPolicyVersions(policyId);
    // Newest first, as AWS lists them; the documents are not listed, so none is inflated.
    return p.versions.map(([versionId, createdAt]) => ({ policyId, versionId, document: '', createdAt })).reverse();
  }

  async listAttachedPolicies(ownerId: string): Promise<ManagedPolicyRecord[]> {
    const attached = await this.local.listAttachedPolicies(ownerId);
    if (!attached.some((p) => p.accountId === 'aws')) return attached;
    const out: ManagedPolicyRecord[] = [];
    for (const p of attached) {
      if (p.accountId !== 'aws') out.push(p);
      else {
        const c = await this.catalogue.get(p.arn);
        if (c) out.push(record(c));
      }
    }
    return out.sort((a, b) => (a.policyName.toLowerCase() < b.policyName.toLowerCase() ? -1 : 1));
  }

  async attachedPolicyDocuments(ownerIds: string[]): Promise<AttachedPolicyDocument[]> {
    const docs = await this.local.attachedPolicyDocuments(ownerIds);
    if (!docs.some((d) => isAwsManagedPolicyArn(d.arn))) return docs;
    const out = [];
    for (const d of docs) {
      if (!isAwsManagedPolicyArn(d.arn)) out.push(d);
      else {
        // An ARN the catalogue does not know (a policy AWS deleted) is attached but grants nothing.
        const c = await this.catalogue.get(d.arn);
        if (c) out.push({ ...d, document: c.document });
      }
    }
    return out;
  }

  private async counted(policies: CataloguePolicy[]): Promise<ManagedPolicyRecord[]> {
    const counts = await this.local.policyUseCounts(policies.map((p) => p.arn));
    return policies.map((p) => record(p, counts.get(p.arn)));
  }

  private async awsPage(
    o: PolicyListOptions,
    after: string | undefined,
    maxItems: number,
  ): Promise<Page<ManagedPolicyRecord>> {
    const prefix = o.pathPrefix ?? '/';
    const attached = o.onlyAttached ? await this.local.attachedPolicyArns(AWS_POLICY_ARN_PREFIX) : undefined;
    const out: CataloguePolicy[] = [];
    let more = false;
    for (const p of await this.catalogue.all()) {
      if (after !== undefined && p.arn <= after) continue;
      if (!p.path.startsWith(prefix) || (attached && !attached.has(p.arn))) continue;
      if (out.length === maxItems) {
        more = true;
        break;
      }
      out.push(p);
    }
    return { items: await this.counted(out), marker: more ? AWS + encodeMarker(out[out.length - 1]!.arn) : undefined };
  }

  /** The catalogue policy with this id; the catalogue is loaded only once some AWS policy has been asked for. */
  private async awsPolicyById(policyId: string): Promise<CataloguePolicy | undefined> {
    if (!this.catalogue.loaded) return undefined;
    return this.catalogue.getById(policyId);
  }
}
