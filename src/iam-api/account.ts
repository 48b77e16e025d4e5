/**
 * Account-wide IAM: GetAccountSummary (entity counts and quotas, with the global endpoint's token version),
 * SetSecurityTokenServicePreferences (which token version the global STS endpoint issues; see service/regions.ts),
 * and the account's alias (Create/Delete/ListAccountAliases).
 */
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';

/** AWS's default quotas, as GetAccountSummary reports them. */
const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  ServerCertificatesQuota: 20,
  InstanceProfilesQuota: 1000,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  PolicySizeQuota: 6144,
  AssumeRolePolicySizeQuota: 2048,
  GroupsPerUserQuota: 10,
  SigningCertificatesPerUserQuota: 2,
  AccessKeysPerUserQuota: 2,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  VersionsPerPolicyQuota: 5,
  PolicyVersionsInUseQuota: 10000,
} as const;

export const getAccountSummary = operation({
  service: 'iam',
  name: 'GetAccountSummary',
  permission: () => ['iam:GetAccountSummary', '*'],
  handle: async ({ app }) => {
    const [counts, settings] = await Promise.all([
      app.store.accountSummary(app.accountId),
      app.settings.get(app.accountId),
    ]);
    return {
      SummaryMap: {
        Users: counts.users,
        Groups: counts.groups,
        Roles: counts.roles,
        Policies: counts.policies,
        PolicyVersionsInUse: counts.policyVersions,
        MFADevices: counts.mfaDevices,
        MFADevicesInUse: counts.mfaDevicesInUse,
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: counts.rootAccessKeys > 0 ? 1 : 0,
        AccountPasswordPresent: 0,
        AccountSigningCertificatesPresent: 0,
        ServerCertificates: 0,
        InstanceProfiles: counts.instanceProfiles,
        Providers: 0,
        GlobalEndpointTokenVersion: settings.globalEndpointTokenVersion,
        ...QUOTAS,
      },
    };
  },
});

export const setSecurityTokenServicePreferences = operation({
  service: 'iam',
  name: 'SetSecurityTokenServicePreferences',
  permission: () => ['iam:SetSecurityTokenServicePreferences', '*'],
  handle: async ({ input, app }) => {
    await app.store.setGlobalEndpointTokenVersion(
      app.accountId,
      input.GlobalEndpointTokenVersion === 'v2Token' ? 2 : 1,
    );
  },
});

// Account aliases: an account has one at most, and a new one replaces it (AWS: "Your AWS account can have only one
// alias. If you create a new alias, it overwrites the previous one"); an alias another account has is refused.
// UNCONFIRMED wording of both refusals: no recording of them is public.

export const createAccountAlias = operation({
  service: 'iam',
  name: 'CreateAccountAlias',
  permission: () => ['iam:CreateAccountAlias', '*'],
  handle: async ({ input, app }) => {
    if (!(await app.store.setAccountAlias(app.accountId, input.AccountAlias)))
      throw errors.entityAlreadyExists(`The account alias ${input.AccountAlias} already exists.`);
  },
});

export const deleteAccountAlias = operation({
  service: 'iam',
  name: 'DeleteAccountAlias',
  permission: () => ['iam:DeleteAccountAlias', '*'],
  handle: async ({ input, app }) => {
    if (!(await app.store.deleteAccountAlias(app.accountId, input.AccountAlias)))
      throw errors.noSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
  },
});

export const listAccountAliases = operation({
  service: 'iam',
  name: 'ListAccountAliases',
  permission: () => ['iam:ListAccountAliases', '*'],
  // One alias at most: a single page, whatever MaxItems says.
  handle: async ({ app }) => ({
    AccountAliases: await app.store.listAccountAliases(app.accountId),
    IsTruncated: false,
  }),
});
