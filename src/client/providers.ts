/**
 * Credential providers in the AWS SDK for JavaScript v3 shape: each is `() => Promise<credentials>` and the
 * result drops straight into an AWS SDK client's `credentials` option. Temporary credentials are memoized and
 * refreshed five minutes before they expire, with one refresh in flight however many callers wait.
 *
 * The default chain (fromChain) follows the AWS tools: explicit credentials, then the environment (skipped
 * when a profile was chosen explicitly), then the profile (static keys, role_arn + source_profile chains with
 * mfa_serial / external_id / duration_seconds / role_session_name, credential_process, web_identity_token_file),
 * then AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, then the container endpoint.
 *
 * Unlike the AWS SDKs, an explicit `endpoint` reaches every STS call of a role chain, not only the last one.
 */
import { readFileSync } from 'node:fs';
import { type AwsCredentials, CredentialProcessError, runCredentialProcess } from './credential-process.js';
import { type CredentialCache, cacheKey } from './credential-cache.js';
import { type HttpError, httpRequest } from './http.js';
import { type Profile, classifyProfile, readProfile, selectProfileName } from './profile.js';
import {
  ClientConfigError,
  type Env,
  type SharedConfigFiles,
  loadSharedConfig,
  profileChain,
  profileExists,
  shellSplit,
} from './shared-config.js';
import { type CredentialProvider, StsClient, type StsClientConfig, credentialsFromResult } from './sts-client.js';
import type { Params } from './sts-model.js';

export type { AwsCredentials, CredentialProvider };
/** The AWS SDK's name for the same shape. */
export type AwsCredentialIdentity = AwsCredentials;

export const REFRESH_WINDOW_MS = 5 * 60_000;

/** A provider could not produce credentials. With tryNextLink, a chain goes on to its next provider. */
export class CredentialsProviderError extends ClientConfigError {
  override name = 'CredentialsProviderError';
  constructor(
    message: string,
    readonly tryNextLink = false,
  ) {
    super(message);
  }
}
/** Credentials that were found but have already expired. */
export class CredentialsExpiredError extends ClientConfigError {
  override name = 'CredentialsExpiredError';
}
/** An MFA code was needed and could not be obtained, or is not six digits. */
export class MfaCodeError extends ClientConfigError {
  override name = 'MfaCodeError';
}

/** Asks for the current code of an MFA device. `profile` is the profile that needs it, when there is one. */
export type MfaCodeProvider = (serialNumber: string, profile?: string) => Promise<string>;

