/**
 * `opensts exec`, `opensts export`, `opensts credential-process` and `opensts credential-server`: temporary
 * credentials of a profile, handed to a command's environment (or served to it from a local ECS / IMDS credentials
 * endpoint), printed for a shell, printed as a credential_process document, or served to other processes.
 * Long-term keys become a GetSessionToken session unless --no-session is given (as aws-vault does).
 *
 * Whatever gets these credentials is also told where to use them: credentials of an OpenSTS server must never be
 * sent to AWS, so STS, IAM and every service endpoint of the profile are passed on as AWS_ENDPOINT_URL_<SERVICE>.
 */
import { devNull, constants } from 'node:os';
import { CredentialCache } from '../client/credential-cache.js';
import type { AwsCredentials } from '../client/credential-process.js';
import {
  type CredentialServer,
  type CredentialServerKind,
  SERVER_REFRESH_WINDOW_MS,
  isLoopbackHost,
  startCredentialServer,
} from '../client/credential-server.js';
import { resolveStsEndpoint } from '../client/endpoints.js';
import { classifyProfile, configBoolean, readProfile } from '../client/profile.js';
import {
  type CredentialProvider,
  type FromIniOptions,
  memoize,
  resolveProfileCredentials,
} from '../client/providers/index.js';
import { ClientConfigError, type SharedConfigFiles, profileExists } from '../client/shared-config.js';
import {
  type ClientContext,
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
  CONNECTION_OPTIONS,
  UsageError,
  chainOptions,
  clientContext,
  customStsEndpoint,
  one,
  parseCommand,
  regionOf,
} from './common.js';
import { EXPORT_FORMATS, type ExportFormat, credentialVariables, formatExport, formatVariables } from './output.js';

/** What exec, export and credential-process take: how to get the session, then where to get it. */
const CREDENTIAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'duration-seconds': { arg: 'SECONDS', help: 'how long the session lasts' },
  'token-code': { arg: 'CODE', help: 'the MFA code (else mfa_process, else a prompt)' },
  'role-session-name': { arg: 'NAME', help: 'the role session name of an assumed role' },
  'no-session': { kind: 'flag', help: 'hand over long-term keys as they are, without a GetSessionToken session' },
  ...CONNECTION_OPTIONS,
};

/** exec's choice of handing the credentials over as variables or serving them from a local endpoint. */
const SERVER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'ecs-server': {
    kind: 'flag',
    help: 'serve the credentials from a container credentials endpoint on 127.0.0.1 instead (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN), refreshed before they expire',
  },
  'imds-server': { kind: 'flag', help: 'the same as an IMDSv2 endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT)' },
};

/** Variables that would compete with the credentials we hand over. */
const SCRUBBED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_ACCOUNT_ID',
];
/** Also removed when the child reads a credential server: they would turn its metadata client off or point it away. */
const SCRUBBED_FOR_SERVERS = [
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
];

