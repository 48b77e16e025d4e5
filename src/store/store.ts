/**
 * The Store contract: everything OpenSTS keeps. SQLite (embedded default) and PostgreSQL (shared by several nodes)
 * implement it with the same SQL; one contract test suite runs against both. Secrets arrive here already
 * encrypted under the master key: the store never sees a plaintext secret.
 */
import type { MigrationPlan } from './migrator.js';

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

/** An account's explicit STS setting for one region (regions without one keep their default, see service/regions.ts). */
export interface RegionSetting {
  region: string;
  active: boolean;
}

/** What GetAccountSummary counts. */
export interface AccountSummaryCounts {
  users: number;
  groups: number;
  roles: number;
  /** Customer managed policies. */
  policies: number;
  /** Versions of the customer managed policies. */
  policyVersions: number;
  mfaDevices: number;
  mfaDevicesInUse: number;
  /** The account root's own access keys. */
  rootAccessKeys: number;
  instanceProfiles: number;
}

export interface UserRecord {
  accountId: string;
  userId: string;
  userName: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  /** The ARN of the managed policy that is the user's permissions boundary, if it has one. */
  permissionsBoundary?: string;
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

/** A role session was issued (AssumeRole*), in `region`. */
export interface RoleUse {
  roleId: string;
  at: number;
  region: string;
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

export interface RoleRecord {
  accountId: string;
  roleId: string;
  roleName: string;
  path: string;
  createdAt: number;
  /** The AssumeRolePolicyDocument as given (JSON text). */
  trustPolicy: string;
  description?: string;
  /** Seconds, 3600..43200. */
  maxSessionDuration: number;
  tags: Tag[];
  /** When a session of the role was last issued, and where (GetRole's RoleLastUsed). */
  lastUsedAt?: number;
  lastUsedRegion?: string;
  /** The ARN of the managed policy that is the role's permissions boundary, if it has one. */
  permissionsBoundary?: string;
}

export interface GroupRecord {
  accountId: string;
  groupId: string;
  groupName: string;
  path: string;
  createdAt: number;
}

/** An inline policy, owned by one user, group or role (owner ids are unique across the three). */
export interface InlinePolicyRecord {
  ownerId: string;
  policyName: string;
  document: string;
}

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

/** A managed policy's default document as attached to an owner: what permission caches need. */
export interface AttachedPolicyDocument {
  ownerId: string;
  arn: string;
  document: string;
}

export interface MfaDeviceRecord {
  serialNumber: string;
  accountId: string;
  path: string;
  deviceName: string;
  /** The Base32 TOTP seed sealed under the master key, bound to the serial number. */
  seedEncrypted: string;
  /** The user the device is enabled for; undefined while unassigned. */
  userId?: string;
  enabledAt?: number;
  /** The last accepted TOTP time step (codes at or before it are refused: no replay). */
  lastStep: number;
  createdAt: number;
  tags: Tag[];
}

/** An IAM OpenID Connect provider: the issuer whose tokens AssumeRoleWithWebIdentity accepts for this account. */
export interface OidcProviderRecord {
  accountId: string;
  /** `arn:aws:iam::ACCOUNT:oidc-provider/<url>`. */
  arn: string;
  /** The issuer URL without `https://` (`host[:port][/path]`): the ARN's tail, and a token's `iss` after the scheme. */
  url: string;
  /** The audiences (`aud`) a token may carry. */
  clientIds: string[];
  /** SHA-1 thumbprints of the issuer's certificates, kept for IAM compatibility. */
  thumbprints: string[];
  createdAt: number;
  tags: Tag[];
}

/** An IAM SAML provider: the identity provider whose signed SAML responses AssumeRoleWithSAML accepts for this account. */
export interface SamlProviderRecord {
  accountId: string;
  /** `arn:aws:iam::ACCOUNT:saml-provider/NAME`. */
  arn: string;
  name: string;
  /** The SAML metadata document as uploaded (checked when stored: see federation/saml-provider.ts). */
  metadata: string;
  /** The metadata's validUntil, if it has one. */
  validUntil?: number;
  createdAt: number;
  tags: Tag[];
}

/** A JWT signing key of outbound identity federation (GetWebIdentityToken). */
export interface OutboundSigningKeyRecord {
  accountId: string;
  /** The key id (`kid`): the RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: 'RS256' | 'ES384';
  /** The private key (PKCS#8 PEM) sealed under the master key, bound to the kid. */
  privateKeyEncrypted: string;
  /** The public key as a JWK (JSON text, with kid, alg and use). */
  publicJwk: string;
  createdAt: number;
}

/** An account's outbound identity federation: whether it is on, and (while it is) its signing keys. */
export interface OutboundFederationRecord {
  accountId: string;
  enabled: boolean;
  /** When it was last enabled or disabled. */
  changedAt: number;
  /** Empty while disabled: disabling deletes the keys, enabling again makes new ones. */
  keys: OutboundSigningKeyRecord[];
}

/** An instance profile: the container that passes one role to EC2 instances. */
export interface InstanceProfileRecord {
  accountId: string;
  instanceProfileId: string;
  name: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  /** The role it holds (AWS allows at most one); filled in by reads, ignored by createInstanceProfile. */
  role?: RoleRecord;
}

/** A user, group or role that uses a managed policy: attached to it, or as its permissions boundary. */
export interface PolicyEntity {
  kind: 'user' | 'group' | 'role';
  usage: 'PermissionsPolicy' | 'PermissionsBoundary';
  id: string;
  name: string;
  path: string;
}

export type DeleteRoleResult = 'deleted' | 'in-instance-profile' | 'has-policies' | 'has-attached-policies' | 'missing';

/** What UpdateUser and UpdateGroup rename or move. */
export type RenamableEntity = 'user' | 'group';

/** What can have a permissions boundary. */
export type BoundedEntity = 'user' | 'role';

export type TaggedEntity = 'user' | 'role' | 'policy' | 'mfa' | 'oidc-provider' | 'saml-provider' | 'instance-profile';

export interface PolicyListOptions extends ListOptions {
  scope: 'All' | 'AWS' | 'Local';
  onlyAttached: boolean;
}

export type DeleteUserResult =
  | 'deleted'
  | 'has-keys'
  | 'has-policies'
  | 'has-attached-policies'
  | 'in-groups'
  | 'has-mfa'
  | 'missing';

export interface Store {
  /**
   * Brings the schema up to date. Safe to run on every start and from several processes. Refuses (DatabaseNewerError)
   * a database that has migrations this binary does not know.
   */
  migrate(): Promise<{ applied: { name: string; ms: number }[] }>;
  /** What migrate() would do, read without writing anything. */
  migrationPlan(): Promise<MigrationPlan>;
  close(): Promise<void>;
  /**
   * A number that changes whenever this or any other connection or node wrote. Read caches compare it on every
   * request, so it is synchronous and cheap.
   */
  revision(): number;
  /**
   * False while the store cannot be reached (a PostgreSQL node that lost its connection; it reconnects by itself).
   * Absent or true: reachable. /readyz reports it.
   */
  available?(): boolean;
  /** A cheap query: resolves when the store answers (readiness probes). */
  ping(): Promise<void>;

