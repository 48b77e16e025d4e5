/**
 * The Store written once over Kysely. The SQLite and PostgreSQL stores differ only in how they connect and in
 * how they learn that another connection changed something (revision()).
 */
import { Kysely, sql, type Transaction } from 'kysely';
import type { ChangeFeed } from './change-feed.js';
import { Migrator, type MigrationPlan } from './migrator.js';
import { bumpRevision, type Database } from './schema.js';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  AccessKeyUse,
  AccountRecord,
  BoundedEntity,
  RoleUse,
  CreateAccessKeyResult,
  ListOptions,
  Page,
  Store,
  TokenKeyRecord,
  UserRecord,
} from './store.js';
import type {
  AttachedPolicyDocument,
  DeleteUserResult,
  GroupRecord,
  InlinePolicyRecord,
  ManagedPolicyRecord,
  MfaDeviceRecord,
  InstanceProfileRecord,
  OidcProviderRecord,
  RenamableEntity,
  OutboundSigningKeyRecord,
  PolicyListOptions,
  PolicyVersionRecord,
  RoleRecord,
  SamlProviderRecord,
  Tag,
  TaggedEntity,
} from './store.js';
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
import { updateTags } from './sql/tags.js';
import { userDependents } from './sql/users.js';

type Db = Kysely<Database> | Transaction<Database>;
type UserRow = Database['users'];
type KeyRow = Database['access_keys'];

const toUser = (r: UserRow): UserRecord => ({
  accountId: r.account_id,
  userId: r.user_id,
  userName: r.user_name,
  path: r.path,
  createdAt: Number(r.created_at),
  tags: JSON.parse(r.tags),
  permissionsBoundary: r.permissions_boundary ?? undefined,
});

const toKey = (r: KeyRow): AccessKeyRecord => ({
  accessKeyId: r.access_key_id,
  accountId: r.account_id,
  userId: r.owner_id || undefined,
  secretEncrypted: r.secret_encrypted,
  status: r.status as AccessKeyStatus,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at == null ? undefined : Number(r.last_used_at),
  lastUsedRegion: r.last_used_region ?? undefined,
  lastUsedService: r.last_used_service ?? undefined,
});

const encodeMarker = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const decodeMarker = (marker: string) => Buffer.from(marker, 'base64url').toString('utf8');

export abstract class SqlStore implements Store {
  private rev = 0;

  protected constructor(
    protected readonly db: Kysely<Database>,
    private readonly feed: ChangeFeed,
  ) {
    feed.subscribe(() => this.noteChange());
  }

  revision(): number {
    return this.rev;
  }

  /** Caches built before this call are stale. */
  protected noteChange(): void {
    this.rev++;
  }

  migrate(): Promise<{ applied: { name: string; ms: number }[] }> {
    return new Migrator(this.db).migrateToLatest();
  }

  migrationPlan(): Promise<MigrationPlan> {
    return new Migrator(this.db).plan();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /**
   * Runs a change, bumping the shared revision counter in the same transaction, and returns once this process's
   * caches and every peer's know of it.
   */
  protected async change<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const result = await this.writeTransaction(async (trx) => {
      const r = await fn(trx);
      await bumpRevision(trx);
      return r;
    });
    this.noteChange();
    await this.feed.publish();
    return result;
  }

  /** A transaction that writes (SQLite takes the write lock up front, see SqliteStore). */
  protected writeTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  protected async readRevisionCounter(db: Db = this.db): Promise<number> {
    const row = await db.selectFrom('revision').select('n').where('id', '=', 1).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async ping(): Promise<void> {
    await this.readRevisionCounter();
  }

  async getMasterKeyCheck(): Promise<string | undefined> {
    const r = await this.db.selectFrom('master_key_check').select('sealed').where('id', '=', 1).executeTakeFirst();
    return r?.sealed;
  }

  claimMasterKeyCheck(sealed: string, now: number): Promise<string> {
    // Under the write lock: of nodes creating a store at once, the first one's key is the store's.
    return this.change(async (trx) => {
      const r = await trx.selectFrom('master_key_check').select('sealed').where('id', '=', 1).executeTakeFirst();
      if (r) return r.sealed;
      await trx.insertInto('master_key_check').values({ id: 1, sealed, created_at: now }).execute();
      return sealed;
    });
  }

  async getAccount(): Promise<AccountRecord | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().orderBy('created_at').limit(1).executeTakeFirst();
    return (
      r && {
        accountId: r.account_id,
        createdAt: Number(r.created_at),
        globalEndpointTokenVersion: Number(r.global_endpoint_token_version),
      }
    );
  }