function durationOf(args: ParsedArgs): number | undefined {
  const text = one(args, 'duration-seconds');
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--duration-seconds must be a whole number of seconds, not ${text}`);
  return Number(text);
}

function profileProvider(
  profile: string,
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  refreshWindowMs?: number,
): { ctx: ClientContext; provider: CredentialProvider } {
  const ctx = clientContext(args, { profile, env });
  const options: FromIniOptions = {
    ...chainOptions(ctx),
    // A credential server replaces credentials earlier than the CLI's five minutes: its provider and cache must agree.
    ...(refreshWindowMs !== undefined && {
      refreshWindowMs,
      cache: new CredentialCache({ env: ctx.env, refreshWindowMs }),
    }),
    profile,
    durationSeconds: durationOf(args),
    roleSessionName: one(args, 'role-session-name'),
    sessionForStaticKeys: !args.options.has('no-session'),
  };
  // Memoized and refreshed before expiry through the file cache, as a credential server lives long; --token-code
  // serves the first call only (a code works once): a later MFA session asks mfa_process or the terminal.
  let tokenCode = one(args, 'token-code');
  const provider = memoize(
    () => {
      const code = tokenCode;
      tokenCode = undefined;
      return resolveProfileCredentials({ ...options, tokenCode: code });
    },
    { refreshWindowMs },
  );
  return { ctx, provider };
}

async function profileCredentials(
  profile: string,
  args: ParsedArgs,
  env: NodeJS.ProcessEnv = process.env,
  refreshWindowMs?: number,
): Promise<{ ctx: ClientContext; credentials: AwsCredentials; provider: CredentialProvider }> {
  const { ctx, provider } = profileProvider(profile, args, env, refreshWindowMs);
  const credentials = await provider();
  if (credentials.expiration && credentials.expiration.getTime() <= Date.now()) {
    throw new ClientConfigError(
      `The credentials of profile ${profile} expired at ${credentials.expiration.toISOString()}.`,
    );
  }
  return { ctx, credentials, provider };
}

/**
 * Region and endpoint variables for a process given these credentials. With a custom STS endpoint (an OpenSTS
 * server), STS and IAM both go there (the server answers IAM on the same port, unless the profile names another IAM
 * endpoint), so `aws iam ...` in a child never takes an OpenSTS credential to AWS; the profile's `[services]`
 * endpoints and `endpoint_url` are passed on too, as the variables beat the config files in every SDK.
 * AWS_PROFILE is never passed: an SDK in the child would resolve the profile again — its source_profile keys or
 * role chain, to endpoints its own config may not redirect — instead of using what it was given.
 */
export function contextVariables(ctx: ClientContext): Record<string, string | undefined> {
  const region = regionOf(ctx);
  const vars: Record<string, string | undefined> = { AWS_REGION: region, AWS_DEFAULT_REGION: region };
  const ignoreVar = ctx.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  const ignored =
    ignoreVar !== undefined ? configBoolean(ignoreVar) : ctx.profile?.ignoreConfiguredEndpointUrls === true;
  if (!ignored && ctx.profile) {
    if (ctx.profile.endpointUrl) vars.AWS_ENDPOINT_URL = ctx.profile.endpointUrl;
    const section = ctx.profile.services !== undefined ? ctx.files.services[ctx.profile.services] : undefined;
    for (const [service, entry] of Object.entries(section ?? {})) {
      if (typeof entry === 'object' && entry.endpoint_url)
        vars[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = entry.endpoint_url;
    }
  }
  const sts = customStsEndpoint(ctx);
  if (sts !== undefined) {
    vars.AWS_ENDPOINT_URL_STS = sts;
    vars.AWS_ENDPOINT_URL_IAM = customIamEndpoint(ctx) ?? sts;
    // Set to true it would make the child ignore the variables above too.
    if (ignoreVar !== undefined) vars.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'false';
  }
  return vars;
}

function customIamEndpoint(ctx: ClientContext): string | undefined {
  try {
    const iam = resolveStsEndpoint({
      service: 'iam',
      region: regionOf(ctx),
      explicitEndpoint: ctx.endpoint,
      env: ctx.env,
      profile: ctx.profile,
      files: ctx.files,
    });
    return iam.source === 'aws-global' || iam.source === 'aws-regional' ? undefined : iam.url;
  } catch {
    return undefined;
  }
}

/** Whether the child's SDKs would take credentials from a default profile in ~/.aws before asking a credential server. */
function defaultProfileHasCredentials(files: SharedConfigFiles): boolean {
  if (!profileExists('default', files)) return false;
  try {
    return classifyProfile(readProfile('default', files)) !== 'none';
  } catch {
    return true; // a broken default profile would break the child's SDK as well
  }
}

function profileArgument(args: ParsedArgs, command: string): string {
  const profile = args.positionals[0];
  if (!profile) throw new UsageError(`usage: opensts ${command} PROFILE ...`);
  return profile;
}

export const execSpec: CommandSpec = {
  name: 'opensts exec',
  synopsis: 'PROFILE [options] -- COMMAND [ARGS...]',
  description: `Runs COMMAND with the profile's temporary credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION, and AWS_REGION. With an OpenSTS endpoint, STS, IAM and the
profile's [services] endpoints are set too (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM, ...).`,
  options: { ...CREDENTIAL_OPTIONS, ...SERVER_OPTIONS },
  maxPositionals: 1,
  stopAfterPositionals: 1,
};

