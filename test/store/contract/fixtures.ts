/** Records the contract suites create: one account, ids derived from names. */
import type {
  AccessKeyRecord,
  GroupRecord,
  InstanceProfileRecord,
  ManagedPolicyRecord,
  MfaDeviceRecord,
  OidcProviderRecord,
  RoleRecord,
  SamlProviderRecord,
  UserRecord,
} from '../../../src/store/store.js';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '999999999999';

const id = (prefix: string, name: string) => `${prefix}${name.toUpperCase().padEnd(17, 'X')}`;

export const user = (name: string, path = '/'): UserRecord => ({
  accountId: ACCOUNT,
  userId: id('AIDA', name),
  userName: name,
  path,
  createdAt: 1000,
  tags: [],
});

export const key = (accessKeyId: string, userId?: string): AccessKeyRecord => ({
  accessKeyId,
  accountId: ACCOUNT,
  userId,
  secretEncrypted: 'sealed',
  status: 'Active',
  createdAt: 2000,
});

export const role = (name: string, path = '/'): RoleRecord => ({
  accountId: ACCOUNT,
  roleId: id('AROA', name),
  roleName: name,
  path,
  createdAt: 1,
  trustPolicy: '{}',
  maxSessionDuration: 3600,
  tags: [],
});

export const group = (name: string, path = '/'): GroupRecord => ({
  accountId: ACCOUNT,
  groupId: id('AGPA', name),
  groupName: name,
  path,
  createdAt: 1,
});

export const managed = (name: string, path = '/'): ManagedPolicyRecord => ({
  accountId: ACCOUNT,
  policyId: id('ANPA', name),
  arn: `arn:aws:iam::${ACCOUNT}:policy${path}${name}`,
  policyName: name,
  path,
  defaultVersionId: 'v1',
  createdAt: 1,
  updatedAt: 1,
  tags: [],
});

export const device = (name: string): MfaDeviceRecord => ({
  serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${name}`,
  accountId: ACCOUNT,
  path: '/',
  deviceName: name,
  seedEncrypted: 'sealed',
  lastStep: 0,
  createdAt: 1,
  tags: [],
});

export const oidcProvider = (url: string, accountId = ACCOUNT): OidcProviderRecord => ({
  accountId,
  arn: `arn:aws:iam::${accountId}:oidc-provider/${url}`,
  url,
  clientIds: ['sts.amazonaws.com'],
  thumbprints: [],
  createdAt: 1,
  tags: [],
});

export const samlProvider = (name: string, accountId = ACCOUNT): SamlProviderRecord => ({
  accountId,
  arn: `arn:aws:iam::${accountId}:saml-provider/${name}`,
  name,
  metadata: `<EntityDescriptor entityID="${name}"/>`,
  validUntil: 1_900_000_000_000,
  createdAt: 1,
  tags: [],
});

export const profile = (name: string, path = '/'): InstanceProfileRecord => ({
  accountId: ACCOUNT,
  instanceProfileId: id('AIPA', name),
  name,
  path,
  createdAt: 1,
  tags: [],
});

/** A record without its undefined properties (stores leave optional ones out or set them undefined alike). */
export const plain = <T>(record: T): T => JSON.parse(JSON.stringify(record));
