/** A typed view of one profile, and which kind of credentials it yields (botocore's provider order). */
import {
  type ConfigSection,
  type Env,
  InvalidConfigError,
  type SharedConfigFiles,
  resolveProfile,
  scalarSetting,
} from './shared-config.js';

export type ProfileKind = 'static' | 'assume-role' | 'web-identity' | 'process' | 'none';
/** Where the profile sits: the one asked for, or a `source_profile` further down a role chain. */
export type ProfilePosition = 'top' | 'source';

export const CREDENTIAL_SOURCES = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer'] as const;
export type CredentialSource = (typeof CREDENTIAL_SOURCES)[number];

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly accountId?: string;
}

/** Which file static keys came from; botocore reads each file on its own and never mixes them. */
export type StaticKeysFile = 'credentials' | 'config';

export class PartialCredentialsError extends InvalidConfigError {
  override name = 'PartialCredentialsError';
}

export interface Profile {
  readonly name: string;
  /** Every setting, credentials-file keys over config-file keys; for keys this view does not model. */
  readonly settings: ConfigSection;
  /** The static keys botocore would use: the credentials file's set if it has aws_access_key_id, else the config file's. */
  readonly staticCredentials?: StaticCredentials;
  readonly staticCredentialsFile?: StaticKeysFile;
  /** That file has aws_access_key_id without aws_secret_access_key: an error only if the keys get used. */
  readonly missingSecretIn?: StaticKeysFile;
  readonly region?: string;
  readonly roleArn?: string;
  readonly sourceProfile?: string;
  readonly credentialSource?: CredentialSource;
  readonly mfaSerial?: string;
  readonly externalId?: string;
  readonly durationSeconds?: number;
  readonly roleSessionName?: string;
  readonly credentialProcess?: string;
  readonly webIdentityTokenFile?: string;
  readonly endpointUrl?: string;
  /** Name of the `[services name]` section this profile uses. */
  readonly services?: string;
  /** Raw `legacy` / `regional`; validated where it is used, since AWS_STS_REGIONAL_ENDPOINTS overrides it. */
  readonly stsRegionalEndpoints?: string;
  readonly ignoreConfiguredEndpointUrls?: boolean;
  /** Our addition: further STS endpoints to fail over to, comma-separated (endpoints.ts resolveStsEndpoints). */
  readonly openstsEndpoints?: string;
  /** Our addition (as in aws-vault): a command that prints the current MFA code. */
  readonly mfaProcess?: string;
}

/** botocore's ensure_boolean: only "true" (any case) is true. */
export const configBoolean = (value: string): boolean => value.toLowerCase() === 'true';

function staticKeysIn(section: ConfigSection | undefined, profile: string) {
  if (!section || !('aws_access_key_id' in section)) return undefined;
  const get = (key: string) => scalarSetting(section, key, profile);
  return {
    accessKeyId: get('aws_access_key_id')!,
    secretAccessKey: get('aws_secret_access_key'),
    // botocore looks for the legacy name first, so it wins when both are present.
    sessionToken: get('aws_security_token') ?? get('aws_session_token'),
    accountId: get('aws_account_id'),
  };
}

function parseDuration(value: string | undefined, profile: string): number | undefined {
  if (value === undefined) return undefined;
  // botocore silently drops a value int() rejects; a typo deserves an error instead.
  const trimmed = value.trim();
  const seconds = /^\+?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new InvalidConfigError(
      `The duration_seconds "${value}" in profile "${profile}" is not a whole number of seconds.`,
    );
  }
  return seconds;
}

function parseCredentialSource(value: string | undefined, profile: string): CredentialSource | undefined {
  if (value === undefined || (CREDENTIAL_SOURCES as readonly string[]).includes(value))
    return value as CredentialSource | undefined;
  throw new InvalidConfigError(
    `The credential source "${value}" referenced in profile "${profile}" is not valid (use one of ${CREDENTIAL_SOURCES.join(', ')}).`,
  );
}