  /** The master key check value (a known text sealed under the master key), if the store has one yet. */
  getMasterKeyCheck(): Promise<string | undefined>;
  /** Stores the check value unless one is there already (another node's); answers the one stored either way. */
  claimMasterKeyCheck(sealed: string, now: number): Promise<string>;

  getAccount(): Promise<AccountRecord | undefined>;
  /** Creates the account unless one exists; answers the account that is stored either way. */
  ensureAccount(account: AccountRecord): Promise<AccountRecord>;
  /** SetSecurityTokenServicePreferences: 1 or 2. False when there is no such account. */
  setGlobalEndpointTokenVersion(accountId: string, version: number): Promise<boolean>;
  /** The account's explicit STS region settings, in region order. */
  listRegionSettings(accountId: string): Promise<RegionSetting[]>;
  /** Activates or deactivates STS in a region for the account. */
  setRegionActive(accountId: string, region: string, active: boolean): Promise<void>;
  accountSummary(accountId: string): Promise<AccountSummaryCounts>;

  listTokenKeys(): Promise<TokenKeyRecord[]>;
  /** Adds a token key unless one with the same id exists. */
  addTokenKey(key: TokenKeyRecord): Promise<void>;
  /** Removes a retired token key (see Keyring.retire); false when it was gone. */
  deleteTokenKey(keyId: number): Promise<boolean>;

  /** False when a user with that name (compared case-insensitively) exists. */
  createUser(user: UserRecord): Promise<boolean>;
  getUserByName(accountId: string, userName: string): Promise<UserRecord | undefined>;
  getUserById(userId: string): Promise<UserRecord | undefined>;
  listUsers(accountId: string, options: ListOptions): Promise<Page<UserRecord>>;
  /**
   * Deletes a user that owns nothing any more (access keys, inline and attached policies, group memberships, MFA
   * devices): otherwise the first thing in the way; 'missing' when it is gone already.
   */
  deleteUser(accountId: string, userId: string): Promise<DeleteUserResult>;

