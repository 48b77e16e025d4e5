/**
 * Account-wide IAM: GetAccountSummary (entity counts and quotas, with the global endpoint's token version) and
 * SetSecurityTokenServicePreferences (which token version the global STS endpoint issues; see service/regions.ts).
 */
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
