/**
 * `opensts sts <operation>`: the aws CLI's `aws sts ...` commands, with the same parameters (derived from the
 * model: RoleArn is --role-arn, lists take several values, file:// reads a value from a file) and the same
 * JSON and text output, plus `--output env` for results that hold credentials.
 */
import { readFileSync } from 'node:fs';
import { credentialsFromResult } from '../client/sts-client.js';
import { type ParamValue, type Shape, type ShapeRef, operationModel, shapeOf, stsModel } from '../client/sts-model.js';
import { StsServiceError } from '../client/sts-client.js';
import {
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
  EXIT_USAGE,
  GLOBAL_OPTIONS,
  OUTPUT_FORMATS,
  UsageError,
  clientContext,
  credentialsOf,
  one,
  parseCommand,
  stsClientOf,
} from './common.js';
import { compileQuery, formatExport, formatResult } from './output.js';

/**
 * The operations the OpenSTS server answers: the model also has AssumeRoot and GetDelegatedAccessToken, which it
 * does not, and help lists only what works.
 */
const SUPPORTED = new Set([
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'GetCallerIdentity',
  'GetFederationToken',
  'GetSessionToken',
  'GetWebIdentityToken',
]);
const STS_OUTPUTS = [...OUTPUT_FORMATS, 'env'] as const;
/** The global options of `opensts sts`: --output also takes `env` (credentials as shell lines). */
const STS_GLOBALS: Readonly<Record<string, OptionSpec>> = {
  ...GLOBAL_OPTIONS,
  output: {
    ...GLOBAL_OPTIONS.output!,
    help: `${GLOBAL_OPTIONS.output!.help}; env: credentials as sh export lines`,
    choices: STS_OUTPUTS,
  },
};

/** botocore's xform_name, then dashes: RoleArn -> role-arn, SAMLAssertion -> saml-assertion. */
export function cliName(member: string): string {
  return member
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

function operations(): Map<string, string> {
  return new Map(
    Object.keys(stsModel().operations)
      .filter((op) => SUPPORTED.has(op))
      .map((op) => [cliName(op), op]),
  );
}

const usage = () => `Usage: opensts sts <command> [parameters] [options]

Calls OpenSTS like \`aws sts <command>\`, with the aws CLI's parameters and output.

Commands:
${[...operations().keys()].map((c) => `  ${c}`).join('\n')}

opensts sts <command> --help lists a command's parameters and options.
`;

/** A command's spec: the operation's parameters from the model, then the global options. */
function commandSpec(command: string, op: string): CommandSpec {
  const input = operationModel(op).input;
  const shape: Shape = input ? shapeOf(input.shape) : { type: 'structure' };
  const params: Record<string, OptionSpec> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const type = shapeOf(ref).type;
    const list = type === 'list';
    const arg = list
      ? shapeOf(shapeOf(ref).member!).type === 'structure'
        ? 'Name=value,...'
        : 'VALUE'
      : type === 'integer'
        ? 'INTEGER'
        : 'VALUE';
    params[cliName(name)] = {
      kind: list ? 'list' : 'value',
      arg,
      help: `${name}${shape.required?.includes(name) ? ' (required)' : ''}`,
    };
  }
  return {
    name: `opensts sts ${command}`,
    synopsis: Object.keys(params).length ? '[parameters] [options]' : '[options]',
    description: `Calls ${op}. A parameter's value can be read from a file: --name file://PATH.`,
    options: { ...params, ...STS_GLOBALS },
  };
}

/** A shorthand `Key=a,Value=b` or JSON value for a structure. */
function structureValue(text: string, ref: ShapeRef, flag: string): ParamValue {
  if (text.trimStart().startsWith('{')) return parseJson(text, flag) as ParamValue;
  const members = shapeOf(ref).members ?? {};
  const out: Record<string, ParamValue> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new UsageError(
        `Error parsing parameter '${flag}': expected Name=value pairs separated by commas, got: ${pair}`,
      );
    const key = pair.slice(0, eq).trim();
    const member = Object.keys(members).find((m) => m.toLowerCase() === key.toLowerCase());
    if (!member)
      throw new UsageError(
        `Error parsing parameter '${flag}': unknown key ${key} (valid: ${Object.keys(members).join(', ')})`,
      );
    out[member] = pair.slice(eq + 1);
  }
  return out;
}

function parseJson(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`Error parsing parameter '${flag}': invalid JSON: ${text.slice(0, 60)}`);
  }
}

