/**
 * Tables and migrations, written once for both dialects: only `text` and `bigint` columns, times as epoch
 * milliseconds, secrets as base64 text. `revision` holds one counter that every real change bumps, so that
 * caches on other connections and nodes can tell they are stale.
 */
import { Kysely, sql } from 'kysely';
import { AWS_MANAGED_POLICIES, awsManagedPolicyArn } from './aws-managed-policies.js';

export interface Database {
  schema_migrations: { name: string; applied_at: number };
  revision: { id: number; n: number };
  accounts: { account_id: string; created_at: number; global_endpoint_token_version: number };
  token_keys: { key_id: number; key_encrypted: string; created_at: number };
  users: {
    user_id: string;
    account_id: string;
    user_name: string;
    name_key: string;
    path: string;
    created_at: number;
    tags: string;
    /** The ARN of the managed policy that is the user's permissions boundary. */
    permissions_boundary: string | null;
  };
  access_keys: {
    access_key_id: string;
    account_id: string;
    /** '' for the root's own keys, so that the per-owner limit and index work alike in both dialects. */
    owner_id: string;
    secret_encrypted: string;
    status: string;
    created_at: number;
    last_used_at: number | null;
    last_used_region: string | null;
    last_used_service: string | null;
  };
  roles: {
    role_id: string;
    account_id: string;
    role_name: string;
    name_key: string;
    path: string;
    created_at: number;
    trust_policy: string;
    description: string | null;
    max_session_duration: number;
    tags: string;
    last_used_at: number | null;
    last_used_region: string | null;
    permissions_boundary: string | null;
  };
  groups: {
    group_id: string;
    account_id: string;
    group_name: string;
    name_key: string;
    path: string;
    created_at: number;
  };
  group_members: { group_id: string; user_id: string };
  /** Inline policies of users, groups and roles; owner ids are unique across the three (AIDA, AGPA, AROA). */
  inline_policies: { owner_id: string; policy_name: string; name_key: string; document: string };
  /** Customer managed policies, and AWS managed ones under account_id 'aws'. */
  managed_policies: {
    policy_id: string;
    account_id: string;
    arn: string;
    policy_name: string;
    name_key: string;
    path: string;
    description: string | null;
    default_version: string;
    next_version: number;
    created_at: number;
    updated_at: number;
    tags: string;
  };
  policy_versions: { policy_id: string; version_id: string; document: string; created_at: number };
  /** Managed policies attached to users, groups and roles, by policy ARN. */
  policy_attachments: { owner_id: string; policy_arn: string };
  mfa_devices: {
    serial_number: string;
    account_id: string;
    path: string;
    device_name: string;
    /** The TOTP seed sealed under the master key, bound to the serial number. */
    seed_encrypted: string;
    /** '' while the device is assigned to nobody. */
    user_id: string;
    enabled_at: number | null;
    /** The last TOTP time step accepted: a code is never accepted twice. */
    last_step: number;
    created_at: number;
    tags: string;
  };
  /** An account's explicit STS region settings: active 1 or 0 (regions not listed keep their default). */
  account_regions: { account_id: string; region: string; active: number };
  /** Account aliases: at most one per account, and unique among the accounts of the store. */
  account_aliases: { alias: string; account_id: string };
  /** IAM OpenID Connect providers; client ids, thumbprints and tags as JSON arrays. */
  oidc_providers: {
    arn: string;
    account_id: string;
    url: string;
    client_ids: string;
    thumbprints: string;
    created_at: number;
    tags: string;
  };
  /** IAM SAML providers: the metadata document as uploaded, tags as a JSON array. */
  saml_providers: {
    arn: string;
    account_id: string;
    name: string;
    metadata: string;
    valid_until: number | null;
    created_at: number;
    tags: string;
  };
  /**
   * Outbound identity federation (GetWebIdentityToken), one row per account that ever enabled it: enabled 1 or 0
   * (a disabled account keeps its row, so GetOutboundWebIdentityFederationInfo still answers).
   */
  outbound_federation: { account_id: string; enabled: number; changed_at: number };
  /** The JWT signing keys of outbound federation: the private key (PKCS#8 PEM) sealed under the master key. */
  outbound_signing_keys: {
    kid: string;
    account_id: string;
    alg: string;
    private_key_encrypted: string;
    /** The public key as a JWK (JSON text), served in the issuer's JWKS. */
    public_jwk: string;
    created_at: number;
  };
  /**
   * One row (id 1), written when the store is created: a known text sealed under the master key, so that a start
   * with another key is refused before it reads, or writes, anything sealed (see tokens/store-master-key.ts).
   */
  master_key_check: { id: number; sealed: string; created_at: number };
  /** Instance profiles: the role each holds (AWS allows one; null while empty), tags as a JSON array. */
  instance_profiles: {
    instance_profile_id: string;
    account_id: string;
    name: string;
    name_key: string;
    path: string;
    created_at: number;
    tags: string;
    role_id: string | null;
  };
}

