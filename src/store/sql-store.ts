/**
 * The Store, written once over kysely and composed of parts (kysely's shape: one class, what differs passed in):
 * - a StoreBackend (backend.ts; sqlite/, postgres/): the connection, the write lock, how peers hear of a change,
 *   the migration lock, the database's health;
 * - the SQL of each entity (sql/, one module per entity): sql-store.ts only routes each call and wraps every
 *   change in change() (the write lock, the revision counter, the peers told);
 * - optionally the AWS managed policy catalogue, which answers the reads of AWS's policies
 *   (with-aws-managed-policies.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { AwsManagedCatalogue } from './aws-managed-catalogue.js';
import type { StoreBackend } from './backend.js';
import { Migrator, type MigrationPlan } from './migrator.js';
import { bumpRevision, type Database } from './schema.js';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  AccessKeyUse,
  AccountRecord,
  AttachedPolicyDocument,
  BoundedEntity,
  CreateAccessKeyResult,
  DeleteUserResult,
  GroupRecord,
  InlinePolicyRecord,
  InstanceProfileRecord,
  ListOptions,
  ManagedPolicyRecord,
  MfaDeviceRecord,
  OidcProviderRecord,
  OutboundSigningKeyRecord,
  Page,
  PolicyListOptions,
  PolicyVersionRecord,
  RenamableEntity,
  RoleRecord,
  RoleUse,
  SamlProviderRecord,
  Store,
  Tag,
  TaggedEntity,
  TokenKeyRecord,
  UserRecord,
} from './store.js';
import * as accessKeys from './sql/access-keys.js';
import * as account from './sql/account.js';
import { setBoundary } from './sql/boundaries.js';
import * as groups from './sql/groups.js';
import * as instanceProfiles from './sql/instance-profiles.js';
import * as mfa from './sql/mfa.js';
import * as oidc from './sql/oidc-providers.js';
import * as outbound from './sql/outbound-federation.js';
import * as policies from './sql/policies.js';
import { entitiesOfPolicy } from './sql/policy-entities.js';
import { rename } from './sql/rename.js';
import * as roles from './sql/roles.js';
import * as saml from './sql/saml-providers.js';
import * as serviceKeys from './sql/service-keys.js';
import { updateTags } from './sql/tags.js';
import * as users from './sql/users.js';
import { AwsManagedPolicies, type DatabasePolicyReads, type ManagedPolicyReads } from './with-aws-managed-policies.js';

export interface SqlStoreOptions {
  /** Serve AWS managed policies from this catalogue rather than from the rows migration 0002 seeded (the server does). */
  awsManagedPolicies?: AwsManagedCatalogue;
}

export class SqlStore<B extends StoreBackend = StoreBackend> implements Store {
  private rev = 0;
  private readonly db: Kysely<Database>;
  /** Where managed policies are read: the database, or the catalogue for AWS's and the database for the rest. */
  private readonly managedPolicies: ManagedPolicyReads;

  constructor(
    readonly backend: B,
    options: SqlStoreOptions = {},
  ) {
    this.db = backend.db;
    // Caches built before a change made elsewhere are stale.
    backend.feed.onChange(() => this.rev++);
    const db = this.db;
    const local: DatabasePolicyReads = {
      getManagedPolicy: (arn) => policies.managedByArn(db, arn),
      listManagedPolicies: (accountId, o) => policies.listManaged(db, accountId, o),
      getPolicyVersion: (policyId, versionId) => policies.getVersion(db, policyId, versionId),
      listPolicyVersions: (policyId) => policies.listVersions(db, policyId),
      listAttachedPolicies: (ownerId) => policies.listAttached(db, ownerId),
      attachedPolicyDocuments: (ownerIds) => policies.attachedDocuments(db, ownerIds),
      policyUseCounts: (arns) => policies.useCounts(db, arns),
      attachedPolicyArns: (prefix) => policies.attachedArns(db, prefix),
    };
    this.managedPolicies = options.awsManagedPolicies
      ? new AwsManagedPolicies(local, options.awsManagedPolicies)
      : local;
  }

  revision(): number {
    return this.rev;
  }

  /** Looks for changes made by other processes now rather than at the next poll (SQLite; tests). */
  checkExternalChanges(): void {
    this.backend.feed.poll?.();
  }

  available(): boolean {
    return this.backend.available();
  }

  /**
   * Under the backend's migration lock. A database newer than this binary is refused (by the Migrator) before
   * anything is created, PostgreSQL's schema included.
   */
  migrate(): Promise<{ applied: { name: string; ms: number }[] }> {
    return this.backend.withMigrationLock(async (db) => {
      const migrator = new Migrator(db);
      const plan = await migrator.plan();
      if (plan.unknown.length === 0) await this.backend.createSchema(db);
      return migrator.migrateToLatest();
    });
  }

