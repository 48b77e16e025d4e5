import { methodNames } from './common.js';
import type { ManagedPolicyRecord } from './managed-policies.js';

/** A managed policy's default document as attached to an owner: what permission caches need. */
export interface AttachedPolicyDocument {
  ownerId: string;
  arn: string;
  document: string;
}

/** A user, group or role that uses a managed policy: attached to it, or as its permissions boundary. */
export interface PolicyEntity {
  kind: 'user' | 'group' | 'role';
  usage: 'PermissionsPolicy' | 'PermissionsBoundary';
  id: string;
  name: string;
  path: string;
}

/** Managed policies attached to users, groups and roles (by ARN: AWS managed policies have no row of their own). */
export interface PolicyAttachmentStore {
  /** Attaches a managed policy to a user, group or role (idempotent) unless the owner has `max` attached already. */
  attachPolicy(ownerId: string, policyArn: string, max: number): Promise<'attached' | 'limit-exceeded'>;
  detachPolicy(ownerId: string, policyArn: string): Promise<boolean>;
  /** In name order; an attached ARN the database has no policy for comes as a stub (accountId 'aws', its ARN's name and path). */
  listAttachedPolicies(ownerId: string): Promise<ManagedPolicyRecord[]>;
  /** The users, groups and roles that use the policy, as a permissions policy or as a boundary (in no order). */
  policyEntities(policyArn: string): Promise<PolicyEntity[]>;
  /**
   * The default documents of every managed policy attached to these owners ('' for an attached ARN the database
   * has no policy for: an AWS managed policy, which a store opened with the catalogue fills in: with-aws-managed-policies.ts).
   */
  attachedPolicyDocuments(ownerIds: string[]): Promise<AttachedPolicyDocument[]>;
  /** Per policy, how many users, groups and roles have it attached and how many use it as their boundary (unused ones left out). */
  policyUseCounts(arns: string[]): Promise<Map<string, { attachments: number; boundaries: number }>>;
  /** The policy ARNs starting with `prefix` that are attached to anything. */
  attachedPolicyArns(prefix: string): Promise<Set<string>>;
}

export const POLICY_ATTACHMENT_STORE_METHODS = methodNames<PolicyAttachmentStore>()([
  'attachPolicy',
  'detachPolicy',
  'listAttachedPolicies',
  'policyEntities',
  'attachedPolicyDocuments',
  'policyUseCounts',
  'attachedPolicyArns',
]);