/** Options shared by the providers that call STS. */
export interface StsCallOptions {
  /** Region to sign for; default AWS_REGION, AWS_DEFAULT_REGION, then the profile's region. */
  readonly region?: string;
  /** Endpoint for every STS call the provider makes (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, config). */
  readonly endpoint?: string;
  readonly env?: Env;
  /** Extra StsClient settings (timeouts, retries; clock and sleep for tests). */
  readonly clientConfig?: Omit<StsClientConfig, 'region' | 'endpoint' | 'credentials' | 'env'>;
  /** File cache for the temporary credentials (the CLI uses ~/.opensts/cache). Default: memory only. */
  readonly cache?: CredentialCache;
  readonly mfaCodeProvider?: MfaCodeProvider;
  readonly now?: () => number;
  /** How long before expiration temporary credentials are replaced (default five minutes; give the cache the same). */
  readonly refreshWindowMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Memoization.

export interface MemoizeOptions {
  readonly refreshWindowMs?: number;
  readonly now?: () => number;
}

/**
 * Caches a provider's credentials until `refreshWindowMs` before they expire (long-term ones forever), and
 * shares one pending refresh among every concurrent caller. A failed refresh is not cached.
 */
export function memoize(provider: CredentialProvider, options: MemoizeOptions = {}): CredentialProvider {
  const window = options.refreshWindowMs ?? REFRESH_WINDOW_MS;
  const now = options.now ?? Date.now;
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return () => {
    if (current && (!current.expiration || current.expiration.getTime() - now() > window))
      return Promise.resolve(current);
    pending ??= provider().then(
      (credentials) => {
        current = credentials;
        pending = undefined;
        return credentials;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}

function checkNotExpired(credentials: AwsCredentials, from: string, now: () => number): AwsCredentials {
  if (credentials.expiration && credentials.expiration.getTime() <= now()) {
    throw new CredentialsExpiredError(
      `The credentials from ${from} expired at ${credentials.expiration.toISOString()}; get new ones and try again.`,
    );
  }
  return credentials;
}

// ---------------------------------------------------------------------------------------------
// Environment.

export interface FromEnvOptions {
  readonly env?: Env;
}

/** AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_ACCOUNT_ID). */
export function fromEnv(options: FromEnvOptions = {}): CredentialProvider {
  return async () => {
    const env = options.env ?? process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId && !secretAccessKey)
      throw new CredentialsProviderError('No credentials in the environment (AWS_ACCESS_KEY_ID)', true);
    if (!accessKeyId || !secretAccessKey) {
      throw new CredentialsProviderError(
        `Partial credentials found in env, missing: ${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}`,
      );
    }
    const sessionToken = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined;
    const expirationText = env.AWS_CREDENTIAL_EXPIRATION || undefined;
    const expiration = expirationText === undefined ? undefined : new Date(expirationText);
    if (expiration && Number.isNaN(expiration.getTime()))
      throw new CredentialsProviderError(`AWS_CREDENTIAL_EXPIRATION is not a timestamp: ${expirationText}`);
    const credentials: AwsCredentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken && { sessionToken }),
      ...(expiration && { expiration }),
      ...(env.AWS_ACCOUNT_ID && { accountId: env.AWS_ACCOUNT_ID }),
    };
    return checkNotExpired(credentials, 'the environment (AWS_CREDENTIAL_EXPIRATION)', Date.now);
  };
}

// ---------------------------------------------------------------------------------------------
// STS-backed providers.

type CredentialsInput = AwsCredentials | CredentialProvider;
const asProvider = (c: CredentialsInput): CredentialProvider => (typeof c === 'function' ? c : async () => c);

function clientFor(
  options: StsCallOptions,
  credentials?: CredentialProvider,
  extra: Partial<StsClientConfig> = {},
): StsClient {
  return new StsClient({
    ...options.clientConfig,
    ...extra,
    region: options.region,
    endpoint: options.endpoint,
    env: options.env ?? process.env,
    credentials,
    now: options.clientConfig?.now ?? options.now,
  });
}

/** Temporary credentials through the cache: reuse an entry that is still fresh, else fetch and store it. */
async function throughCache(
  options: StsCallOptions,
  keyInputs: Record<string, unknown>,
  fetch: () => Promise<AwsCredentials>,
): Promise<AwsCredentials> {
  const cache = options.cache;
  const key = cache ? cacheKey(keyInputs) : '';
  if (cache) {
    const hit = await cache.get(key);
    if (hit) return hit;
  }
  const credentials = await fetch();
  if (cache && credentials.expiration) await cache.set(key, credentials);
  return credentials;
}

/** A six-digit code, from the given code, the profile's mfa_process, or the mfaCodeProvider. */
async function mfaCode(
  serial: string,
  options: StsCallOptions & { tokenCode?: string; mfaProcess?: string; profileName?: string },
): Promise<string> {
  let code = options.tokenCode;
  if (code === undefined && options.mfaProcess) code = await runMfaProcess(options.mfaProcess, options.env);
  if (code === undefined && options.mfaCodeProvider) code = await options.mfaCodeProvider(serial, options.profileName);
  if (code === undefined) {
    throw new MfaCodeError(
      `An MFA code for ${serial} is needed${options.profileName ? ` (profile ${options.profileName})` : ''}: give it with --token-code, an mfa_process, or a terminal to prompt on.`,
    );
  }
  code = code.trim();
  if (!/^\d{6}$/.test(code)) throw new MfaCodeError(`The MFA code for ${serial} must be 6 digits.`);
  return code;
}

/** Runs an mfa_process command (split shell-style, no shell) and returns what it printed. */
export async function runMfaProcess(command: string, env?: Env): Promise<string> {
  const { spawn } = await import('node:child_process');
  let argv: string[];
  try {
    argv = shellSplit(command);
  } catch (err) {
    return Promise.reject(new MfaCodeError(`mfa_process cannot be split into arguments: ${(err as Error).message}`));
  }
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new MfaCodeError('mfa_process is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['inherit', 'pipe', 'pipe'],
      env: env as NodeJS.ProcessEnv | undefined,
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (errText += c.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new MfaCodeError(
          `mfa_process ${JSON.stringify(program)} could not be started: ${err.code === 'ENOENT' ? 'command not found' : err.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code !== 0)
        reject(
          new MfaCodeError(
            `mfa_process ${JSON.stringify(program)} exited with status ${code}${errText.trim() ? `: ${errText.trim()}` : ''}`,
          ),
        );
      else resolve(out.trim());
    });
  });
}

export interface FromSessionTokenOptions extends StsCallOptions {
  /** Long-term credentials to call GetSessionToken with (default: the chain). */
  readonly source?: CredentialsInput;
  readonly durationSeconds?: number;
  readonly serialNumber?: string;
  /** A code for this one call; later refreshes ask the mfaCodeProvider. */
  readonly tokenCode?: string;
  /** Cache key part telling sources apart (the CLI uses the profile name). */
  readonly cacheScope?: string;
  readonly mfaProcess?: string;
}

/** GetSessionToken, with MFA when serialNumber is given. */
export function fromSessionToken(options: FromSessionTokenOptions = {}): CredentialProvider {
  const source = options.source
    ? asProvider(options.source)
    : fromChain({ env: options.env, region: options.region, endpoint: options.endpoint });
  let tokenCode = options.tokenCode;
  return memoize(
    async () => {
      const client = clientFor(options, source);
      const keyInputs = {
        Operation: 'GetSessionToken',
        Scope: options.cacheScope ?? (await source()).accessKeyId,
        DurationSeconds: options.durationSeconds,
        SerialNumber: options.serialNumber,
        Endpoint: client.endpoint.url,
      };
      return throughCache(options, keyInputs, async () => {
        const params: Record<string, string | number> = {};
        if (options.durationSeconds !== undefined) params.DurationSeconds = options.durationSeconds;
        if (options.serialNumber) {
          params.SerialNumber = options.serialNumber;
          params.TokenCode = await mfaCode(options.serialNumber, {
            ...options,
            tokenCode,
            profileName: options.cacheScope,
          });
          tokenCode = undefined; // a code works once
        }
        const { result } = await client.getSessionToken(params);
        return credentialsFromResult(result);
      });
    },
    { now: options.now, refreshWindowMs: options.refreshWindowMs },
  );
}

export interface FromAssumeRoleOptions extends StsCallOptions {
  readonly roleArn: string;
  readonly roleSessionName?: string;
  /** Credentials to call AssumeRole with (default: the chain). */
  readonly source?: CredentialsInput;
  readonly externalId?: string;
  readonly serialNumber?: string;
  readonly tokenCode?: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  readonly cacheScope?: string;
  readonly mfaProcess?: string;
}

export const defaultRoleSessionName = (now = Date.now()) => `opensts-session-${Math.floor(now / 1000)}`;

/** AssumeRole (with MFA, external id, session policies and tags as given). */
export function fromAssumeRole(options: FromAssumeRoleOptions): CredentialProvider {
  const source = options.source
    ? asProvider(options.source)
    : fromChain({ env: options.env, region: options.region, endpoint: options.endpoint });
  let tokenCode = options.tokenCode;
  return memoize(
    async () => {
      const client = clientFor(options, source);
      const keyInputs = {
        Operation: 'AssumeRole',
        Scope: options.cacheScope,
        RoleArn: options.roleArn,
        RoleSessionName: options.roleSessionName,
        ExternalId: options.externalId,
        SerialNumber: options.serialNumber,
        DurationSeconds: options.durationSeconds,
        Policy: options.policy,
        PolicyArns: options.policyArns,
        Tags: options.tags,
        SourceIdentity: options.sourceIdentity,
        Endpoint: client.endpoint.url,
      };
      if (options.cacheScope === undefined) keyInputs.Scope = (await source()).accessKeyId;
      return throughCache(options, keyInputs, async () => {
        const params: Record<string, Params[string]> = {
          RoleArn: options.roleArn,
          RoleSessionName: options.roleSessionName ?? defaultRoleSessionName((options.now ?? Date.now)()),
          PolicyArns: options.policyArns?.map((arn) => ({ arn })),
          Policy: options.policy,
          DurationSeconds: options.durationSeconds,
          Tags: options.tags && Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
          TransitiveTagKeys: options.transitiveTagKeys,
          ExternalId: options.externalId,
          SourceIdentity: options.sourceIdentity,
        };
        if (options.serialNumber) {
          params.SerialNumber = options.serialNumber;
          params.TokenCode = await mfaCode(options.serialNumber, {
            ...options,
            tokenCode,
            profileName: options.cacheScope,
          });
          tokenCode = undefined;
        }
        const { result } = await client.assumeRole(params);
        return credentialsFromResult(result);
      });
    },
    { now: options.now, refreshWindowMs: options.refreshWindowMs },
  );
}

export interface FromWebIdentityOptions extends StsCallOptions {
  /** Default AWS_ROLE_ARN. */
  readonly roleArn?: string;
  /** Default AWS_ROLE_SESSION_NAME, else a generated name. */
  readonly roleSessionName?: string;
  /** Read on every refresh (projected tokens rotate). Default AWS_WEB_IDENTITY_TOKEN_FILE. */
  readonly webIdentityTokenFile?: string;
  /** A token given directly instead of a file. */
  readonly webIdentityToken?: string;
  readonly providerId?: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
}

/** AssumeRoleWithWebIdentity (unsigned), from a token file or a token. */
export function fromWebIdentity(options: FromWebIdentityOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      const roleArn = options.roleArn ?? env.AWS_ROLE_ARN;
      const tokenFile =
        options.webIdentityTokenFile ??
        (options.webIdentityToken === undefined ? env.AWS_WEB_IDENTITY_TOKEN_FILE : undefined);
      if (!roleArn || (!tokenFile && options.webIdentityToken === undefined)) {
        throw new CredentialsProviderError(
          'No web identity configuration (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)',
          true,
        );
      }
      let token = options.webIdentityToken;
      if (token === undefined) {
        try {
          token = readFileSync(tokenFile!, 'utf8').trim();
        } catch (err) {
          throw new CredentialsProviderError(
            `Cannot read the web identity token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
      }
      const client = clientFor(options);
      const { result } = await client.assumeRoleWithWebIdentity({
        RoleArn: roleArn,
        RoleSessionName:
          options.roleSessionName ?? env.AWS_ROLE_SESSION_NAME ?? defaultRoleSessionName((options.now ?? Date.now)()),
        WebIdentityToken: token,
        ProviderId: options.providerId,
        PolicyArns: options.policyArns?.map((arn) => ({ arn })),
        Policy: options.policy,
        DurationSeconds: options.durationSeconds,
      });
      return credentialsFromResult(result);
    },
    { now: options.now },
  );
}

// ---------------------------------------------------------------------------------------------
// credential_process.

export interface FromProcessOptions {
  /** The command to run; default the profile's credential_process. */
  readonly command?: string;
  readonly profile?: string;
  readonly env?: Env;
  readonly files?: SharedConfigFiles;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Runs a credential_process command (Version 1 JSON on stdout). */
export function fromProcess(options: FromProcessOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      let command = options.command;
      let fallbackAccountId: string | undefined;
      let name = 'credential_process';
      if (command === undefined) {
        const files = options.files ?? loadSharedConfig({ env });
        const profile = readProfile(options.profile ?? selectProfileName({ env }), files);
        command = profile.credentialProcess;
        fallbackAccountId = profile.settings.aws_account_id as string | undefined;
        name = `credential_process of profile ${profile.name}`;
        if (!command)
          throw new CredentialsProviderError(`The profile "${profile.name}" has no credential_process`, true);
      }
      const credentials = await runCredentialProcess(command, {
        env: env as NodeJS.ProcessEnv,
        timeoutMs: options.timeoutMs,
        fallbackAccountId,
      });
      return checkNotExpired(credentials, name, options.now ?? Date.now);
    },
    { now: options.now },
  );
}

