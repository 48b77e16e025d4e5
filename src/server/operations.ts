/**
 * Every operation the server answers: the declarations each module of sts/ and iam-api/ exports (singly, or in a
 * list for operations written once for several entity kinds), in one table checked against the models at load.
 */
import * as account from '../iam-api/account.js';
import * as accountAuthorizationDetails from '../iam-api/account-authorization-details.js';
import * as accessKeys from '../iam-api/access-keys.js';
import * as attachedPolicies from '../iam-api/attached-policies.js';
import * as groups from '../iam-api/groups.js';
import * as inlinePolicies from '../iam-api/inline-policies.js';
import * as instanceProfiles from '../iam-api/instance-profiles.js';
import * as managedPolicies from '../iam-api/managed-policies.js';
import * as mfaDevices from '../iam-api/mfa-devices.js';
import * as oidcProviders from '../iam-api/oidc-providers.js';
import * as outboundFederation from '../iam-api/outbound-federation.js';
import * as permissionsBoundaries from '../iam-api/permissions-boundaries.js';
import * as policyEntities from '../iam-api/policy-entities.js';
import * as policySimulator from '../iam-api/policy-simulator.js';
import * as roles from '../iam-api/roles.js';
import * as samlProviders from '../iam-api/saml-providers.js';
import * as tags from '../iam-api/tags.js';
import * as users from '../iam-api/users.js';
import type { ServiceName } from '../protocol/model.js';
import type { Operation, RegisteredOperation } from '../service/operation.js';
import { operationKey, operationTable } from '../service/operation-registry.js';
import * as assumeRole from '../sts/assume-role.js';
import * as assumeRoleWithSAML from '../sts/assume-role-with-saml.js';
import * as assumeRoleWithWebIdentity from '../sts/assume-role-with-web-identity.js';
import * as decodeAuthorizationMessage from '../sts/decode-authorization-message.js';
import * as getAccessKeyInfo from '../sts/get-access-key-info.js';
import * as getCallerIdentity from '../sts/get-caller-identity.js';
import * as getFederationToken from '../sts/get-federation-token.js';
import * as getSessionToken from '../sts/get-session-token.js';
import * as getWebIdentityToken from '../sts/get-web-identity-token.js';

const MODULES: readonly object[] = [
  getCallerIdentity,
  getSessionToken,
  getAccessKeyInfo,
  assumeRole,
  assumeRoleWithWebIdentity,
  assumeRoleWithSAML,
  getFederationToken,
  decodeAuthorizationMessage,
  getWebIdentityToken,
  account,
  users,
  accessKeys,
  roles,
  tags,
  groups,
  managedPolicies,
  mfaDevices,
  oidcProviders,
  samlProviders,
  outboundFederation,
  instanceProfiles,
  policyEntities,
  accountAuthorizationDetails,
  policySimulator,
  inlinePolicies,
  attachedPolicies,
  permissionsBoundaries,
];

const isOperation = (v: unknown): v is Operation =>
  typeof v === 'object' && v !== null && 'handle' in v && 'name' in v && 'service' in v;
/** A module's exported declarations, and those of the lists it exports. */
const operationsOf = (module: object): Operation[] => Object.values(module).flat().filter(isOperation);

const table = operationTable(MODULES.flatMap(operationsOf));

export function findOperation(service: ServiceName, name: string): RegisteredOperation | undefined {
  return table.get(operationKey(service, name));
}
