/** Every operation the server answers, by service and wire name. */
import * as account from '../iam-api/account.js';
import { getAccountAuthorizationDetails } from '../iam-api/account-authorization-details.js';
import * as accessKeys from '../iam-api/access-keys.js';
import { attachedPolicyOperationList } from '../iam-api/attached-policies.js';
import * as groups from '../iam-api/groups.js';
import { inlinePolicyOperationList } from '../iam-api/inline-policies.js';
import * as instanceProfiles from '../iam-api/instance-profiles.js';
import * as managedPolicies from '../iam-api/managed-policies.js';
import * as mfaDevices from '../iam-api/mfa-devices.js';
import * as oidcProviders from '../iam-api/oidc-providers.js';
import * as outboundFederation from '../iam-api/outbound-federation.js';
import { permissionsBoundaryOperationList } from '../iam-api/permissions-boundaries.js';
import { listEntitiesForPolicy } from '../iam-api/policy-entities.js';
import * as policySimulator from '../iam-api/policy-simulator.js';
import * as roles from '../iam-api/roles.js';
import * as samlProviders from '../iam-api/saml-providers.js';
import * as tags from '../iam-api/tags.js';
import * as users from '../iam-api/users.js';
import type { ServiceName } from '../protocol/model.js';
import type { Operation } from '../service/operation.js';
import { assumeRole } from '../sts/assume-role.js';
import { assumeRoleWithSAML } from '../sts/assume-role-with-saml.js';
import { assumeRoleWithWebIdentity } from '../sts/assume-role-with-web-identity.js';
import { decodeAuthorizationMessage } from '../sts/decode-authorization-message.js';
import { getAccessKeyInfo } from '../sts/get-access-key-info.js';
import { getCallerIdentity } from '../sts/get-caller-identity.js';
import { getFederationToken } from '../sts/get-federation-token.js';
import { getSessionToken } from '../sts/get-session-token.js';
import { getWebIdentityToken } from '../sts/get-web-identity-token.js';

const isOperation = (v: unknown): v is Operation => typeof v === 'object' && v !== null && 'handle' in v && 'name' in v;
/** A module's exported operations, and those of the lists it exports. */
const operationsOf = (module: object): Operation[] => Object.values(module).flat().filter(isOperation);

const all: Operation[] = [
  getCallerIdentity,
  getSessionToken,
  getAccessKeyInfo,
  assumeRole,
  assumeRoleWithWebIdentity,
  assumeRoleWithSAML,
  getFederationToken,
  decodeAuthorizationMessage,
  getWebIdentityToken,
  ...operationsOf(account),
  ...operationsOf(users),
  ...operationsOf(accessKeys),
  ...operationsOf(roles),
  ...operationsOf(tags),
  ...operationsOf(groups),
  ...operationsOf(managedPolicies),
  ...operationsOf(mfaDevices),
  ...operationsOf(oidcProviders),
  ...operationsOf(samlProviders),
  ...operationsOf(outboundFederation),
  ...operationsOf(instanceProfiles),
  listEntitiesForPolicy,
  getAccountAuthorizationDetails,
  ...operationsOf(policySimulator),
  ...inlinePolicyOperationList,
  ...attachedPolicyOperationList,
  ...permissionsBoundaryOperationList,
];

const byName = new Map<string, Operation>(all.map((op) => [`${op.service}:${op.name}`, op]));

export function findOperation(service: ServiceName, name: string): Operation | undefined {
  return byName.get(`${service}:${name}`);
}
