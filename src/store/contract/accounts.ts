import { methodNames } from './common.js';

export interface AccountRecord {
  accountId: string;
  createdAt: number;
  /** The token version the global endpoint issues: 1 (default regions only) or 2 (all regions). */
  globalEndpointTokenVersion: number;
}

/** An account's explicit STS setting for one region (regions without one keep their default, see service/regions.ts). */
export interface RegionSetting {
  region: string;
  active: boolean;
}

/** What GetAccountSummary counts. */
export interface AccountSummaryCounts {
  users: number;
  groups: number;
  roles: number;
  /** Customer managed policies. */
  policies: number;
  /** Versions of the customer managed policies. */
  policyVersions: number;
  mfaDevices: number;
  mfaDevicesInUse: number;
  /** The account root's own access keys. */
  rootAccessKeys: number;
  instanceProfiles: number;
}

/** The account and its account-wide settings. */
export interface AccountStore {
  getAccount(): Promise<AccountRecord | undefined>;
  /** Creates the account unless one exists; answers the account that is stored either way. */
  ensureAccount(account: AccountRecord): Promise<AccountRecord>;
  /** SetSecurityTokenServicePreferences: 1 or 2. False when there is no such account. */
  setGlobalEndpointTokenVersion(accountId: string, version: number): Promise<boolean>;
  /** The account's explicit STS region settings, in region order. */
  listRegionSettings(accountId: string): Promise<RegionSetting[]>;
  /** Activates or deactivates STS in a region for the account. */
  setRegionActive(accountId: string, region: string, active: boolean): Promise<void>;
  accountSummary(accountId: string): Promise<AccountSummaryCounts>;
  /** The account's alias, as a list (AWS's shape): empty or one. */
  listAccountAliases(accountId: string): Promise<string[]>;
  /** Sets the account's one alias, replacing any other; false (and nothing changed) when another account has it. */
  setAccountAlias(accountId: string, alias: string): Promise<boolean>;
  /** False when the account has no such alias. */
  deleteAccountAlias(accountId: string, alias: string): Promise<boolean>;
}

export const ACCOUNT_STORE_METHODS = methodNames<AccountStore>()([
  'getAccount',
  'ensureAccount',
  'setGlobalEndpointTokenVersion',
  'listRegionSettings',
  'setRegionActive',
  'accountSummary',
  'listAccountAliases',
  'setAccountAlias',
  'deleteAccountAlias',
]);