function readValue(text: string): string {
  if (!text.startsWith('file://')) return text;
  const path = text.slice('file://'.length);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `Unable to load parameter value from ${text}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function paramValue(values: string[], ref: ShapeRef, flag: string): ParamValue {
  const shape = shapeOf(ref);
  if (shape.type === 'list') {
    const item = shape.member!;
    if (values.length === 1 && values[0]!.trimStart().startsWith('['))
      return parseJson(readValue(values[0]!), flag) as ParamValue;
    return values.map((v) => paramValue([v], item, flag));
  }
  if (values.length > 1) throw new UsageError(`${flag} takes one value`);
  const text = readValue(values[0]!);
  switch (shape.type) {
    case 'structure':
      return structureValue(text, ref, flag);
    case 'integer':
    case 'long': {
      if (!/^-?\d+$/.test(text.trim()))
        throw new UsageError(`invalid literal for int() with base 10: '${text}' (${flag})`);
      return Number(text.trim());
    }
    default:
      return text;
  }
}

export async function sts(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const ops = operations();
  if (command === undefined) {
    process.stderr.write(`${usage()}\nopensts: error: the following arguments are required: operation\n`);
    return EXIT_USAGE;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  const op = ops.get(command);
  if (!op) throw new UsageError(`Invalid choice: '${command}', valid choices are: ${[...ops.keys()].join(', ')}`);
  const spec = commandSpec(command, op);
  const args = parseCommand(spec, rest);
  if (!args) return 0;
  const inputShape: Shape = operationModel(op).input ? shapeOf(operationModel(op).input!.shape) : { type: 'structure' };
  const members: Readonly<Record<string, ShapeRef>> = inputShape.members ?? {};
  const flags = new Map(Object.keys(members).map((m) => [cliName(m), m]));
  const missing = (inputShape.required ?? []).filter((m) => !args.options.has(cliName(m)));
  if (missing.length > 0)
    throw new UsageError(`the following arguments are required: ${missing.map((m) => `--${cliName(m)}`).join(', ')}`);
  const params: Record<string, ParamValue> = {};
  for (const [flag, member] of flags) {
    const values = args.options.get(flag);
    if (values !== undefined) params[member] = paramValue(values, members[member]!, `--${flag}`);
  }
  const query = one(args, 'query');
  if (query !== undefined) await compileQuery(query);
  const ctx = clientContext(args);
  return run(op, params, ctx, outputOf(args, ctx), query);
}

type StsOutput = (typeof STS_OUTPUTS)[number];

/** --output, else AWS_DEFAULT_OUTPUT, else the profile's output (a configured value we do not know is an error, as in the aws CLI). */
export function outputOf(
  args: ParsedArgs,
  ctx: ReturnType<typeof clientContext>,
  formats: readonly string[] = STS_OUTPUTS,
): StsOutput {
  const given = one(args, 'output');
  if (given !== undefined) return given as StsOutput;
  const configured = ctx.env.AWS_DEFAULT_OUTPUT || (ctx.profile?.settings.output as string | undefined) || 'json';
  if (!formats.includes(configured))
    throw new UsageError(
      `argument --output: Invalid choice: '${configured}' (choose from ${formats.map((c) => `'${c}'`).join(', ')})`,
    );
  return configured as StsOutput;
}

async function run(
  op: string,
  params: Record<string, ParamValue>,
  ctx: ReturnType<typeof clientContext>,
  output: StsOutput,
  query: string | undefined,
): Promise<number> {
  const unsigned = operationModel(op).authtype === 'none';
  // The aws CLI sends what it is given; a serial number without a code is better met with a prompt.
  if (
    (op === 'GetSessionToken' || op === 'AssumeRole') &&
    params.SerialNumber !== undefined &&
    params.TokenCode === undefined
  ) {
    params.TokenCode = (await ctx.mfaCodeProvider(String(params.SerialNumber))).trim();
  }
  const call = () => stsClientOf(ctx, unsigned ? undefined : credentialsOf(ctx)).send(op, params);
  let response;
  try {
    response = await call();
  } catch (err) {
    // Cached credentials the server says have expired (its clock or a revocation disagree with ours): drop them, retry once.
    if (!(err instanceof StsServiceError && err.code === 'ExpiredToken' && (await ctx.cache.dropServed()) > 0))
      throw err;
    process.stderr.write('opensts: the cached credentials had expired; fetched new ones\n');
    response = await call();
  }
  const { result } = response;
  if (output === 'env') {
    if (!result.Credentials)
      throw new UsageError(`--output env needs a command that returns credentials; ${op} does not`);
    process.stdout.write(formatExport('sh', credentialsFromResult(result)));
  } else process.stdout.write(await formatResult(result, output, op, query));
  return 0;
}