// ---------------------------------------------------------------------------------------------
// Container credentials endpoint.

export interface FromContainerOptions {
  readonly env?: Env;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

const ECS_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]']);
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * GET AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or ECS/EKS agent address, as the
 * JS SDK allows) or http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with the token of
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
export function fromContainer(options: FromContainerOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
      const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      if (!relative && !full)
        throw new CredentialsProviderError(
          'No container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
          true,
        );
      let url: URL;
      try {
        url = new URL(relative ? `http://169.254.170.2${relative.startsWith('/') ? '' : '/'}${relative}` : full!);
      } catch {
        throw new CredentialsProviderError(`AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: ${full}`);
      }
      if (
        url.protocol !== 'https:' &&
        !(url.protocol === 'http:' && (isLoopback(url.hostname) || ECS_HOSTS.has(url.hostname)))
      ) {
        throw new CredentialsProviderError(
          `AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or the ECS/EKS agent (got ${url.protocol}//${url.host})`,
        );
      }
      let token: string | undefined;
      if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
        try {
          token = readFileSync(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8').trim();
        } catch (err) {
          throw new CredentialsProviderError(
            `Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
      } else token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN || undefined;
      if (token !== undefined && /[\r\n]/.test(token))
        throw new CredentialsProviderError('The container authorization token contains a line break');
      const body = await httpGet(url, token ? { Authorization: token } : {}, options.timeoutMs ?? 2000);
      if (body.status !== 200) {
        throw new CredentialsProviderError(
          `The container credentials endpoint answered HTTP ${body.status}${body.text.trim() ? `: ${body.text.trim().slice(0, 200)}` : ''}`,
        );
      }
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(body.text) as Record<string, unknown>;
      } catch {
        throw new CredentialsProviderError('The container credentials endpoint did not answer with JSON');
      }
      const { AccessKeyId, SecretAccessKey, Token, Expiration, AccountId } = doc;
      if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string') {
        throw new CredentialsProviderError('The container credentials answer lacks AccessKeyId or SecretAccessKey');
      }
      const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
      if (expiration && Number.isNaN(expiration.getTime()))
        throw new CredentialsProviderError(`The container credentials answer has an invalid Expiration: ${Expiration}`);
      const credentials: AwsCredentials = {
        accessKeyId: AccessKeyId,
        secretAccessKey: SecretAccessKey,
        ...(typeof Token === 'string' && Token && { sessionToken: Token }),
        ...(expiration && { expiration }),
        ...(typeof AccountId === 'string' && AccountId && { accountId: AccountId }),
      };
      return checkNotExpired(credentials, 'the container credentials endpoint', options.now ?? Date.now);
    },
    { now: options.now },
  );
}

async function httpGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  try {
    const res = await httpRequest({ method: 'GET', url, headers, timeoutMs });
    return { status: res.status, text: res.body.toString('utf8') };
  } catch (err) {
    throw new CredentialsProviderError(
      `Cannot reach the container credentials endpoint ${url.origin}: ${(err as HttpError).code ?? (err as Error).message}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Profiles.

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
    provider = fromAssumeRole({
      ...clientOptions,
      roleArn: profile.roleArn!,
      roleSessionName: (isTop ? options.roleSessionName : undefined) ?? profile.roleSessionName,
      durationSeconds: (isTop ? options.durationSeconds : undefined) ?? profile.durationSeconds,
      externalId: profile.externalId,
      serialNumber: profile.mfaSerial,
      tokenCode: profile.mfaSerial ? takeTokenCode() : undefined,
      mfaProcess: profile.mfaProcess,
      source: provider,
      cacheScope: `profile:${remaining.slice(i).join('>')}`,
    });
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
  return fromSessionToken({
    ...sts,
    source: keys,
    serialNumber: wantsMfa ? profile.mfaSerial : undefined,
    tokenCode: wantsMfa ? takeTokenCode() : undefined,
    mfaProcess: profile.mfaProcess,
    durationSeconds: alone ? options.durationSeconds : undefined,
    cacheScope: `profile:${profile.name}:${keys.accessKeyId}`,
  })();
}

// ---------------------------------------------------------------------------------------------
// The chain.

export interface FromChainOptions extends FromIniOptions {
  /** Explicit credentials (command-line arguments): used as they are. */
  readonly credentials?: AwsCredentials;
  /** The profile was chosen explicitly (--profile): the environment's keys are skipped, as botocore does. */
  readonly profileIsExplicit?: boolean;
}

/** Tries providers in order; a CredentialsProviderError with tryNextLink moves on, anything else stops. */
export function chain(...providers: CredentialProvider[]): CredentialProvider {
  return async () => {
    const reasons: string[] = [];
    for (const provider of providers) {
      try {
        return await provider();
      } catch (err) {
        if (err instanceof CredentialsProviderError && err.tryNextLink) {
          reasons.push(err.message);
          continue;
        }
        throw err;
      }
    }
    throw new CredentialsProviderError(
      `Unable to locate credentials. Configure them with "aws configure", a profile (--profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Tried: ${reasons.join('; ')}.`,
    );
  };
}

/**
 * The default chain: explicit credentials, environment, profile, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE,
 * container endpoint. Memoized with the 5-minute refresh window.
 */
export function fromChain(options: FromChainOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const providers: CredentialProvider[] = [];
  if (options.credentials) {
    const c = options.credentials;
    providers.push(async () => c);
  }
  const explicitProfile = options.profileIsExplicit ? options.profile : undefined;
  if (!explicitProfile) providers.push(fromEnv({ env }));
  providers.push(async () => {
    const files = options.files ?? loadSharedConfig({ env, homeDir: options.homeDir });
    const name = options.profile ?? selectProfileName({ env });
    if (name === undefined && !profileExists('default', files))
      throw new CredentialsProviderError('No default profile', true);
    return resolveProfileCredentials({ ...options, env, files, profile: name ?? 'default' });
  });
  if (!explicitProfile) {
    providers.push(fromWebIdentity({ ...options, env }));
    providers.push(fromContainer({ env, now: options.now }));
  }
  return memoize(chain(...providers), { now: options.now });
}