export interface Migration {
  name: string;
  up(db: Kysely<Database>): Promise<void>;
}

/**
 * Every migration, in the order they run; applied ones are recorded by name in `schema_migrations` (migrator.ts).
 * Append only: never rename, reorder or edit one that has shipped, or existing databases no longer match.
 */
export const migrations: Migration[] = [
  {
    name: '0001-core',
    async up(db) {
      await db.schema
        .createTable('revision')
        .ifNotExists()
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('revision').values({ id: 1, n: 0 }).execute();
      await db.schema
        .createTable('accounts')
        .ifNotExists()
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('global_endpoint_token_version', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('token_keys')
        .ifNotExists()
        .addColumn('key_id', 'bigint', (c) => c.primaryKey())
        .addColumn('key_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .ifNotExists()
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('users_name')
        .ifNotExists()
        .unique()
        .on('users')
        .columns(['account_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('access_keys')
        .ifNotExists()
        .addColumn('access_key_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('secret_encrypted', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('last_used_region', 'text')
        .addColumn('last_used_service', 'text')
        .execute();
      await db.schema
        .createIndex('access_keys_owner')
        .ifNotExists()
        .on('access_keys')
        .columns(['account_id', 'owner_id'])
        .execute();
    },
  },
  {
    name: '0002-roles-policies-mfa',
    async up(db) {
      await db.schema
        .createTable('roles')
        .ifNotExists()
        .addColumn('role_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('role_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('trust_policy', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('max_session_duration', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('roles_name')
        .ifNotExists()
        .unique()
        .on('roles')
        .columns(['account_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('groups')
        .ifNotExists()
        .addColumn('group_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('group_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('groups_name')
        .ifNotExists()
        .unique()
        .on('groups')
        .columns(['account_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('group_members')
        .ifNotExists()
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('group_members_user')
        .ifNotExists()
        .on('group_members')
        .columns(['user_id'])
        .execute();
      await db.schema
        .createTable('inline_policies')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('policy_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inline_policies_pk', ['owner_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('managed_policies')
        .ifNotExists()
        .addColumn('policy_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('arn', 'text', (c) => c.notNull().unique())
        .addColumn('policy_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('default_version', 'text', (c) => c.notNull())
        .addColumn('next_version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('managed_policies_name')
        .ifNotExists()
        .unique()
        .on('managed_policies')
        .columns(['account_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('policy_versions')
        .ifNotExists()
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version_id'])
        .execute();
      await db.schema
        .createTable('policy_attachments')
        .ifNotExists()
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('policy_arn', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_attachments_pk', ['owner_id', 'policy_arn'])
        .execute();
      await db.schema
        .createIndex('policy_attachments_arn')
        .ifNotExists()
        .on('policy_attachments')
        .columns(['policy_arn'])
        .execute();
      await db.schema
        .createTable('mfa_devices')
        .ifNotExists()
        .addColumn('serial_number', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('device_name', 'text', (c) => c.notNull())
        .addColumn('seed_encrypted', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('enabled_at', 'bigint')
        .addColumn('last_step', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('mfa_devices_user')
        .ifNotExists()
        .on('mfa_devices')
        .columns(['account_id', 'user_id'])
        .execute();
      for (const p of AWS_MANAGED_POLICIES) {
        await db
          .insertInto('managed_policies')
          .values({
            policy_id: p.policyId,
            account_id: 'aws',
            arn: awsManagedPolicyArn(p.name),
            policy_name: p.name,
            name_key: p.name.toLowerCase(),
            path: '/',
            description: p.description,
            default_version: 'v1',
            next_version: 2,
            created_at: p.createdAt,
            updated_at: p.createdAt,
            tags: '[]',
          })
          .execute();
        await db
          .insertInto('policy_versions')
          .values({ policy_id: p.policyId, version_id: 'v1', document: p.document, created_at: p.createdAt })
          .execute();
      }
    },
  },
  {
    name: '0003-account-regions',
    async up(db) {
      await db.schema
        .createTable('account_regions')
        .ifNotExists()
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('active', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('account_regions_pk', ['account_id', 'region'])
        .execute();
    },
  },
  {
    name: '0004-oidc-providers',
    async up(db) {
      await db.schema
        .createTable('oidc_providers')
        .ifNotExists()
        .addColumn('arn', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('client_ids', 'text', (c) => c.notNull())
        .addColumn('thumbprints', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('oidc_providers_account')
        .ifNotExists()
        .on('oidc_providers')
        .columns(['account_id'])
        .execute();
    },
  },
  {
    name: '0005-role-last-used',
    async up(db) {
      // One column per statement: SQLite adds one at a time.
      await db.schema.alterTable('roles').addColumn('last_used_at', 'bigint').execute();
      await db.schema.alterTable('roles').addColumn('last_used_region', 'text').execute();
    },
  },
  {
    name: '0006-permissions-boundaries',
    async up(db) {
      await db.schema.alterTable('users').addColumn('permissions_boundary', 'text').execute();
      await db.schema.alterTable('roles').addColumn('permissions_boundary', 'text').execute();
      // GetPolicy counts a policy's boundary uses and DeletePolicy looks for one.
      await db.schema
        .createIndex('users_permissions_boundary')
        .ifNotExists()
        .on('users')
        .columns(['permissions_boundary'])
        .execute();
      await db.schema
        .createIndex('roles_permissions_boundary')
        .ifNotExists()
        .on('roles')
        .columns(['permissions_boundary'])
        .execute();
    },
  },
  {
    name: '0007-saml-providers',
    async up(db) {
      await db.schema
        .createTable('saml_providers')
        .ifNotExists()
        .addColumn('arn', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('saml_providers_account')
        .ifNotExists()
        .on('saml_providers')
        .columns(['account_id'])
        .execute();
    },
  },
  {
    name: '0008-outbound-federation',
    async up(db) {
      await db.schema
        .createTable('outbound_federation')
        .ifNotExists()
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'bigint', (c) => c.notNull())
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('outbound_signing_keys')
        .ifNotExists()
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('outbound_signing_keys_account')
        .ifNotExists()
        .on('outbound_signing_keys')
        .columns(['account_id'])
        .execute();
    },
  },
  {
    name: '0009-master-key-check',
    async up(db) {
      await db.schema
        .createTable('master_key_check')
        .ifNotExists()
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  {
    name: '0010-instance-profiles',
    async up(db) {
      await db.schema
        .createTable('instance_profiles')
        .ifNotExists()
        .addColumn('instance_profile_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('role_id', 'text')
        .execute();
      await db.schema
        .createIndex('instance_profiles_name')
        .ifNotExists()
        .unique()
        .on('instance_profiles')
        .columns(['account_id', 'name_key'])
        .execute();
      // ListInstanceProfilesForRole, and DeleteRole's check.
      await db.schema
        .createIndex('instance_profiles_role')
        .ifNotExists()
        .on('instance_profiles')
        .columns(['role_id'])
        .execute();
    },
  },
  {
    name: '0011-account-aliases',
    async up(db) {
      await db.schema
        .createTable('account_aliases')
        .ifNotExists()
        .addColumn('alias', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('account_aliases_account')
        .ifNotExists()
        .unique()
        .on('account_aliases')
        .columns(['account_id'])
        .execute();
    },
  },
];

export const bumpRevision = (db: Kysely<Database>) => sql`update revision set n = n + 1 where id = 1`.execute(db);