/** Which credential server a command asked for, if any. */
function serverKind(args: ParsedArgs): CredentialServerKind | undefined {
  const ecs = args.options.has('ecs-server');
  const imds = args.options.has('imds-server');
  if (ecs && imds) throw new UsageError('--ecs-server and --imds-server exclude each other');
  if ((ecs || imds) && args.options.has('no-session'))
    throw new UsageError('the credential servers hand out temporary credentials only: drop --no-session');
  return ecs ? 'ecs' : imds ? 'imds' : undefined;
}

/** A session shorter than this cannot get a credential server's full margins (src/client/credential-server.ts). */
const SERVED_SESSION_MIN_SECONDS = 3600;

async function serveProfile(
  kind: CredentialServerKind,
  ctx: ClientContext,
  provider: CredentialProvider,
  args: ParsedArgs,
  listen: { host?: string; port?: number } = {},
): Promise<CredentialServer> {
  // STS's default sessions last an hour or more; a profile or flag may ask for less, which we honour but explain.
  const seconds = durationOf(args) ?? ctx.profile?.durationSeconds;
  if (seconds !== undefined && seconds < SERVED_SESSION_MIN_SECONDS)
    process.stderr.write(
      `opensts: sessions of ${seconds} s are shorter than an hour: the credential server replaces them early in proportion, but botocore (boto3, the aws CLI) reading an IMDS server may keep using instance credentials up to 25 minutes after it fetched them, past their expiry; use --duration-seconds ${SERVED_SESSION_MIN_SECONDS} or more\n`,
    );
  return startCredentialServer({
    kind,
    provider,
    ...listen,
    roleArn: ctx.profile?.roleArn,
    warn: (message) => process.stderr.write(`${message}\n`),
  });
}

/** The environment of a process that reads a credential server: no keys of its own, and nothing that outranks the server. */
function serverClientEnv(base: NodeJS.ProcessEnv, ctx: ClientContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of [...SCRUBBED, ...SCRUBBED_FOR_SERVERS]) delete env[name];
  // Every SDK asks the shared files before a credentials endpoint: a default profile with keys would win.
  if (defaultProfileHasCredentials(ctx.files)) {
    env.AWS_CONFIG_FILE = devNull;
    env.AWS_SHARED_CREDENTIALS_FILE = devNull;
  }
  return env;
}

