/**
 * `opensts serve --config FILE` (or OPENSTS_CONFIG): a JSON object whose keys are exactly the long options of
 * `opensts serve`, derived from its options table, so that an option added there is a config key with nothing else
 * to change. Every option can also be set by an environment variable, OPENSTS_<OPTION> (OPENSTS_DATA_DIR,
 * OPENSTS_LOG_LEVEL...; three older names differ, ENV_NAMES). Flags win over environment variables, which win over
 * the file, which wins over the defaults.
 *
 * JSON because it needs no dependency and every configuration tool writes it; values are strings as on the command
 * line, or numbers and booleans where the option takes them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CommandSpec, parseArgs, UsageError } from './args.js';

/** An options table: the shape of node:util's parseArgs options, which the config file's keys are checked against. */
export interface OptionEntry {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  readonly default?: string | boolean;
}
type Options = Readonly<Record<string, OptionEntry>>;
type Value = string | boolean;
type Values = Record<string, Value | Value[] | undefined>;

/** The table of a command's spec, with -h / --help (the command line's only). */
export function serveOptionsTable(spec: CommandSpec): Options {
  const table: Record<string, OptionEntry> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    if (COMMAND_LINE_ONLY.has(name)) continue;
    table[name] =
      o.kind === 'flag'
        ? { type: 'boolean' }
        : {
            type: 'string',
            ...(o.kind === 'list' && { multiple: true }),
            ...(o.default !== undefined && { default: o.default }),
          };
  }
  table.help = { type: 'boolean', short: 'h' };
  return table;
}

/** The command line by the table, with the one parser of every command (args.ts). */
function parseFlags(argv: readonly string[], options: Options): Values {
  const entries = Object.entries(options);
  const parsed = parseArgs(argv, {
    values: entries.filter(([, o]) => o.type === 'string' && !o.multiple).map(([k]) => k),
    lists: entries.filter(([, o]) => o.type === 'string' && o.multiple).map(([k]) => k),
    flags: entries.filter(([, o]) => o.type === 'boolean').map(([k]) => k),
    shorts: Object.fromEntries(entries.filter(([, o]) => o.short).map(([k, o]) => [o.short!, k])),
  });
  if (parsed.positionals.length || parsed.rest.length)
    throw new UsageError(`Unknown options: ${[...parsed.positionals, ...parsed.rest].join(', ')}`);
  const values: Values = {};
  for (const [name, o] of entries) {
    const given = parsed.options.get(name);
    if (given !== undefined) values[name] = o.type === 'boolean' ? true : o.multiple ? given : given[0];
  }
  return values;
}

/** Not settings: what the command line alone may say. */
const COMMAND_LINE_ONLY = new Set(['help', 'config']);

/** Environment variables that do not follow the OPENSTS_<OPTION_NAME> convention. */
const ENV_NAMES: Record<string, string> = {
  store: 'OPENSTS_DATABASE_URL',
  'tls-cert': 'OPENSTS_TLS_CERT_FILE',
  'tls-key': 'OPENSTS_TLS_KEY_FILE',
};

/** The environment variable that sets an option (every option has one: containers are configured that way). */
export const envNameOf = (option: string) => ENV_NAMES[option] ?? `OPENSTS_${option.toUpperCase().replace(/-/g, '_')}`;

function envBoolean(name: string, value: string): boolean {
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, not ${value}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks a config file against the options table: every key known, every value of its option's type. */
export function readServeConfig(file: string, options: Options): Record<string, Value> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the config file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`the config file ${file} must hold a JSON object of settings`);
  }
  const known = Object.keys(options).filter((k) => !COMMAND_LINE_ONLY.has(k));
  const config: Record<string, Value> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const option = COMMAND_LINE_ONLY.has(key) ? undefined : options[key];
    if (!option)
      throw new ConfigError(
        `the config file ${file} has an unknown key "${key}" (the keys are the options of opensts serve: ${known.join(', ')})`,
      );
    if (option.type === 'boolean') {
      if (typeof value !== 'boolean')
        throw new ConfigError(`the config file ${file}: "${key}" must be true or false, not ${JSON.stringify(value)}`);
      config[key] = value;
    } else if (option.multiple) {
      throw new ConfigError(`the config file ${file}: "${key}" can only be given on the command line`);
    } else if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      config[key] = String(value);
    } else {
      throw new ConfigError(
        `the config file ${file}: "${key}" must be a string${option.type === 'string' ? ' or a number' : ''}, not ${JSON.stringify(value)}`,
      );
    }
  }
  return config;
}

