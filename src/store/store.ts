/**
 * The Store contract: everything OpenSTS keeps. SQLite (embedded default) and PostgreSQL (shared by several nodes)
 * implement it with the same SQL. It is made of one interface per entity (./contract/), each with the list of its
 * methods and a contract suite in test/store/contract/ that both backends run and that calls every listed method.
 * Secrets arrive here already encrypted under the master key: the store never sees a plaintext secret.
 */
import { type AccessKeyStore, ACCESS_KEY_STORE_METHODS } from './contract/access-keys.js';
import { type AccountStore, ACCOUNT_STORE_METHODS } from './contract/accounts.js';
import { type PermissionsBoundaryStore, PERMISSIONS_BOUNDARY_STORE_METHODS } from './contract/boundaries.js';
import { methodNames } from './contract/common.js';
import { type GroupStore, GROUP_STORE_METHODS } from './contract/groups.js';
import { type InlinePolicyStore, INLINE_POLICY_STORE_METHODS } from './contract/inline-policies.js';
import { type InstanceProfileStore, INSTANCE_PROFILE_STORE_METHODS } from './contract/instance-profiles.js';
import { type KeyringStore, KEYRING_STORE_METHODS } from './contract/keyring.js';
import { type StoreLifecycle, STORE_LIFECYCLE_METHODS } from './contract/lifecycle.js';
import { type ManagedPolicyStore, MANAGED_POLICY_STORE_METHODS } from './contract/managed-policies.js';
import { type MasterKeyCheckStore, MASTER_KEY_CHECK_STORE_METHODS } from './contract/master-key.js';
import { type MfaDeviceStore, MFA_DEVICE_STORE_METHODS } from './contract/mfa-devices.js';
import { type OidcProviderStore, OIDC_PROVIDER_STORE_METHODS } from './contract/oidc-providers.js';
import { type OutboundFederationStore, OUTBOUND_FEDERATION_STORE_METHODS } from './contract/outbound-federation.js';
import { type PolicyAttachmentStore, POLICY_ATTACHMENT_STORE_METHODS } from './contract/policy-attachments.js';
import { type RenameStore, RENAME_STORE_METHODS } from './contract/renames.js';
import { type RoleStore, ROLE_STORE_METHODS } from './contract/roles.js';
import { type SamlProviderStore, SAML_PROVIDER_STORE_METHODS } from './contract/saml-providers.js';
import { type TagStore, TAG_STORE_METHODS } from './contract/tags.js';
import { type UserStore, USER_STORE_METHODS } from './contract/users.js';

export * from './contract/access-keys.js';
export * from './contract/accounts.js';
export * from './contract/boundaries.js';
export * from './contract/common.js';
export * from './contract/groups.js';
export * from './contract/inline-policies.js';
export * from './contract/instance-profiles.js';
export * from './contract/keyring.js';
export * from './contract/lifecycle.js';
export * from './contract/managed-policies.js';
export * from './contract/master-key.js';
export * from './contract/mfa-devices.js';
export * from './contract/oidc-providers.js';
export * from './contract/outbound-federation.js';
export * from './contract/policy-attachments.js';
export * from './contract/renames.js';
export * from './contract/roles.js';
export * from './contract/saml-providers.js';
export * from './contract/tags.js';
export * from './contract/users.js';

export interface Store
  extends StoreLifecycle,
    MasterKeyCheckStore,
    KeyringStore,
    AccountStore,
    UserStore,
    RenameStore,
    AccessKeyStore,
    TagStore,
    RoleStore,
    PermissionsBoundaryStore,
    GroupStore,
    InlinePolicyStore,
    ManagedPolicyStore,
    PolicyAttachmentStore,
    MfaDeviceStore,
    OidcProviderStore,
    SamlProviderStore,
    InstanceProfileStore,
    OutboundFederationStore {}

/** Each part of the Store and its methods: what the contract tests check their suites against. */
export const STORE_PARTS = {
  StoreLifecycle: STORE_LIFECYCLE_METHODS,
  MasterKeyCheckStore: MASTER_KEY_CHECK_STORE_METHODS,
  KeyringStore: KEYRING_STORE_METHODS,
  AccountStore: ACCOUNT_STORE_METHODS,
  UserStore: USER_STORE_METHODS,
  RenameStore: RENAME_STORE_METHODS,
  AccessKeyStore: ACCESS_KEY_STORE_METHODS,
  TagStore: TAG_STORE_METHODS,
  RoleStore: ROLE_STORE_METHODS,
  PermissionsBoundaryStore: PERMISSIONS_BOUNDARY_STORE_METHODS,
  GroupStore: GROUP_STORE_METHODS,
  InlinePolicyStore: INLINE_POLICY_STORE_METHODS,
  ManagedPolicyStore: MANAGED_POLICY_STORE_METHODS,
  PolicyAttachmentStore: POLICY_ATTACHMENT_STORE_METHODS,
  MfaDeviceStore: MFA_DEVICE_STORE_METHODS,
  OidcProviderStore: OIDC_PROVIDER_STORE_METHODS,
  SamlProviderStore: SAML_PROVIDER_STORE_METHODS,
  InstanceProfileStore: INSTANCE_PROFILE_STORE_METHODS,
  OutboundFederationStore: OUTBOUND_FEDERATION_STORE_METHODS,
} as const;

export type StorePart = keyof typeof STORE_PARTS;

/** Every method of the Store, part by part; tsc refuses the list when a method of the Store is in no part's list. */
export const STORE_METHODS = methodNames<Store>()([
  ...STORE_LIFECYCLE_METHODS,
  ...MASTER_KEY_CHECK_STORE_METHODS,
  ...KEYRING_STORE_METHODS,
  ...ACCOUNT_STORE_METHODS,
  ...USER_STORE_METHODS,
  ...RENAME_STORE_METHODS,
  ...ACCESS_KEY_STORE_METHODS,
  ...TAG_STORE_METHODS,
  ...ROLE_STORE_METHODS,
  ...PERMISSIONS_BOUNDARY_STORE_METHODS,
  ...GROUP_STORE_METHODS,
  ...INLINE_POLICY_STORE_METHODS,
  ...MANAGED_POLICY_STORE_METHODS,
  ...POLICY_ATTACHMENT_STORE_METHODS,
  ...MFA_DEVICE_STORE_METHODS,
  ...OIDC_PROVIDER_STORE_METHODS,
  ...SAML_PROVIDER_STORE_METHODS,
  ...INSTANCE_PROFILE_STORE_METHODS,
  ...OUTBOUND_FEDERATION_STORE_METHODS,
]);