export async function exec(argv: string[]): Promise<number> {
  const args = parseCommand(execSpec, argv);
  if (!args) return 0;
  const profile = profileArgument(args, 'exec');
  const [program, ...programArgs] = args.rest;
  if (!program) throw new UsageError('opensts exec needs a command to run: opensts exec PROFILE -- COMMAND [ARGS...]');
  const kind = serverKind(args);
  // The first credentials before the command starts: a configuration error or an MFA prompt comes now, not later.
  const { ctx, credentials, provider } = await profileCredentials(
    profile,
    args,
    process.env,
    kind && SERVER_REFRESH_WINDOW_MS,
  );
  let env: NodeJS.ProcessEnv;
  let server: CredentialServer | undefined;
  const extra = { ...contextVariables(ctx), OPENSTS_PROFILE: profile };
  if (kind) {
    server = await serveProfile(kind, ctx, provider, args);
    env = serverClientEnv(process.env, ctx);
    for (const [k, v] of Object.entries({ ...extra, ...server.env })) if (v !== undefined) env[k] = v;
  } else {
    env = { ...process.env };
    for (const name of SCRUBBED) delete env[name];
    for (const [k, v] of credentialVariables(credentials, extra)) env[k] = v;
  }
  const { spawn } = await import('node:child_process'); // on demand: the other commands never need it
  const code = await new Promise<number>((resolve) => {
    const child = spawn(program, programArgs, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = (code: number) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(
        `opensts: cannot run ${program}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`,
      );
      done(err.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
  await server?.close();
  return code;
}

export const credentialServerSpec: CommandSpec = {
  name: 'opensts credential-server',
  synopsis: 'PROFILE (--ecs | --imds) [options]',
  description: `Serves the profile's temporary credentials, refreshed before they expire, until stopped (SIGINT, SIGTERM), on
a loopback address, and prints the variables to give the processes that use it (region and endpoints included).`,
  options: {
    ecs: {
      kind: 'flag',
      help: 'as a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN)',
    },
    imds: {
      kind: 'flag',
      help: 'as an IMDSv2 endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT; IMDSv1 requests are refused)',
    },
    port: { arg: 'N', help: 'the port to listen on (default: a free one)' },
    host: { arg: 'HOST', help: 'a loopback address (default 127.0.0.1)' },
    format: {
      arg: 'FORMAT',
      help: 'the syntax of the variables printed (default sh)',
      choices: EXPORT_FORMATS.filter((f) => f !== 'json'),
    },
    ...CREDENTIAL_OPTIONS,
  },
  maxPositionals: 1,
};

export async function credentialServer(argv: string[]): Promise<number> {
  const args = parseCommand(credentialServerSpec, argv);
  if (!args) return 0;
  const profile = profileArgument(args, 'credential-server');
  if (args.options.has('ecs') === args.options.has('imds'))
    throw new UsageError('opensts credential-server needs one of --ecs and --imds');
  const kind: CredentialServerKind = args.options.has('ecs') ? 'ecs' : 'imds';
  const portText = one(args, 'port') ?? '0';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    throw new UsageError(`--port must be a port number, not ${portText}`);
  const host = one(args, 'host') ?? '127.0.0.1';
  if (!isLoopbackHost(host))
    throw new UsageError(
      `--host must be a loopback address (127.0.0.1, ::1): credentials are not served to the network, not ${host}`,
    );
  const format = (one(args, 'format') ?? 'sh') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format) || format === 'json')
    throw new UsageError(`--format must be one of sh, fish, powershell, dotenv, not ${format}`);
  const { ctx, provider } = await profileCredentials(profile, args, process.env, SERVER_REFRESH_WINDOW_MS);
  const server = await serveProfile(kind, ctx, provider, args, { host, port: Number(portText) });
  const vars = Object.entries({ ...contextVariables(ctx), ...server.env }).filter(
    (e): e is [string, string] => e[1] !== undefined,
  );
  process.stdout.write(formatVariables(format, vars));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

export const exportSpec: CommandSpec = {
  name: 'opensts export',
  synopsis: 'PROFILE [options]',
  description: `Prints the profile's temporary credentials for a shell (eval "$(opensts export dev)"), a .env file, or as
credential_process JSON.`,
  options: {
    format: { arg: 'FORMAT', help: 'the syntax (default sh)', choices: EXPORT_FORMATS },
    ...CREDENTIAL_OPTIONS,
  },
  maxPositionals: 1,
};

export async function exportCommand(argv: string[]): Promise<number> {
  const args = parseCommand(exportSpec, argv);
  if (!args) return 0;
  const profile = profileArgument(args, 'export');
  const format = (one(args, 'format') ?? 'sh') as ExportFormat;
  const { ctx, credentials } = await profileCredentials(profile, args);
  process.stdout.write(formatExport(format, credentials, contextVariables(ctx)));
  return 0;
}

export const credentialProcessSpec: CommandSpec = {
  name: 'opensts credential-process',
  synopsis: 'PROFILE [options]',
  description: `Prints the profile's temporary credentials as credential_process Version 1 JSON. In ~/.aws/config:

  [profile dev-via-opensts]
  credential_process = opensts credential-process dev
`,
  options: CREDENTIAL_OPTIONS,
  maxPositionals: 1,
};

const STACK_VARIABLE = 'OPENSTS_CREDENTIAL_PROCESS_STACK';

export async function credentialProcess(argv: string[]): Promise<number> {
  const args = parseCommand(credentialProcessSpec, argv);
  if (!args) return 0;
  const profile = profileArgument(args, 'credential-process');
  // A profile whose credential_process calls opensts for itself would recurse forever.
  const stack = (process.env[STACK_VARIABLE] ?? '').split('\n').filter(Boolean);
  if (stack.includes(profile)) {
    throw new ClientConfigError(
      `credential_process loop: profile ${profile} gets its credentials from "opensts credential-process ${profile}" (${[...stack, profile].join(' -> ')})`,
    );
  }
  const env = { ...process.env, [STACK_VARIABLE]: [...stack, profile].join('\n') };
  const { credentials } = await profileCredentials(profile, args, env);
  process.stdout.write(formatExport('json', credentials));
  return 0;
}