  migrationPlan(): Promise<MigrationPlan> {
    return new Migrator(this.db).plan();
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  /**
   * Runs a change under the write lock, bumping the shared revision counter and telling the peers in the same
   * transaction; answers once this process's caches and every peer know of it.
   */
  private async change<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const notice = this.backend.feed.begin();
    let result: T;
    try {
      result = await this.backend.writeTransaction(async (trx) => {
        const r = await fn(trx);
        await bumpRevision(trx);
        await notice.send(trx);
        return r;
      });
    } catch (err) {
      notice.abandon();
      throw err;
    }
    this.rev++;
    await notice.delivered();
    return result;
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('revision').select('n').where('id', '=', 1).executeTakeFirst();
  }

  getMasterKeyCheck() {
    return serviceKeys.masterKeyCheck(this.db);
  }
  claimMasterKeyCheck(sealed: string, now: number) {
    // Under the write lock: of nodes creating a store at once, the first one's key is the store's.
    return this.change((trx) => serviceKeys.claimMasterKeyCheck(trx, sealed, now));
  }
  listTokenKeys() {
    return serviceKeys.tokenKeys(this.db);
  }
  async addTokenKey(key: TokenKeyRecord) {
    await this.change((trx) => serviceKeys.insertTokenKey(trx, key));
  }
  deleteTokenKey(keyId: number) {
    return this.change((trx) => serviceKeys.deleteTokenKey(trx, keyId));
  }

  getAccount() {
    return account.firstAccount(this.db);
  }
  async ensureAccount(record: AccountRecord): Promise<AccountRecord> {
    const existing = await this.getAccount();
    if (existing) return existing;
    await this.change((trx) => account.insertAccountOnce(trx, record));
    return (await this.getAccount())!;
  }
  setGlobalEndpointTokenVersion(accountId: string, version: number) {
    return this.change((trx) => account.setGlobalEndpointTokenVersion(trx, accountId, version));
  }
  listRegionSettings(accountId: string) {
    return account.regionSettings(this.db, accountId);
  }
  setRegionActive(accountId: string, region: string, active: boolean) {
    return this.change((trx) => account.setRegionActive(trx, accountId, region, active));
  }
  accountSummary(accountId: string) {
    return account.summary(this.db, accountId);
  }
  listAccountAliases(accountId: string) {
    return account.accountAliases(this.db, accountId);
  }
  setAccountAlias(accountId: string, alias: string) {
    return this.change((trx) => account.setAccountAlias(trx, accountId, alias));
  }
  deleteAccountAlias(accountId: string, alias: string) {
    return this.change((trx) => account.deleteAccountAlias(trx, accountId, alias));
  }

  createUser(user: UserRecord) {
    return this.change((trx) => users.insertUser(trx, user));
  }
  getUserByName(accountId: string, userName: string) {
    return users.userByName(this.db, accountId, userName);
  }
  getUserById(userId: string) {
    return users.userById(this.db, userId);
  }
  listUsers(accountId: string, options: ListOptions) {
    return users.listUsers(this.db, accountId, options);
  }
  deleteUser(accountId: string, userId: string): Promise<DeleteUserResult> {
    return this.change((trx) => users.deleteUser(trx, accountId, userId));
  }

  renameEntity(entity: RenamableEntity, id: string, changes: { name?: string; path?: string }) {
    return this.change((trx) => rename(trx, entity, id, changes));
  }

  createAccessKey(key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult> {
    return this.change((trx) => accessKeys.insertKey(trx, key, maxPerOwner));
  }
  getAccessKey(accessKeyId: string) {
    return accessKeys.keyById(this.db, accessKeyId);
  }
  listAccessKeys(accountId: string, userId: string | undefined) {
    return accessKeys.listKeys(this.db, accountId, userId);
  }
  updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus) {
    return this.change((trx) => accessKeys.setStatus(trx, accessKeyId, status));
  }
  deleteAccessKey(accessKeyId: string) {
    return this.change((trx) => accessKeys.deleteKey(trx, accessKeyId));
  }

  // Recorded uses feed no cache: plain transactions, no write lock, no revision bump, no peer told.
  async recordAccessKeyUse(uses: AccessKeyUse[]): Promise<void> {
    if (uses.length) await this.db.transaction().execute((trx) => accessKeys.recordUses(trx, uses));
  }
  async recordRoleUse(uses: RoleUse[]): Promise<void> {
    if (uses.length) await this.db.transaction().execute((trx) => roles.recordUses(trx, uses));
  }

