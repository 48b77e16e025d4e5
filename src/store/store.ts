/**
 * The Store contract: everything OpenSTS keeps. SQLite (embedded default) and PostgreSQL (shared by several nodes)
 * implement it with the same SQL; one contract test suite runs against both. Secrets arrive here already
 * encrypted under the master key: the store never sees a plaintext secret.
 */
export type AccessKeyStatus = 'Active' | 'Inactive';

export interface Tag {
  Key: string;
  Value: string;
}

export interface AccountRecord {
  accountId: string;
  createdAt: number;
  /** The token version the global endpoint issues: 1 (default regions only) or 2 (all regions). */
  globalEndpointTokenVersion: number;
}

export interface UserRecord {
  accountId: string;
  userId: string;
  userName: string;
  path: string;
  createdAt: number;
  tags: Tag[];
}

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

export interface TokenKeyRecord {
  keyId: number;
  /** The AES-256 key that seals session tokens, sealed under the master key. */
  keyEncrypted: string;
  createdAt: number;
}

export interface AccessKeyUse {
  accessKeyId: string;
  at: number;
  region: string;
  service: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it back as `marker`. */
  marker?: string;
}

export interface ListOptions {
  pathPrefix?: string;
  marker?: string;
  maxItems: number;
}

export type CreateAccessKeyResult = 'created' | 'limit-exceeded' | 'no-such-owner';

export interface Store {
  /** Brings the schema up to date. Safe to run on every start and from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * A number that changes whenever this or any other connection or node wrote. Read caches compare it on every
   * request, so it is synchronous and cheap.
   */
  revision(): number;

  getAccount(): Promise<AccountRecord | undefined>;
  /** Creates the account unless one exists; answers the account that is stored either way. */
  ensureAccount(account: AccountRecord): Promise<AccountRecord>;

  listTokenKeys(): Promise<TokenKeyRecord[]>;
  /** Adds a token key unless one with the same id exists. */
  addTokenKey(key: TokenKeyRecord): Promise<void>;

  /** False when a user with that name (compared case-insensitively) exists. */
  createUser(user: UserRecord): Promise<boolean>;
  getUserByName(accountId: string, userName: string): Promise<UserRecord | undefined>;
  getUserById(userId: string): Promise<UserRecord | undefined>;
  listUsers(accountId: string, options: ListOptions): Promise<Page<UserRecord>>;
  /** Deletes a user that owns no access key: 'has-keys' otherwise, 'missing' when it is gone already. */
  deleteUser(accountId: string, userId: string): Promise<'deleted' | 'has-keys' | 'missing'>;

  /** Adds a key unless the owner (user, or root when userId is undefined) has `maxPerOwner` already; atomic. */
  createAccessKey(key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(accountId: string, userId: string | undefined): Promise<AccessKeyRecord[]>;
  updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  /** Records when keys were last used; later uses win. Does not count as a change for revision(). */
  recordAccessKeyUse(uses: AccessKeyUse[]): Promise<void>;
}