  async ensureAccount(account: AccountRecord): Promise<AccountRecord> {
    const existing = await this.getAccount();
    if (existing) return existing;
    // Checked again inside the change: nodes starting at once on a new store must agree on one account.
    await this.change(async (trx) => {
      if (await trx.selectFrom('accounts').select('account_id').limit(1).executeTakeFirst()) return;
      await trx
        .insertInto('accounts')
        .values({
          account_id: account.accountId,
          created_at: account.createdAt,
          global_endpoint_token_version: account.globalEndpointTokenVersion,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
    });
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

  async listTokenKeys(): Promise<TokenKeyRecord[]> {
    const rows = await this.db.selectFrom('token_keys').selectAll().orderBy('key_id').execute();
    return rows.map((r) => ({
      keyId: Number(r.key_id),
      keyEncrypted: r.key_encrypted,
      createdAt: Number(r.created_at),
    }));
  }

  async addTokenKey(key: TokenKeyRecord): Promise<void> {
    await this.change((trx) =>
      trx
        .insertInto('token_keys')
        .values({ key_id: key.keyId, key_encrypted: key.keyEncrypted, created_at: key.createdAt })
        .onConflict((oc) => oc.doNothing())
        .execute(),
    );
  }

  async deleteTokenKey(keyId: number): Promise<boolean> {
    const r = await this.change((trx) => trx.deleteFrom('token_keys').where('key_id', '=', keyId).executeTakeFirst());
    return Number(r.numDeletedRows) === 1;
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const result = await this.change((trx) =>
      trx
        .insertInto('users')
        .values({
          user_id: user.userId,
          account_id: user.accountId,
          user_name: user.userName,
          name_key: user.userName.toLowerCase(),
          path: user.path,
          created_at: user.createdAt,
          tags: JSON.stringify(user.tags),
          permissions_boundary: user.permissionsBoundary ?? null,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst(),
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async getUserByName(accountId: string, userName: string): Promise<UserRecord | undefined> {
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', userName.toLowerCase())
      .executeTakeFirst();
    return r && toUser(r);
  }

  async getUserById(userId: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return r && toUser(r);
  }

  async listUsers(accountId: string, options: ListOptions): Promise<Page<UserRecord>> {
    let q = this.db.selectFrom('users').selectAll().where('account_id', '=', accountId);
    if (options.pathPrefix)
      q = q.where(sql<boolean>`substr(path, 1, ${options.pathPrefix.length}) = ${options.pathPrefix}`);
    if (options.marker) q = q.where('name_key', '>', decodeMarker(options.marker));
    const rows = await q
      .orderBy('name_key')
      .limit(options.maxItems + 1)
      .execute();
    const items = rows.slice(0, options.maxItems).map(toUser);
    return rows.length > options.maxItems
      ? { items, marker: encodeMarker(rows[options.maxItems - 1]!.name_key) }
      : { items };
  }

  async deleteUser(accountId: string, userId: string): Promise<DeleteUserResult> {
    return this.change(async (trx) => {
      const keys = await trx
        .selectFrom('access_keys')
        .select('access_key_id')
        .where('account_id', '=', accountId)
        .where('owner_id', '=', userId)
        .limit(1)
        .execute();
      if (keys.length) return 'has-keys';
      const blocker = await userDependents(trx, userId);
      if (blocker) return blocker;
      const r = await trx.deleteFrom('users').where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1 ? 'deleted' : 'missing';
    });
  }

  renameEntity(entity: RenamableEntity, id: string, changes: { name?: string; path?: string }) {
    return this.change((trx) => rename(trx, entity, id, changes));
  }

  async createAccessKey(key: AccessKeyRecord, maxPerOwner: number): Promise<CreateAccessKeyResult> {
    const owner = key.userId ?? '';
    return this.change(async (trx) => {
      await this.lockOwner(trx, key.accountId, owner);
      if (owner) {
        const user = await trx.selectFrom('users').select('user_id').where('user_id', '=', owner).executeTakeFirst();
        if (!user) return 'no-such-owner';
      }
      const { n } = await trx
        .selectFrom('access_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', key.accountId)
        .where('owner_id', '=', owner)
        .executeTakeFirstOrThrow();
      if (Number(n) >= maxPerOwner) return 'limit-exceeded';
      await trx
        .insertInto('access_keys')
        .values({
          access_key_id: key.accessKeyId,
          account_id: key.accountId,
          owner_id: owner,
          secret_encrypted: key.secretEncrypted,
          status: key.status,
          created_at: key.createdAt,
          last_used_at: null,
          last_used_region: null,
          last_used_service: null,
        })
        .execute();
      return 'created';
    });
  }

  /**
   * Serialises writers that check a per-owner invariant (at most two keys). Both stores need nothing here today:
   * SQLite writes begin IMMEDIATE (the only write lock), PostgreSQL changes take the store's advisory write lock
   * first. A store that let writers run side by side would lock the owner here.
   */
  protected async lockOwner(_trx: Transaction<Database>, _accountId: string, _ownerId: string): Promise<void> {}

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('access_key_id', '=', accessKeyId)
      .executeTakeFirst();
    return r && toKey(r);
  }

  async listAccessKeys(accountId: string, userId: string | undefined): Promise<AccessKeyRecord[]> {
    const rows = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('owner_id', '=', userId ?? '')
      .orderBy('created_at')
      .execute();
    return rows.map(toKey);
  }

  async updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
    const r = await this.change((trx) =>
      trx.updateTable('access_keys').set({ status }).where('access_key_id', '=', accessKeyId).executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) === 1;
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    const r = await this.change((trx) =>
      trx.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).executeTakeFirst(),
    );
    return Number(r.numDeletedRows) === 1;
  }

  async recordRoleUse(uses: RoleUse[]): Promise<void> {
    if (uses.length) await this.db.transaction().execute((trx) => roles.recordUses(trx, uses));
  }

  async recordAccessKeyUse(uses: AccessKeyUse[]): Promise<void> {
    if (!uses.length) return;
    await this.db.transaction().execute(async (trx) => {
      for (const u of uses) {
        await trx
          .updateTable('access_keys')
          .set({ last_used_at: u.at, last_used_region: u.region, last_used_service: u.service })
          .where('access_key_id', '=', u.accessKeyId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', u.at)]))
          .execute();
      }
    });
  }

  // Roles, groups, policies and MFA devices (issue 3): the SQL lives in ./sql/, one module per entity.

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
    return policies.managedByArn(this.db, arn);
  }
  listManagedPolicies(accountId: string, options: PolicyListOptions): Promise<Page<ManagedPolicyRecord>> {
    return policies.listManaged(this.db, accountId, options);
  }
  deleteManagedPolicy(arn: string) {
    return this.change((trx) => policies.deleteManaged(trx, arn));
  }
  getPolicyVersion(policyId: string, versionId: string): Promise<PolicyVersionRecord | undefined> {
    return policies.getVersion(this.db, policyId, versionId);
  }
  listPolicyVersions(policyId: string) {
    return policies.listVersions(this.db, policyId);
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
    return policies.listAttached(this.db, ownerId);
  }
  policyEntities(policyArn: string) {
    return entitiesOfPolicy(this.db, policyArn);
  }
  attachedPolicyDocuments(ownerIds: string[]): Promise<AttachedPolicyDocument[]> {
    return policies.attachedDocuments(this.db, ownerIds);
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