  updateTags(entity: TaggedEntity, id: string, add: Tag[], removeKeys: string[], max: number) {
    return this.change((trx) => updateTags(trx, entity, id, add, removeKeys, max));
  }

  createRole(role: RoleRecord) {
    return this.change((trx) => roles.insertRole(trx, role));
  }
  getRoleByName(accountId: string, roleName: string) {
    return roles.roleByName(this.db, accountId, roleName);
  }
  getRoleById(roleId: string) {
    return roles.roleById(this.db, roleId);
  }
  listRoles(accountId: string, options: ListOptions) {
    return roles.listRoles(this.db, accountId, options);
  }
  updateRole(roleId: string, changes: { description?: string; maxSessionDuration?: number; trustPolicy?: string }) {
    return this.change((trx) => roles.updateRole(trx, roleId, changes));
  }
  deleteRole(roleId: string) {
    return this.change((trx) => roles.deleteRole(trx, roleId));
  }

  setPermissionsBoundary(entity: BoundedEntity, id: string, policyArn: string | undefined) {
    return this.change((trx) => setBoundary(trx, entity, id, policyArn));
  }

  createGroup(group: GroupRecord) {
    return this.change((trx) => groups.insertGroup(trx, group));
  }
  getGroupByName(accountId: string, groupName: string) {
    return groups.groupByName(this.db, accountId, groupName);
  }
  listGroups(accountId: string, options: ListOptions) {
    return groups.listGroups(this.db, accountId, options);
  }
  deleteGroup(groupId: string) {
    return this.change((trx) => groups.deleteGroup(trx, groupId));
  }
  addUserToGroup(groupId: string, userId: string) {
    return this.change((trx) => groups.addMember(trx, groupId, userId));
  }
  removeUserFromGroup(groupId: string, userId: string) {
    return this.change((trx) => groups.removeMember(trx, groupId, userId));
  }
  listGroupMembers(groupId: string, options: ListOptions) {
    return groups.listMembers(this.db, groupId, options);
  }
  listGroupsForUser(userId: string, options: ListOptions) {
    return groups.groupsOfUser(this.db, userId, options);
  }

  putInlinePolicy(policy: InlinePolicyRecord) {
    return this.change((trx) => policies.putInline(trx, policy));
  }
  getInlinePolicy(ownerId: string, policyName: string) {
    return policies.getInline(this.db, ownerId, policyName);
  }
  listInlinePolicies(ownerIds: string[]) {
    return policies.listInline(this.db, ownerIds);
  }
  deleteInlinePolicy(ownerId: string, policyName: string) {
    return this.change((trx) => policies.deleteInline(trx, ownerId, policyName));
  }

  createManagedPolicy(policy: ManagedPolicyRecord, document: string) {
    return this.change((trx) => policies.insertManaged(trx, policy, document));
  }
  getManagedPolicy(arn: string) {
    return this.managedPolicies.getManagedPolicy(arn);
  }
  listManagedPolicies(accountId: string, options: PolicyListOptions): Promise<Page<ManagedPolicyRecord>> {
    return this.managedPolicies.listManagedPolicies(accountId, options);
  }
  deleteManagedPolicy(arn: string) {
    return this.change((trx) => policies.deleteManaged(trx, arn));
  }
  getPolicyVersion(policyId: string, versionId: string): Promise<PolicyVersionRecord | undefined> {
    return this.managedPolicies.getPolicyVersion(policyId, versionId);
  }
  listPolicyVersions(policyId: string) {
    return this.managedPolicies.listPolicyVersions(policyId);
  }
  createPolicyVersion(policyId: string, document: string, setAsDefault: boolean, at: number, maxVersions: number) {
    return this.change((trx) => policies.insertVersion(trx, policyId, document, setAsDefault, at, maxVersions));
  }
  deletePolicyVersion(policyId: string, versionId: string) {
    return this.change((trx) => policies.deleteVersion(trx, policyId, versionId));
  }
  setDefaultPolicyVersion(policyId: string, versionId: string, at: number) {
    return this.change((trx) => policies.setDefaultVersion(trx, policyId, versionId, at));
  }
  attachPolicy(ownerId: string, policyArn: string, max: number) {
    return this.change((trx) => policies.attach(trx, ownerId, policyArn, max));
  }
  detachPolicy(ownerId: string, policyArn: string) {
    return this.change((trx) => policies.detach(trx, ownerId, policyArn));
  }
  listAttachedPolicies(ownerId: string) {
    return this.managedPolicies.listAttachedPolicies(ownerId);
  }
  policyEntities(policyArn: string) {
    return entitiesOfPolicy(this.db, policyArn);
  }
  attachedPolicyDocuments(ownerIds: string[]): Promise<AttachedPolicyDocument[]> {
    return this.managedPolicies.attachedPolicyDocuments(ownerIds);
  }
  policyUseCounts(arns: string[]) {
    return policies.useCounts(this.db, arns);
  }
  attachedPolicyArns(prefix: string) {
    return policies.attachedArns(this.db, prefix);
  }