export interface ServeSettings<V> {
  /** The settings as parseArgs would give them had everything been flags (defaults filled in). */
  values: V;
  /** The config file, absolute, when one was given. */
  configFile?: string;
  /** The keys the file set that neither a flag nor an environment variable overrode. */
  fromFile: Set<string>;
  /** Keys set by a flag or an environment variable: a reload of the file does not change them. */
  overridden: Set<string>;
  /** The options table. */
  options: Options;
}

/**
 * The command line with a `--config` option and the file's settings merged under the flags and environment variables.
 * The table's defaults apply last, so that a setting the file makes is not hidden by a default.
 */
export function parseServeSettings(
  config: { readonly args?: readonly string[]; readonly options: Options },
  env: NodeJS.ProcessEnv = process.env,
): ServeSettings<Record<string, Value | Value[] | undefined>> {
  const options: Record<string, OptionEntry> = {};
  for (const [name, o] of Object.entries(config.options)) options[name] = { ...o, default: undefined };
  options.config = { type: 'string' };
  const flags = parseFlags(config.args ?? [], options);
  const file = (flags.config as string | undefined) ?? (env.OPENSTS_CONFIG || undefined);
  const fromFile = new Set<string>();
  const overridden = new Set<string>();
  const values: Record<string, unknown> = {};
  const fileValues = file === undefined ? {} : readServeConfig(resolve(file), config.options);
  for (const [name, o] of Object.entries(config.options)) {
    const fromEnv = COMMAND_LINE_ONLY.has(name) ? undefined : env[envNameOf(name)] || undefined;
    if (flags[name] !== undefined) values[name] = flags[name];
    else if (fromEnv !== undefined)
      values[name] = o.type === 'boolean' ? envBoolean(envNameOf(name), fromEnv) : fromEnv;
    else if (fileValues[name] !== undefined) {
      values[name] = fileValues[name];
      fromFile.add(name);
    } else values[name] = o.default;
    if (flags[name] !== undefined || fromEnv !== undefined) overridden.add(name);
  }
  return {
    values: values as Record<string, Value | Value[] | undefined>,
    configFile: file === undefined ? undefined : resolve(file),
    fromFile,
    overridden,
    options: config.options,
  };
}

/** A bad setting read from the file: the message says so, with the key, so that the operator edits the right place. */
export function blameConfig(err: unknown, settings: ServeSettings<unknown>): unknown {
  if (!(err instanceof Error) || !settings.configFile) return err;
  const m = /^--([a-z0-9-]+)/.exec(err.message);
  if (!m || !settings.fromFile.has(m[1]!)) return err;
  return new ConfigError(`${err.message} (the config file ${settings.configFile} sets "${m[1]}")`);
}

/** The settings a SIGHUP applies without a restart; the others are read at start only. */
export const LIVE_SETTINGS = ['log-level'] as const;

/**
 * On SIGHUP: the file read again. Returns the live settings it now gives (those no flag or variable overrides), and
 * the keys whose new value waits for a restart. Throws, naming the problem, when the file is no longer valid.
 */
export function reloadServeConfig(settings: ServeSettings<Record<string, unknown>>): {
  live: Partial<Record<(typeof LIVE_SETTINGS)[number], string>>;
  needRestart: string[];
} {
  const { options } = settings;
  const fresh = readServeConfig(settings.configFile!, options);
  const live: Record<string, string> = {};
  const needRestart: string[] = [];
  for (const name of Object.keys(options)) {
    if (COMMAND_LINE_ONLY.has(name) || settings.overridden.has(name)) continue;
    const now = fresh[name] ?? options[name]!.default;
    if ((LIVE_SETTINGS as readonly string[]).includes(name)) {
      if (now !== undefined) live[name] = String(now);
    } else if (now !== settings.values[name]) needRestart.push(name);
  }
  return { live, needRestart };
}
