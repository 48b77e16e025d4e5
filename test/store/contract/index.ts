/** Every contract suite, one per part of the Store (src/store/contract/), run against one backend. */
import { accessKeyStoreContract } from './access-keys.js';
import { accountStoreContract } from './accounts.js';
import { permissionsBoundaryStoreContract } from './boundaries.js';
import { groupStoreContract } from './groups.js';
import { type Backend, checkEveryPartHasASuite } from './harness.js';
import { inlinePolicyStoreContract } from './inline-policies.js';
import { instanceProfileStoreContract } from './instance-profiles.js';
import { keyringStoreContract } from './keyring.js';
import { storeLifecycleContract } from './lifecycle.js';
import { managedPolicyStoreContract } from './managed-policies.js';
import { masterKeyCheckStoreContract } from './master-key.js';
import { mfaDeviceStoreContract } from './mfa-devices.js';
import { oidcProviderStoreContract } from './oidc-providers.js';
import { outboundFederationStoreContract } from './outbound-federation.js';
import { policyAttachmentStoreContract } from './policy-attachments.js';
import { renameStoreContract } from './renames.js';
import { roleStoreContract } from './roles.js';
import { samlProviderStoreContract } from './saml-providers.js';
import { tagStoreContract } from './tags.js';
import { userStoreContract } from './users.js';

export type { Backend } from './harness.js';

export function storeContracts(backend: Backend): void {
  storeLifecycleContract(backend);
  masterKeyCheckStoreContract(backend);
  keyringStoreContract(backend);
  accountStoreContract(backend);
  userStoreContract(backend);
  renameStoreContract(backend);
  accessKeyStoreContract(backend);
  tagStoreContract(backend);
  roleStoreContract(backend);
  permissionsBoundaryStoreContract(backend);
  groupStoreContract(backend);
  inlinePolicyStoreContract(backend);
  managedPolicyStoreContract(backend);
  policyAttachmentStoreContract(backend);
  mfaDeviceStoreContract(backend);
  oidcProviderStoreContract(backend);
  samlProviderStoreContract(backend);
  instanceProfileStoreContract(backend);
  outboundFederationStoreContract(backend);
  checkEveryPartHasASuite(backend);
}
