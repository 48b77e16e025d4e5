/**
 * What the client commands share: argument parsing, the credentials / endpoint context built from
 * --profile, --region, --endpoint-url and the environment, the MFA prompt, and error reporting with
 * the aws CLI v2's exit codes (252 usage, 253 configuration, 254 service error, 255 anything else).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { CredentialCache } from '../client/credential-cache.js';
import type { AwsCredentials } from '../client/credential-process.js';
import { type Profile, readProfile, selectProfileName } from '../client/profile.js';
import { type CredentialProvider, type FromChainOptions, type MfaCodeProvider, MfaCodeError, fromChain } from '../client/providers.js';
import { ClientConfigError, type Env, type SharedConfigFiles, loadSharedConfig, profileExists } from '../client/shared-config.js';
import { StsClient, StsRequestError, StsServiceError } from '../client/sts-client.js';
import { ParamValidationError } from '../client/sts-model.js';

export const EXIT_USAGE = 252;
export const EXIT_CONFIG = 253;
export const EXIT_SERVICE = 254;
export const EXIT_OTHER = 255;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  /** Option values by name without the dashes; a list option collects every value that follows it. */
  readonly options: Map<string, string[]>;
  readonly positionals: string[];
  /** What came after `--`. */
  readonly rest: string[];
}

/**
 * Parses `--name value`, `--name=value`, `--flag` and positionals. `listOptions` take every following token up
 * to the next `--option` (the aws CLI's nargs='+'); `flags` take none. Stops at `--` or, when `stopAtPositional`
 * is set, after that many positionals (the command of `exec`).
 */
export function parseArgs(
  argv: readonly string[],
  spec: { values: readonly string[]; lists?: readonly string[]; flags?: readonly string[]; stopAfterPositionals?: number },
): ParsedArgs {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const known = new Set([...spec.values, ...(spec.lists ?? []), ...(spec.flags ?? [])]);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return { options, positionals, rest: argv.slice(i + 1) };
    if (spec.stopAfterPositionals !== undefined && positionals.length >= spec.stopAfterPositionals && !token.startsWith('--')) {
      return { options, positionals, rest: argv.slice(i) };
    }
    if (!token.startsWith('--') || token === '--') {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) throw new UsageError(`Unknown option: --${name}`);
    if (options.has(name)) throw new UsageError(`--${name} was given more than once`);
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, []);
      continue;
    }
    const values: string[] = [];
    if (eq >= 0) values.push(token.slice(eq + 1));
    else if (spec.lists?.includes(name)) {
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    } else if (i + 1 < argv.length) values.push(argv[++i]!);
    if (values.length === 0) throw new UsageError(`--${name} needs a value`);
    options.set(name, values);
  }
  return { options, positionals, rest: [] };
}

export const one = (args: ParsedArgs, name: string): string | undefined => args.options.get(name)?.[0];

/** The global options every client command takes. */
export const GLOBAL_OPTIONS = ['region', 'endpoint-url', 'profile', 'output'] as const;

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
  const profile = profileName !== undefined || profileExists('default', files) ? readProfile(profileName, files) : undefined;
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
  return new StsClient({ region: ctx.region, endpoint: ctx.endpoint, env: ctx.env, profile: ctx.profile, files: ctx.files, credentials });
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
  if (line === undefined) throw new MfaCodeError(`No MFA code for ${serial}: standard input is closed (give it with --token-code or mfa_process).`);
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
  if (err instanceof UsageError || err instanceof ParamValidationError) {
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
    return client.endpoint.source === 'aws-regional' || client.endpoint.source === 'aws-global' ? undefined : client.endpoint.url;
  } catch {
    return undefined;
  }
}

export function regionOf(ctx: ClientContext): string | undefined {
  return ctx.region || ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION || ctx.profile?.region || undefined;
}
