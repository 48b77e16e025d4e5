/**
 * What the providers that call STS share: their options, the client they call with, the credential cache and MFA
 * codes.
 */
import type { AwsCredentials } from '../credential-process.js';
import { type CredentialCache, cacheKey } from '../credential-cache.js';
import { type Env, shellSplit } from '../shared-config.js';
import { type CredentialProvider, StsClient, type StsClientConfig } from '../sts-client.js';
import { MfaCodeError } from './errors.js';

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

export const defaultRoleSessionName = (now = Date.now()) => `opensts-session-${Math.floor(now / 1000)}`;

export type CredentialsInput = AwsCredentials | CredentialProvider;
export const asProvider = (c: CredentialsInput): CredentialProvider => (typeof c === 'function' ? c : async () => c);

export function clientFor(
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
export async function throughCache(
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
export async function mfaCode(
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