  /** UpdateUser and UpdateGroup: a new name and/or path; 'exists' when another user (group) has the name in any case. */
  renameEntity(
    entity: RenamableEntity,
    id: string,
    changes: { name?: string; path?: string },
  ): Promise<'updated' | 'exists' | 'missing'>;

  /** Adds a key unless the owner (user, or root when userId is undefined) has `maxPerOwner` already; atomic. */
  createAccessKey(key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(accountId: string, userId: string | undefined): Promise<AccessKeyRecord[]>;
  updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  /** Records when keys were last used; later uses win. Does not count as a change for revision(). */
  recordAccessKeyUse(uses: AccessKeyUse[]): Promise<void>;

  /** Adds and removes tags on a user, role, managed policy or MFA device (by id / serial); keys compare case-insensitively. */
  updateTags(
    entity: TaggedEntity,
    id: string,
    add: Tag[],
    removeKeys: string[],
    max: number,
  ): Promise<'updated' | 'limit-exceeded' | 'missing'>;

  /** False when a role with that name (compared case-insensitively) exists. */
  createRole(role: RoleRecord): Promise<boolean>;
  getRoleByName(accountId: string, roleName: string): Promise<RoleRecord | undefined>;
  getRoleById(roleId: string): Promise<RoleRecord | undefined>;
  listRoles(accountId: string, options: ListOptions): Promise<Page<RoleRecord>>;
  updateRole(
    roleId: string,
    changes: { description?: string; maxSessionDuration?: number; trustPolicy?: string },
  ): Promise<boolean>;
  /** Deletes a role that is in no instance profile and has no inline or attached policies. */
  deleteRole(roleId: string): Promise<DeleteRoleResult>;
  /** Records when roles were last used; later uses win. Does not count as a change for revision(). */
  recordRoleUse(uses: RoleUse[]): Promise<void>;

  /**
   * Sets (a policy ARN) or removes (undefined) the permissions boundary of a user or role, by id. The policy must
   * exist, checked in the same transaction as the write, so that DeletePolicy cannot leave a boundary dangling.
   */
  setPermissionsBoundary(
    entity: BoundedEntity,
    id: string,
    policyArn: string | undefined,
  ): Promise<'updated' | 'no-such-policy' | 'missing'>;

  createGroup(group: GroupRecord): Promise<boolean>;
  getGroupByName(accountId: string, groupName: string): Promise<GroupRecord | undefined>;
  listGroups(accountId: string, options: ListOptions): Promise<Page<GroupRecord>>;
  /** Deletes a group without members or policies. */
  deleteGroup(
    groupId: string,
  ): Promise<'deleted' | 'has-members' | 'has-policies' | 'has-attached-policies' | 'missing'>;
  /** Idempotent. */
  addUserToGroup(groupId: string, userId: string): Promise<void>;
  removeUserFromGroup(groupId: string, userId: string): Promise<boolean>;
  listGroupMembers(groupId: string, options: ListOptions): Promise<Page<UserRecord>>;
  listGroupsForUser(userId: string, options: ListOptions): Promise<Page<GroupRecord>>;

  /** Creates or replaces an inline policy. */
  putInlinePolicy(policy: InlinePolicyRecord): Promise<void>;
  getInlinePolicy(ownerId: string, policyName: string): Promise<InlinePolicyRecord | undefined>;
  /** The inline policies of these owners, in name order. */
  listInlinePolicies(ownerIds: string[]): Promise<InlinePolicyRecord[]>;
  deleteInlinePolicy(ownerId: string, policyName: string): Promise<boolean>;

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
  /** Attaches a managed policy to a user, group or role (idempotent) unless the owner has `max` attached already. */
  attachPolicy(ownerId: string, policyArn: string, max: number): Promise<'attached' | 'limit-exceeded'>;
  detachPolicy(ownerId: string, policyArn: string): Promise<boolean>;
  listAttachedPolicies(ownerId: string): Promise<ManagedPolicyRecord[]>;
  /** The users, groups and roles that use the policy, as a permissions policy or as a boundary (in no order). */
  policyEntities(policyArn: string): Promise<PolicyEntity[]>;
  /**
   * The default documents of every managed policy attached to these owners ('' for an attached ARN the database
   * has no policy for: an AWS managed policy, which withAwsManagedPolicies fills in).
   */
  attachedPolicyDocuments(ownerIds: string[]): Promise<AttachedPolicyDocument[]>;
  /** Per policy, how many users, groups and roles have it attached and how many use it as their boundary (unused ones left out). */
  policyUseCounts(arns: string[]): Promise<Map<string, { attachments: number; boundaries: number }>>;
  /** The policy ARNs starting with `prefix` that are attached to anything. */
  attachedPolicyArns(prefix: string): Promise<Set<string>>;

  /** False when a device with that serial number exists. */
  createMfaDevice(device: MfaDeviceRecord): Promise<boolean>;
  getMfaDevice(serialNumber: string): Promise<MfaDeviceRecord | undefined>;
  /** The account's virtual MFA devices, optionally only those of one user, in serial number order. */
  listMfaDevices(
    accountId: string,
    filter: { userId?: string; assignment?: 'Assigned' | 'Unassigned' | 'Any' },
  ): Promise<MfaDeviceRecord[]>;
  /** Assigns an unassigned device to a user, with the time step of the codes that proved it. */
  enableMfaDevice(
    serialNumber: string,
    userId: string,
    enabledAt: number,
    step: number,
  ): Promise<'enabled' | 'in-use' | 'missing'>;
  deactivateMfaDevice(serialNumber: string, userId: string): Promise<boolean>;
  deleteMfaDevice(serialNumber: string): Promise<'deleted' | 'in-use' | 'missing'>;
  /** Records an accepted code's time step when it is later than the last one, atomically: false for a replay. */
  acceptMfaStep(serialNumber: string, step: number): Promise<boolean>;

  /** Adds a provider unless its ARN exists or the account has `maxPerAccount` already; atomic. */
  createOidcProvider(
    provider: OidcProviderRecord,
    maxPerAccount: number,
  ): Promise<'created' | 'exists' | 'limit-exceeded'>;
  getOidcProvider(arn: string): Promise<OidcProviderRecord | undefined>;
  /** The account's providers, in ARN order. */
  listOidcProviders(accountId: string): Promise<OidcProviderRecord[]>;
  /** False when it was gone. */
  deleteOidcProvider(arn: string): Promise<boolean>;
  /** Adds and removes client ids (adding one that is there changes nothing) unless the result would exceed `max`. */
  updateOidcClientIds(
    arn: string,
    add: string[],
    remove: string[],
    max: number,
  ): Promise<'updated' | 'limit-exceeded' | 'missing'>;
  /** Replaces the thumbprint list; false when there is no such provider. */
  setOidcThumbprints(arn: string, thumbprints: string[]): Promise<boolean>;

  /** Adds a provider unless its ARN exists or the account has `maxPerAccount` already; atomic. */
  createSamlProvider(
    provider: SamlProviderRecord,
    maxPerAccount: number,
  ): Promise<'created' | 'exists' | 'limit-exceeded'>;
  getSamlProvider(arn: string): Promise<SamlProviderRecord | undefined>;
  /** The account's providers, in ARN order. */
  listSamlProviders(accountId: string): Promise<SamlProviderRecord[]>;
  /** Replaces the metadata document; false when there is no such provider. */
  updateSamlProviderMetadata(arn: string, metadata: string, validUntil: number | undefined): Promise<boolean>;
  /** False when it was gone. */
  deleteSamlProvider(arn: string): Promise<boolean>;

  /** False when an instance profile with that name (compared case-insensitively) exists. */
  createInstanceProfile(profile: InstanceProfileRecord): Promise<boolean>;
  getInstanceProfileByName(accountId: string, name: string): Promise<InstanceProfileRecord | undefined>;
  /** The account's instance profiles in name order. */
  listInstanceProfiles(accountId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>>;
  /** The instance profiles that hold this role, in name order. */
  listInstanceProfilesForRole(roleId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>>;
  /** Deletes a profile that holds no role. */
  deleteInstanceProfile(instanceProfileId: string): Promise<'deleted' | 'has-role' | 'missing'>;
  /** Puts a role in an empty profile ('limit-exceeded' when it holds one already, even this one); atomic. */
  addRoleToInstanceProfile(
    instanceProfileId: string,
    roleId: string,
  ): Promise<'added' | 'limit-exceeded' | 'no-such-role' | 'missing'>;
  /** False when the profile does not hold this role. */
  removeRoleFromInstanceProfile(instanceProfileId: string, roleId: string): Promise<boolean>;

  /** Undefined when the account never enabled outbound identity federation. */
  getOutboundFederation(accountId: string): Promise<OutboundFederationRecord | undefined>;
  /** Turns it on with these (new) keys; false, changing nothing, when it is on already. Atomic. */
  enableOutboundFederation(accountId: string, keys: OutboundSigningKeyRecord[], at: number): Promise<boolean>;
  /** Turns it off and deletes the keys; false when it was not on. */
  disableOutboundFederation(accountId: string, at: number): Promise<boolean>;
}
