import { methodNames } from './common.js';

/** An inline policy, owned by one user, group or role (owner ids are unique across the three). */
export interface InlinePolicyRecord {
  ownerId: string;
  policyName: string;
  document: string;
}

export interface InlinePolicyStore {
  /** Creates or replaces an inline policy. */
  putInlinePolicy(policy: InlinePolicyRecord): Promise<void>;
  getInlinePolicy(ownerId: string, policyName: string): Promise<InlinePolicyRecord | undefined>;
  /** The inline policies of these owners, in name order. */
  listInlinePolicies(ownerIds: string[]): Promise<InlinePolicyRecord[]>;
  deleteInlinePolicy(ownerId: string, policyName: string): Promise<boolean>;
}

export const INLINE_POLICY_STORE_METHODS = methodNames<InlinePolicyStore>()([
  'putInlinePolicy',
  'getInlinePolicy',
  'listInlinePolicies',
  'deleteInlinePolicy',
]);
