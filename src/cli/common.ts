/**
 * What the client commands share: the one argument parser (args.ts), the credentials / endpoint context built from
 * --profile, --region, --endpoint-url and the environment, the MFA prompt, and error reporting with
 * the aws CLI v2's exit codes (252 usage, 253 configuration, 254 service error, 255 anything else).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { CredentialCache } from '../client/credential-cache.js';
import type { AwsCredentials } from '../client/credential-process.js';
import { type Profile, readProfile, selectProfileName } from '../client/profile.js';
import {
  type CredentialProvider,
  type FromChainOptions,
  type MfaCodeProvider,
  MfaCodeError,
  fromChain,
} from '../client/providers/index.js';
import {
  ClientConfigError,
  type Env,
  type SharedConfigFiles,
  loadSharedConfig,
  profileExists,
} from '../client/shared-config.js';
import { httpSettings } from '../client/http.js';
import { StsClient, StsRequestError, StsServiceError } from '../client/sts-client.js';
import { ParamValidationError } from '../client/sts-model.js';
import {
  EXIT_CONFIG,
  EXIT_OTHER,
  EXIT_SERVICE,
  EXIT_USAGE,
  type OptionSpec,
  type ParsedArgs,
  UsageError,
  one,
} from './args.js';

export {
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
  EXIT_CONFIG,
  EXIT_OTHER,
  EXIT_SERVICE,
  EXIT_USAGE,
  UsageError,
  helpText,
  one,
  parseArgs,
  parseCommand,
} from './args.js';

/** The output formats of the aws CLI. */
export const OUTPUT_FORMATS = ['json', 'text', 'table', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Options every command that talks to an STS takes (the aws CLI's global options that apply to us). */
export const CONNECTION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  region: { arg: 'REGION', help: 'the region to sign for and, without a custom endpoint, to call' },
  'endpoint-url': {
    arg: 'URL',
    help: 'the STS endpoint (an OpenSTS server), over AWS_ENDPOINT_URL_STS and the profile',
  },
  'ca-bundle': {
    arg: 'FILE',
    help: "PEM CA certificates to verify TLS with (over AWS_CA_BUNDLE and the profile's ca_bundle)",
  },
  'no-verify-ssl': { kind: 'flag', help: 'do not verify TLS certificates (unsafe; prints a warning)' },
  debug: { kind: 'flag', help: "log each request's method, URL, status and time to stderr (never credentials)" },
};

/** The global options of commands that print a result: --profile, --output, --query besides the connection's. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...CONNECTION_OPTIONS,
  profile: { arg: 'PROFILE', help: 'the profile of ~/.aws/config to use (default AWS_PROFILE, else default)' },
  output: {
    arg: 'FORMAT',
    help: "how to print the result (default AWS_DEFAULT_OUTPUT, the profile's output, else json)",
    choices: OUTPUT_FORMATS,
  },
  query: { arg: 'JMESPATH', help: 'a JMESPath expression applied to the result before printing' },
};

/** The records of every cache entry this process read, so that a stale one can be dropped. */
class TrackingCache extends CredentialCache {
  readonly served = new Set<string>();
  override async get(key: string): Promise<AwsCredentials | undefined> {
    const hit = await super.get(key);
    if (hit) this.served.add(key);
    return hit;
  }
  async dropServed(): Promise<number> {
    const keys = [...this.served];
    this.served.clear();
    await Promise.all(keys.map((k) => this.delete(k)));
    return keys.length;
  }
}

export interface ClientContext {
  readonly env: Env;
  readonly files: SharedConfigFiles;
  /** The profile chosen with --profile, AWS_PROFILE..., or undefined for "default if it exists". */
  readonly profileName: string | undefined;
  readonly profileIsExplicit: boolean;
  readonly profile: Profile | undefined;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly cache: TrackingCache;
  readonly mfaCodeProvider: MfaCodeProvider;
}

export function clientContext(args: ParsedArgs, opts: { profile?: string; env?: Env } = {}): ClientContext {
  const env = opts.env ?? process.env;
  const files = loadSharedConfig({ env });
  const explicit = opts.profile ?? one(args, 'profile');
  const profileName = selectProfileName({ explicit, env });
  if (profileName !== undefined && !profileExists(profileName, files)) {
    // Same words as the aws CLI.
    throw new ClientConfigError(`The config profile (${profileName}) could not be found`);
  }
  const profile =
    profileName !== undefined || profileExists('default', files) ? readProfile(profileName, files) : undefined;
  applyConnectionOptions(args, env, profile);
  return {
    env,
    files,
    profileName,
    profileIsExplicit: explicit !== undefined,
    profile,
    region: one(args, 'region'),
    endpoint: one(args, 'endpoint-url'),
    cache: new TrackingCache({ env }),
    mfaCodeProvider: promptMfaCode,
  };
}

export const debugLog = (line: string) => process.stderr.write(`opensts: debug: ${line}\n`);

/** --debug, the CA bundle (botocore's order: --ca-bundle, AWS_CA_BUNDLE, the profile's ca_bundle) and --no-verify-ssl, for every request of the process. */
function applyConnectionOptions(args: ParsedArgs, env: Env, profile: Profile | undefined): void {
  const debug = args.options.has('debug');
  if (debug) httpSettings.debug = debugLog;
  const fromProfile = profile?.settings.ca_bundle;
  const [caBundle, from] =
    one(args, 'ca-bundle') !== undefined
      ? [one(args, 'ca-bundle'), '--ca-bundle']
      : env.AWS_CA_BUNDLE
        ? [env.AWS_CA_BUNDLE, 'AWS_CA_BUNDLE']
        : typeof fromProfile === 'string' && fromProfile
          ? [fromProfile, `ca_bundle of profile ${profile!.name}`]
          : [undefined, ''];
  if (caBundle !== undefined) httpSettings.caBundle = caBundle;
  if (args.options.has('no-verify-ssl')) {
    httpSettings.verify = false;
    process.stderr.write(
      'opensts: warning: --no-verify-ssl: TLS certificates are not verified, so anyone on the network path can read and change the requests and the credentials they return.\n',
    );
  }
  if (debug)
    debugLog(`profile ${profile?.name ?? '(none)'}${caBundle ? `; CA bundle ${caBundle} (from ${from})` : ''}`);
}

export function chainOptions(ctx: ClientContext, extra: Partial<FromChainOptions> = {}): FromChainOptions {
  return {
    env: ctx.env,
    files: ctx.files,
    profile: ctx.profileName,
    profileIsExplicit: ctx.profileIsExplicit,
    region: ctx.region,
    endpoint: ctx.endpoint,
    cache: ctx.cache,
    mfaCodeProvider: ctx.mfaCodeProvider,
    ...extra,
  };
}

export function credentialsOf(ctx: ClientContext, extra: Partial<FromChainOptions> = {}): CredentialProvider {
  return fromChain(chainOptions(ctx, extra));
}

export function stsClientOf(ctx: ClientContext, credentials?: CredentialProvider): StsClient {
  const client = new StsClient({
    region: ctx.region,
    endpoint: ctx.endpoint,
    env: ctx.env,
    profile: ctx.profile,
    files: ctx.files,
    credentials,
  });
  if (httpSettings.debug)
    debugLog(
      `endpoint ${client.endpoint.url} (${client.endpoint.detail}), signing region ${client.endpoint.signingRegion}`,
    );
  return client;
}

/**
 * Asks for an MFA code on the terminal the way aws-vault does: the prompt on stderr, one line read from stdin
 * (a byte at a time, so nothing meant for a command run afterwards is consumed). When stdin is the terminal but
 * stderr is not (the aws CLI runs `opensts credential-process` with stderr captured), the prompt goes to
 * /dev/tty so the user sees it.
 */
export const promptMfaCode: MfaCodeProvider = async (serial) => {
  const prompt = `Enter MFA code for ${serial}: `;
  let shown = false;
  if (process.stdin.isTTY && !process.stderr.isTTY) {
    try {
      const tty = openSync('/dev/tty', 'w');
      writeSync(tty, prompt);
      closeSync(tty);
      shown = true;
    } catch {
      // no controlling terminal: stderr it is
    }
  }
  if (!shown) process.stderr.write(prompt);
  const line = readLineSync(0);
  if (line === undefined)
    throw new MfaCodeError(
      `No MFA code for ${serial}: standard input is closed (give it with --token-code or mfa_process).`,
    );
  return line.trim();
};

function readLineSync(fd: number): string | undefined {
  const byte = Buffer.alloc(1);
  const bytes: number[] = [];
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, byte, 0, 1, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        continue;
      }
      if (code === 'EOF') n = 0;
      else throw err;
    }
    if (n === 0) return bytes.length > 0 ? Buffer.from(bytes).toString('utf8') : undefined;
    if (byte[0] === 0x0a) return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
    bytes.push(byte[0]!);
  }
}

