/**
 * Credentials of a profile in ~/.aws/config and ~/.aws/credentials: static keys, role_arn + source_profile chains with
 * mfa_serial / external_id / duration_seconds / role_session_name, credential_source, credential_process and
 * web_identity_token_file. An explicit `endpoint` reaches every STS call of a role chain, not only the last one.
 */
import { type AwsCredentials, CredentialProcessError } from '../credential-process.js';
import { type Profile, classifyProfile, readProfile, selectProfileName } from '../profile.js';
import { type Env, type SharedConfigFiles, loadSharedConfig, profileChain } from '../shared-config.js';
import type { CredentialProvider } from '../sts-client.js';
import { assumeRole } from './assume-role.js';
import { fromContainer } from './container.js';
import { fromEnv } from './env.js';
import { CredentialsExpiredError, CredentialsProviderError } from './errors.js';
import { memoize } from './memoize.js';
import { fromProcess } from './process.js';
import { sessionToken } from './session-token.js';
import { type StsCallOptions, asProvider } from './sts-call.js';
import { fromWebIdentity } from './web-identity.js';

export interface FromIniOptions extends StsCallOptions {
  /** Profile name; default AWS_DEFAULT_PROFILE / AWS_PROFILE / "default". */
  readonly profile?: string;
  readonly files?: SharedConfigFiles;
  readonly homeDir?: string;
  /** A code for the first MFA prompt of this provider (the CLI's --token-code). */
  readonly tokenCode?: string;
  /** Overrides for the top profile's role (CLI flags). */
  readonly durationSeconds?: number;
  readonly roleSessionName?: string;
  readonly processTimeoutMs?: number;
  /**
   * Temporary credentials even for long-term keys: a profile with static keys and no session token gets a
   * GetSessionToken session (always with MFA when it has mfa_serial). Used by `opensts exec/export`.
   */
  readonly sessionForStaticKeys?: boolean;
}

/** Credentials of a profile in ~/.aws/config and ~/.aws/credentials, following source_profile chains. */
export function fromIni(options: FromIniOptions = {}): CredentialProvider {
  return memoize(() => resolveProfileCredentials(options), {
    now: options.now,
    refreshWindowMs: options.refreshWindowMs,
  });
}

/** What `fromIni` does, without memoization. */
export async function resolveProfileCredentials(options: FromIniOptions): Promise<AwsCredentials> {
  const env = options.env ?? process.env;
  const files = options.files ?? loadSharedConfig({ env, homeDir: options.homeDir });
  const name = options.profile ?? selectProfileName({ env }) ?? 'default';
  const chain = profileChain(name, files); // throws for unknown profiles and loops
  const top = readProfile(name, files);
  // Every STS call of the chain goes where the top profile's calls go: explicit endpoint, env, the top profile's config.
  const sts: StsCallOptions = {
    ...options,
    env,
    region:
      options.region ||
      env.AWS_REGION ||
      env.AWS_DEFAULT_REGION ||
      top.region ||
      chain.map((p) => readProfile(p, files).region).find(Boolean),
  };
  const clientOptions: StsCallOptions = {
    ...sts,
    clientConfig: { ...sts.clientConfig, profile: top, files },
    mfaCodeProvider: options.mfaCodeProvider,
  };
  let tokenCode = options.tokenCode;
  const takeTokenCode = () => {
    const code = tokenCode;
    tokenCode = undefined;
    return code;
  };

  // The base of the chain: its last profile supplies the first credentials. Each step is a lazy provider, so
  // a role whose credentials are cached does not resolve (or prompt for) what lies beneath it.
  const baseName = chain[chain.length - 1]!;
  const base = readProfile(baseName, files);
  const baseKind = classifyProfile(base, chain.length === 1 ? 'top' : 'source');
  let provider: CredentialProvider;
  let remaining: string[]; // role profiles still to assume, outermost first
  if (baseKind === 'assume-role') {
    // A role with credential_source. (A role sourcing its own static keys, [a, a], classifies as static here.)
    provider = () => credentialSource(base, env, options);
    remaining = chain;
  } else {
    provider = () => baseCredentials(base, baseKind, options, clientOptions, takeTokenCode, chain.length === 1);
    remaining = chain.slice(0, -1);
  }
  for (let i = remaining.length - 1; i >= 0; i--) {
    const profile = readProfile(remaining[i]!, files);
    const isTop = i === 0;
    const source = provider;
    provider = assumeRole(
      {
        ...clientOptions,
        roleArn: profile.roleArn!,
        roleSessionName: (isTop ? options.roleSessionName : undefined) ?? profile.roleSessionName,
        durationSeconds: (isTop ? options.durationSeconds : undefined) ?? profile.durationSeconds,
        externalId: profile.externalId,
        serialNumber: profile.mfaSerial,
        tokenCode: profile.mfaSerial ? takeTokenCode() : undefined,
        mfaProcess: profile.mfaProcess,
        cacheScope: `profile:${remaining.slice(i).join('>')}`,
      },
      source,
    );
  }
  return provider();
}

