import { methodNames } from './common.js';

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  accessKeyId: string;
  accountId: string;
  /** The owning user; undefined for the account root's own keys. */
  userId?: string;
  /** The secret access key sealed under the master key, bound to the access key id. */
  secretEncrypted: string;
  status: AccessKeyStatus;
  createdAt: number;
  lastUsedAt?: number;
  lastUsedRegion?: string;
  lastUsedService?: string;
}

export interface AccessKeyUse {
  accessKeyId: string;
  at: number;
  region: string;
  service: string;
}

export type CreateAccessKeyResult = 'created' | 'limit-exceeded' | 'no-such-owner';

/** The access keys of users and of the account root. */
export interface AccessKeyStore {
  /** Adds a key unless the owner (user, or root when userId is undefined) has `maxPerOwner` already; atomic. */
  createAccessKey(key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(accountId: string, userId: string | undefined): Promise<AccessKeyRecord[]>;
  updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  /** Records when keys were last used; later uses win. Does not count as a change for revision(). */
  recordAccessKeyUse(uses: AccessKeyUse[]): Promise<void>;
}

export const ACCESS_KEY_STORE_METHODS = methodNames<AccessKeyStore>()([
  'createAccessKey',
  'getAccessKey',
  'listAccessKeys',
  'updateAccessKeyStatus',
  'deleteAccessKey',
  'recordAccessKeyUse',
]);
