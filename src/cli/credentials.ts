/**
 * `opensts exec`, `opensts export` and `opensts credential-process`: temporary credentials of a profile,
 * handed to a command's environment, printed for a shell, or printed as a credential_process document.
 * Long-term keys become a GetSessionToken session unless --no-session is given (as aws-vault does).
 */
import { constants } from 'node:os';
import type { AwsCredentials } from '../client/credential-process.js';
import { resolveProfileCredentials } from '../client/providers.js';
import { ClientConfigError } from '../client/shared-config.js';
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
import { EXPORT_FORMATS, type ExportFormat, credentialVariables, formatExport } from './output.js';

/** What exec, export and credential-process take: how to get the session, then where to get it. */
const CREDENTIAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'duration-seconds': { arg: 'SECONDS', help: 'how long the session lasts' },
  'token-code': { arg: 'CODE', help: 'the MFA code (else mfa_process, else a prompt)' },
  'role-session-name': { arg: 'NAME', help: 'the role session name of an assumed role' },
  'no-session': { kind: 'flag', help: 'hand over long-term keys as they are, without a GetSessionToken session' },
  ...CONNECTION_OPTIONS,
};

/** Variables that would compete with the credentials we hand over. */
const SCRUBBED = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_ACCOUNT_ID',
];

function durationOf(args: ParsedArgs): number | undefined {
  const text = one(args, 'duration-seconds');
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--duration-seconds must be a whole number of seconds, not ${text}`);
  return Number(text);
}

async function profileCredentials(profile: string, args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<{ ctx: ClientContext; credentials: AwsCredentials }> {
  const ctx = clientContext(args, { profile, env });
  const credentials = await resolveProfileCredentials({
    ...chainOptions(ctx),
    profile,
    tokenCode: one(args, 'token-code'),
    durationSeconds: durationOf(args),
    roleSessionName: one(args, 'role-session-name'),
    sessionForStaticKeys: !args.options.has('no-session'),
  });
  if (credentials.expiration && credentials.expiration.getTime() <= Date.now()) {
    throw new ClientConfigError(`The credentials of profile ${profile} expired at ${credentials.expiration.toISOString()}.`);
  }
  return { ctx, credentials };
}

/** Region and endpoint variables for a child process, so that every AWS tool in it reaches the same STS. */
function contextVariables(ctx: ClientContext): Record<string, string | undefined> {
  const region = regionOf(ctx);
  return { AWS_REGION: region, AWS_DEFAULT_REGION: region, AWS_ENDPOINT_URL_STS: customStsEndpoint(ctx) };
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
AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION (and AWS_REGION, AWS_ENDPOINT_URL_STS when known).`,
  options: CREDENTIAL_OPTIONS,
  maxPositionals: 1,
  stopAfterPositionals: 1,
};

export async function exec(argv: string[]): Promise<number> {
  const args = parseCommand(execSpec, argv);
  if (!args) return 0;
  const profile = profileArgument(args, 'exec');
  const [program, ...programArgs] = args.rest;
  if (!program) throw new UsageError('opensts exec needs a command to run: opensts exec PROFILE -- COMMAND [ARGS...]');
  const { ctx, credentials } = await profileCredentials(profile, args);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  for (const [k, v] of credentialVariables(credentials, { ...contextVariables(ctx), OPENSTS_PROFILE: profile })) env[k] = v;
  const { spawn } = await import('node:child_process'); // on demand: the other commands never need it
  return new Promise((resolve) => {
    const child = spawn(program, programArgs, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = (code: number) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`opensts: cannot run ${program}: ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
      done(err.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0)));
  });
}

export const exportSpec: CommandSpec = {
  name: 'opensts export',
  synopsis: 'PROFILE [options]',
  description: `Prints the profile's temporary credentials for a shell (eval "$(opensts export dev)"), a .env file, or as
credential_process JSON.`,
  options: { format: { arg: 'FORMAT', help: 'the syntax (default sh)', choices: EXPORT_FORMATS }, ...CREDENTIAL_OPTIONS },
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
    throw new ClientConfigError(`credential_process loop: profile ${profile} gets its credentials from "opensts credential-process ${profile}" (${[...stack, profile].join(' -> ')})`);
  }
  const env = { ...process.env, [STACK_VARIABLE]: [...stack, profile].join('\n') };
  const { credentials } = await profileCredentials(profile, args, env);
  process.stdout.write(formatExport('json', credentials));
  return 0;
}