async function credentialSource(profile: Profile, env: Env, options: FromIniOptions): Promise<AwsCredentials> {
  switch (profile.credentialSource) {
    case 'Environment':
      return fromEnv({ env })();
    case 'EcsContainer':
      return fromContainer({ env, now: options.now })();
    default:
      throw new CredentialsProviderError(
        `The credential_source "${profile.credentialSource}" of profile "${profile.name}" is not supported by opensts (use Environment or EcsContainer).`,
      );
  }
}

async function baseCredentials(
  profile: Profile,
  kind: string,
  options: FromIniOptions,
  sts: StsCallOptions,
  takeTokenCode: () => string | undefined,
  alone: boolean,
): Promise<AwsCredentials> {
  switch (kind) {
    case 'static':
      return staticOrSession(profile, options, sts, takeTokenCode, alone);
    case 'process':
      return fromProcess({
        command: profile.credentialProcess!,
        env: options.env,
        timeoutMs: options.processTimeoutMs,
        now: options.now,
      })()
        .then((c) =>
          c.accountId || !profile.settings.aws_account_id
            ? c
            : { ...c, accountId: profile.settings.aws_account_id as string },
        )
        .catch((err: unknown) => {
          if (err instanceof CredentialProcessError || err instanceof CredentialsExpiredError)
            err.message = `Profile "${profile.name}": ${err.message}`;
          throw err;
        });
    case 'web-identity':
      return fromWebIdentity({
        ...sts,
        roleArn: profile.roleArn,
        roleSessionName: profile.roleSessionName,
        webIdentityTokenFile: profile.webIdentityTokenFile,
        durationSeconds: alone ? (options.durationSeconds ?? profile.durationSeconds) : profile.durationSeconds,
      })();
    default:
      throw new CredentialsProviderError(
        `The profile "${profile.name}" has no credentials (no keys, role_arn, credential_process or web_identity_token_file).`,
        true,
      );
  }
}

/** Static keys; with mfa_serial (and no session token) or when asked, a GetSessionToken session made from them. */
async function staticOrSession(
  profile: Profile,
  options: FromIniOptions,
  sts: StsCallOptions,
  takeTokenCode: () => string | undefined,
  alone = false,
): Promise<AwsCredentials> {
  const keys = profile.staticCredentials!;
  const wantsMfa = profile.mfaSerial !== undefined && profile.roleArn === undefined;
  if (keys.sessionToken !== undefined || (!wantsMfa && !(alone && options.sessionForStaticKeys))) return keys;
  return sessionToken(
    {
      ...sts,
      serialNumber: wantsMfa ? profile.mfaSerial : undefined,
      tokenCode: wantsMfa ? takeTokenCode() : undefined,
      mfaProcess: profile.mfaProcess,
      durationSeconds: alone ? options.durationSeconds : undefined,
      cacheScope: `profile:${profile.name}:${keys.accessKeyId}`,
    },
    asProvider(keys),
  )();
}