/** Reads a profile (undefined: the default one, possibly empty). Throws for unknown profiles and invalid values. */
export function readProfile(name: string | undefined, files: SharedConfigFiles): Profile {
  const profileName = name ?? 'default';
  const settings = resolveProfile(name, files);
  const get = (key: string) => scalarSetting(settings, key, profileName);
  // botocore's two file providers: the credentials file is asked first, each file on its own.
  const fromCredentials = staticKeysIn(files.credentials[profileName], profileName);
  const keys = fromCredentials ?? staticKeysIn(files.profiles[profileName], profileName);
  const keysFile: StaticKeysFile = fromCredentials ? 'credentials' : 'config';
  const secretAccessKey = keys?.secretAccessKey;
  const staticView = !keys
    ? {}
    : secretAccessKey === undefined
      ? { missingSecretIn: keysFile }
      : { staticCredentials: prune({ ...keys, secretAccessKey }), staticCredentialsFile: keysFile };
  const ignore = get('ignore_configured_endpoint_urls');
  const view: Profile = {
    name: profileName,
    settings,
    ...staticView,
    region: get('region'),
    roleArn: get('role_arn'),
    sourceProfile: get('source_profile'),
    credentialSource: parseCredentialSource(get('credential_source'), profileName),
    mfaSerial: get('mfa_serial'),
    externalId: get('external_id'),
    durationSeconds: parseDuration(get('duration_seconds'), profileName),
    roleSessionName: get('role_session_name'),
    credentialProcess: get('credential_process'),
    webIdentityTokenFile: get('web_identity_token_file'),
    endpointUrl: get('endpoint_url'),
    services: get('services'),
    stsRegionalEndpoints: get('sts_regional_endpoints'),
    ignoreConfiguredEndpointUrls: ignore === undefined ? undefined : configBoolean(ignore),
    mfaProcess: get('mfa_process'),
    openstsEndpoints: get('opensts_endpoints'),
  };
  return prune(view);
}

/** Drops undefined members so views compare and print cleanly. */
function prune<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Which credentials the profile yields, in botocore's provider order: at the top, a role
 * (`role_arn` without `web_identity_token_file`) wins over everything; then web identity, SSO,
 * credentials-file keys, `aws login`, `credential_process`, config-file keys. As a source profile,
 * having static keys (even a lone secret) disables the role and the same order applies.
 * Throws for configurations botocore rejects, and for SSO / `aws login` profiles, which opensts
 * does not support.
 */
export function classifyProfile(profile: Profile, position: ProfilePosition = 'top'): ProfileKind {
  const has = (key: string) => key in profile.settings;
  const role = has('role_arn') && !has('web_identity_token_file');
  const anyStaticKey = has('aws_access_key_id') || has('aws_secret_access_key');
  if (role && (position === 'top' || !anyStaticKey)) {
    checkRoleSource(profile);
    return 'assume-role';
  }
  if (profile.webIdentityTokenFile !== undefined) {
    if (!profile.roleArn) {
      throw new InvalidConfigError(
        `The profile "${profile.name}" is configured to assume role with web identity but has no role_arn.`,
      );
    }
    return 'web-identity';
  }
  if (has('sso_role_name') || has('sso_account_id')) {
    throw new InvalidConfigError(
      `The profile "${profile.name}" uses IAM Identity Center (SSO), which opensts does not support; ` +
        `point credential_process at "aws configure export-credentials --profile ${profile.name} --format process" instead.`,
    );
  }
  if (fromFile(profile, 'credentials')) return 'static';
  if (has('login_session'))
    throw new InvalidConfigError(
      `The profile "${profile.name}" uses "aws login" (login_session), which opensts does not support.`,
    );
  if (profile.credentialProcess !== undefined) return 'process';
  if (fromFile(profile, 'config')) return 'static';
  return 'none';
}

function fromFile(profile: Profile, file: StaticKeysFile): boolean {
  if (profile.missingSecretIn === file) {
    const provider = file === 'credentials' ? 'shared-credentials-file' : 'config-file';
    throw new PartialCredentialsError(
      `Partial credentials found in ${provider}, missing: aws_secret_access_key (profile "${profile.name}")`,
    );
  }
  return profile.staticCredentialsFile === file;
}

function checkRoleSource(profile: Profile): void {
  if (profile.sourceProfile !== undefined && profile.credentialSource !== undefined) {
    throw new InvalidConfigError(`The profile "${profile.name}" contains both source_profile and credential_source.`);
  }
  if (profile.sourceProfile === undefined && profile.credentialSource === undefined) {
    throw new PartialCredentialsError(
      `Partial credentials found in assume-role, missing: source_profile or credential_source (profile "${profile.name}")`,
    );
  }
}

/**
 * The profile to use: an explicit choice (`--profile`), else AWS_DEFAULT_PROFILE, else AWS_PROFILE
 * (botocore checks the legacy variable first), else undefined meaning "default, if it exists".
 */
export function selectProfileName(opts: { explicit?: string; env: Env }): string | undefined {
  return opts.explicit || opts.env.AWS_DEFAULT_PROFILE || opts.env.AWS_PROFILE || undefined;
}
