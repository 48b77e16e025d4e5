import { type ListOptions, methodNames, type Page, type Tag } from './common.js';

export interface ManagedPolicyRecord {
  /** The owning account, or 'aws' for AWS managed policies. */
  accountId: string;
  policyId: string;
  arn: string;
  policyName: string;
  path: string;
  description?: string;
  defaultVersionId: string;
  createdAt: number;
  updatedAt: number;
  tags: Tag[];
  /** Users, groups and roles it is attached to (filled in by single reads and lists). */
  attachmentCount?: number;
  /** Users and roles that have it as their permissions boundary (filled in like attachmentCount). */
  permissionsBoundaryUsageCount?: number;
}

export interface PolicyVersionRecord {
  policyId: string;
  versionId: string;
  document: string;
  createdAt: number;
}

export interface PolicyListOptions extends ListOptions {
  scope: 'All' | 'AWS' | 'Local';
  onlyAttached: boolean;
}

/** Managed policies and their versions (what they are attached to: PolicyAttachmentStore). */
export interface ManagedPolicyStore {
  /** False when a policy with that name exists in the account. The document becomes version v1, the default. */
  createManagedPolicy(policy: ManagedPolicyRecord, document: string): Promise<boolean>;
  getManagedPolicy(arn: string): Promise<ManagedPolicyRecord | undefined>;
  /** The account's policies and/or AWS's, in ARN order. */
  listManagedPolicies(accountId: string, options: PolicyListOptions): Promise<Page<ManagedPolicyRecord>>;
  /**
   * Deletes a policy that is attached nowhere, is no user's or role's permissions boundary ('attached' either way:
   * AWS refuses both with one message) and has only its default version left.
   */
  deleteManagedPolicy(arn: string): Promise<'deleted' | 'attached' | 'has-versions' | 'missing'>;
  getPolicyVersion(policyId: string, versionId: string): Promise<PolicyVersionRecord | undefined>;
  listPolicyVersions(policyId: string): Promise<PolicyVersionRecord[]>;
  /** Adds the next version (v2, v3...) unless the policy has `maxVersions` already. */
  createPolicyVersion(
    policyId: string,
    document: string,
    setAsDefault: boolean,
    at: number,
    maxVersions: number,
  ): Promise<PolicyVersionRecord | 'limit-exceeded' | 'missing'>;
  deletePolicyVersion(policyId: string, versionId: string): Promise<'deleted' | 'is-default' | 'missing'>;
  setDefaultPolicyVersion(policyId: string, versionId: string, at: number): Promise<boolean>;
}

export const MANAGED_POLICY_STORE_METHODS = methodNames<ManagedPolicyStore>()([
  'createManagedPolicy',
  'getManagedPolicy',
  'listManagedPolicies',
  'deleteManagedPolicy',
  'getPolicyVersion',
  'listPolicyVersions',
  'createPolicyVersion',
  'deletePolicyVersion',
  'setDefaultPolicyVersion',
]);