/** Prints an error the way the aws CLI does and returns the exit status. */
export function reportError(err: unknown): number {
  if (
    err instanceof UsageError ||
    err instanceof ParamValidationError ||
    (err instanceof Error && err.name === 'QueryError')
  ) {
    process.stderr.write(`opensts: error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof StsServiceError) {
    process.stderr.write(`\n${err.message}\n`);
    return EXIT_SERVICE;
  }
  if (err instanceof ClientConfigError) {
    process.stderr.write(`opensts: ${err.message}\n`);
    return EXIT_CONFIG;
  }
  if (err instanceof StsRequestError) {
    process.stderr.write(`opensts: ${err.message}\n`);
    return EXIT_OTHER;
  }
  process.stderr.write(`opensts: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_OTHER;
}

/** The resolved endpoint for child processes: only a custom one is worth passing on. */
export function customStsEndpoint(ctx: ClientContext): string | undefined {
  try {
    const client = stsClientOf(ctx);
    return client.endpoint.source === 'aws-regional' || client.endpoint.source === 'aws-global'
      ? undefined
      : client.endpoint.url;
  } catch {
    return undefined;
  }
}

export function regionOf(ctx: ClientContext): string | undefined {
  return ctx.region || ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION || ctx.profile?.region || undefined;
}