  createMfaDevice(device: MfaDeviceRecord) {
    return this.change((trx) => mfa.insertDevice(trx, device));
  }
  getMfaDevice(serialNumber: string) {
    return mfa.deviceBySerial(this.db, serialNumber);
  }
  listMfaDevices(accountId: string, filter: { userId?: string; assignment?: 'Assigned' | 'Unassigned' | 'Any' }) {
    return mfa.listDevices(this.db, accountId, filter);
  }
  enableMfaDevice(serialNumber: string, userId: string, enabledAt: number, step: number) {
    return this.change((trx) => mfa.enableDevice(trx, serialNumber, userId, enabledAt, step));
  }
  deactivateMfaDevice(serialNumber: string, userId: string) {
    return this.change((trx) => mfa.deactivateDevice(trx, serialNumber, userId));
  }
  deleteMfaDevice(serialNumber: string) {
    return this.change((trx) => mfa.deleteDevice(trx, serialNumber));
  }
  acceptMfaStep(serialNumber: string, step: number) {
    // One conditional UPDATE, atomic on both databases, and no cache holds the last step: no revision bump, so
    // that a sign-in with MFA does not drop every node's caches.
    return mfa.acceptStep(this.db, serialNumber, step);
  }

  createOidcProvider(provider: OidcProviderRecord, maxPerAccount: number) {
    return this.change((trx) => oidc.insertProvider(trx, provider, maxPerAccount));
  }
  getOidcProvider(arn: string) {
    return oidc.providerByArn(this.db, arn);
  }
  listOidcProviders(accountId: string) {
    return oidc.listProviders(this.db, accountId);
  }
  deleteOidcProvider(arn: string) {
    return this.change((trx) => oidc.deleteProvider(trx, arn));
  }
  updateOidcClientIds(arn: string, add: string[], remove: string[], max: number) {
    return this.change((trx) => oidc.updateClientIds(trx, arn, add, remove, max));
  }
  setOidcThumbprints(arn: string, thumbprints: string[]) {
    return this.change((trx) => oidc.setThumbprints(trx, arn, thumbprints));
  }

  createSamlProvider(provider: SamlProviderRecord, maxPerAccount: number) {
    return this.change((trx) => saml.insertProvider(trx, provider, maxPerAccount));
  }
  getSamlProvider(arn: string) {
    return saml.providerByArn(this.db, arn);
  }
  listSamlProviders(accountId: string) {
    return saml.listProviders(this.db, accountId);
  }
  updateSamlProviderMetadata(arn: string, metadata: string, validUntil: number | undefined) {
    return this.change((trx) => saml.updateMetadata(trx, arn, metadata, validUntil));
  }
  deleteSamlProvider(arn: string) {
    return this.change((trx) => saml.deleteProvider(trx, arn));
  }

  createInstanceProfile(profile: InstanceProfileRecord) {
    return this.change((trx) => instanceProfiles.insertProfile(trx, profile));
  }
  getInstanceProfileByName(accountId: string, name: string) {
    return instanceProfiles.profileByName(this.db, accountId, name);
  }
  listInstanceProfiles(accountId: string, options: ListOptions) {
    return instanceProfiles.listProfiles(this.db, accountId, options);
  }
  listInstanceProfilesForRole(roleId: string, options: ListOptions) {
    return instanceProfiles.profilesOfRole(this.db, roleId, options);
  }
  deleteInstanceProfile(instanceProfileId: string) {
    return this.change((trx) => instanceProfiles.deleteProfile(trx, instanceProfileId));
  }
  addRoleToInstanceProfile(instanceProfileId: string, roleId: string) {
    return this.change((trx) => instanceProfiles.addRole(trx, instanceProfileId, roleId));
  }
  removeRoleFromInstanceProfile(instanceProfileId: string, roleId: string) {
    return this.change((trx) => instanceProfiles.removeRole(trx, instanceProfileId, roleId));
  }

  getOutboundFederation(accountId: string) {
    return outbound.federationOf(this.db, accountId);
  }
  enableOutboundFederation(accountId: string, keys: OutboundSigningKeyRecord[], at: number) {
    return this.change((trx) => outbound.enable(trx, accountId, keys, at));
  }
  disableOutboundFederation(accountId: string, at: number) {
    return this.change((trx) => outbound.disable(trx, accountId, at));
  }
}
