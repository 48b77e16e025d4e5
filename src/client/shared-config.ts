/**
 * ~/.aws/config and ~/.aws/credentials, read the way botocore reads them (configloader.py on top of
 * Python's RawConfigParser), so a file means the same thing to `opensts` as to `aws`. Sync on purpose:
 * two small reads at CLI start-up.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

/** A value is a plain string, or a sub-section (`s3 =` followed by indented `key = value` lines). */
export type ConfigValue = string | Readonly<Record<string, string>>;
export type ConfigSection = Readonly<Record<string, ConfigValue>>;
export type Env = Readonly<Record<string, string | undefined>>;

export interface SharedConfigFiles {
  readonly configFile: string;
  readonly credentialsFile: string;
  /** `[default]` and `[profile name]` sections of the config file. */
  readonly profiles: Readonly<Record<string, ConfigSection>>;
  /** `[services name]` sections of the config file. */
  readonly services: Readonly<Record<string, ConfigSection>>;
  /** `[sso-session name]` sections of the config file. */
  readonly ssoSessions: Readonly<Record<string, ConfigSection>>;
  /** Every section of the credentials file, by its bare name (`[name]`, no `profile ` prefix). */
  readonly credentials: Readonly<Record<string, ConfigSection>>;
}

/** Base class of every configuration error of the client, so the CLI can print them without a stack. */
export class ClientConfigError extends Error {
  override name = 'ClientConfigError';
}
/** A file exists but cannot be read or parsed. */
export class ConfigParseError extends ClientConfigError {
  override name = 'ConfigParseError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Unable to parse config file: ${path}: ${reason}`);
  }
}
export class ProfileNotFoundError extends ClientConfigError {
  override name = 'ProfileNotFoundError';
  constructor(
    readonly profile: string,
    message = `The config profile (${profile}) could not be found`,
  ) {
    super(message);
  }
}
/** Configuration that parses but cannot work (botocore's InvalidConfigError). */
export class InvalidConfigError extends ClientConfigError {
  override name = 'InvalidConfigError';
}
export class ProfileLoopError extends InvalidConfigError {
  override name = 'ProfileLoopError';
  constructor(readonly chain: readonly string[]) {
    super(`Infinite loop in profile chain: ${chain.join(' -> ')}`);
  }
}

// Python's str.isspace() set: JS's \s lacks \x1c-\x1f and \x85, and wrongly (for us) includes \ufeff.
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_WS = new RegExp(`^[${WS}]+`);
const TRAILING_WS = new RegExp(`[${WS}]+$`);
const NON_WS = new RegExp(`[^${WS}]`);
const rstrip = (s: string) => s.replace(TRAILING_WS, '');
const strip = (s: string) => rstrip(s.replace(LEADING_WS, ''));
/** Python's str.splitlines() separators (used by botocore on nested values). */
const SPLITLINES = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Null-prototype records: profile names like `constructor` or keys like `__proto__` stay plain data. */
function record<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/**
 * Python's shlex.split(s) (POSIX mode, no comments): botocore uses it for section names
 * (`[profile "my name"]`) and to split `credential_process` commands.
 */
export function shellSplit(input: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false; // a token has started (even an empty quoted one: '' is a token)
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quote === "'") {
      if (c === "'") quote = '';
      else token += c;
    } else if (quote === '"') {
      if (c === '"') quote = '';
      else if (c === '\\') {
        if (i + 1 >= input.length) throw new Error('No escaped character');
        const next = input[++i]!;
        // Inside double quotes only \\ and \" are escapes; any other backslash is kept.
        token += next === '\\' || next === '"' ? next : c + next;
      } else token += c;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else {
      inToken = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 >= input.length) throw new Error('No escaped character');
        token += input[++i]!;
      } else token += c;
    }
  }
  if (quote) throw new Error('No closing quotation');
  if (inToken) tokens.push(token);
  return tokens;
}

/**
 * Parses INI text into its sections, exactly as botocore's raw_config_parse: RawConfigParser
 * semantics (keys lower-cased, `=` or `:` delimiters, full-line `#`/`;` comments only — there are
 * no inline comments —, indented continuation lines, `[DEFAULT]` values inherited by every
 * section, duplicate sections or keys are errors), then values that start with a newline become
 * sub-sections.
 */
export function parseIni(text: string, path = '<string>'): Record<string, ConfigSection> {
  const sections = new Map<string, Map<string, string[]>>();
  const defaults = new Map<string, string[]>();
  const seenKeys = new Set<string>();
  const badLines: number[] = [];
  let section: Map<string, string[]> | undefined;
  let sectionName = '';
  let option: string | undefined; // the key continuation lines attach to
  let indent = 0;
  const lines = text.split(/\r\n|\r|\n/); // Python's universal newlines
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const value = strip(line);
    if (value.startsWith('#') || value.startsWith(';')) return;
    if (!value) {
      // Blank lines belong to a multi-line value (trailing ones are stripped at the end).
      if (section && option) section.get(option)!.push('');
      return;
    }
    const lineIndent = line.search(NON_WS);
    if (section && option && lineIndent > indent) {
      section.get(option)!.push(value);
      return;
    }
    indent = lineIndent;
    const header = /^\[([^\n]+)\]/.exec(value);
    if (header) {
      sectionName = header[1]!;
      if (sections.has(sectionName))
        throw new ConfigParseError(path, `duplicate section [${sectionName}] (line ${lineNo})`);
      if (sectionName === 'DEFAULT') section = defaults;
      else sections.set(sectionName, (section = new Map()));
      option = undefined;
      return;
    }
    if (!section) {
      const hint = value.startsWith('\ufeff')
        ? ' (the file starts with a byte-order mark; save it as UTF-8 without BOM)'
        : '';
      throw new ConfigParseError(path, `line ${lineNo} comes before any [section] header${hint}`);
    }
    const delimiter = value.search(/[=:]/);
    if (delimiter <= 0) {
      // Like configparser, collect every bad line before failing. Line numbers only: the text may be a secret.
      badLines.push(lineNo);
      return;
    }
    option = rstrip(value.slice(0, delimiter)).toLowerCase();
    const seenKey = `${sectionName}\0${option}`;
    if (seenKeys.has(seenKey))
      throw new ConfigParseError(path, `duplicate key "${option}" in section [${sectionName}] (line ${lineNo})`);
    seenKeys.add(seenKey);
    section.set(option, [strip(value.slice(delimiter + 1))]);
  });
  if (badLines.length)
    throw new ConfigParseError(
      path,
      `expected "key = value" at line${badLines.length > 1 ? 's' : ''} ${badLines.join(', ')}`,
    );

  const finish = (name: string, key: string, parts: string[]): ConfigValue => {
    const joined = rstrip(parts.join('\n'));
    return joined.startsWith('\n') ? parseNested(joined, path, name, key) : joined;
  };
  const out = record<ConfigSection>();
  for (const [name, options] of sections) {
    const values = record<ConfigValue>();
    for (const [key, parts] of options) values[key] = finish(name, key, parts);
    for (const [key, parts] of defaults) if (!options.has(key)) values[key] = finish(name, key, parts);
    out[name] = values;
  }
  return out;
}

/** botocore's _parse_nested: one level, `=` only, keys and values stripped but not lower-cased. */
function parseNested(value: string, path: string, section: string, key: string): Record<string, string> {
  const nested = record<string>();
  for (const raw of value.split(SPLITLINES)) {
    const line = strip(raw);
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ConfigParseError(path, `in [${section}], the sub-section "${key}" has a line without "="`);
    nested[strip(line.slice(0, eq))] = strip(line.slice(eq + 1));
  }
  return nested;
}

/**
 * Splits config-file sections into profiles, services and sso-sessions like botocore's
 * build_profile_map: a section name starting with `profile`/`services`/`sso-session` is split
 * shell-style and kept only when it has exactly two words; `[default]` is the default profile.
 * When `[default]` and `[profile default]` both exist, the later one wins, whole.
 */
export function buildProfileMap(sections: Record<string, ConfigSection>) {
  const profiles = record<ConfigSection>();
  const services = record<ConfigSection>();
  const ssoSessions = record<ConfigSection>();
  for (const [name, values] of Object.entries(sections)) {
    const target = name.startsWith('profile')
      ? profiles
      : name.startsWith('sso-session')
        ? ssoSessions
        : name.startsWith('services')
          ? services
          : undefined;
    if (target) {
      let words: string[];
      try {
        words = shellSplit(name);
      } catch {
        continue;
      }
      if (words.length === 2) target[words[1]!] = values;
    } else if (name === 'default') profiles[name] = values;
  }
  return { profiles, services, ssoSessions };
}

/** Python's os.path.expandvars: `$NAME` / `${NAME}`, unknown names left as they are. */
function expandVars(path: string, env: Env): string {
  return path.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') && name.endsWith('}') ? name.slice(1, -1) : name;
    return env[key] ?? whole;
  });
}

function homeOf(env: Env, homeDir?: string): string {
  return homeDir || env.HOME || homedir();
}

/** Expands a leading `~` or `~/` (not `~user`) like os.path.expanduser. */
export function expandHome(path: string, home: string): string {
  if (path !== '~' && !path.startsWith('~/')) return path;
  return home.replace(/\/+$/, '') + path.slice(1) || '/';
}

/** Where the two files live: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (with $VAR and ~ expansion, as botocore) or ~/.aws. */
export function sharedConfigPaths(opts: { env: Env; homeDir?: string }): {
  configFile: string;
  credentialsFile: string;
} {
  const home = homeOf(opts.env, opts.homeDir);
  const resolve = (value: string | undefined, fallback: string) =>
    expandHome(expandVars(value ?? fallback, opts.env), home);
  return {
    configFile: resolve(opts.env.AWS_CONFIG_FILE, '~/.aws/config'),
    credentialsFile: resolve(opts.env.AWS_SHARED_CREDENTIALS_FILE, '~/.aws/credentials'),
  };
}

/** The file's text, or undefined when there is no such file (botocore: "missing files are empty"). */
function readIfPresent(path: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // botocore checks os.path.isfile first, so a directory counts as absent too.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    // botocore (configparser.read) silently ignores unreadable files; a clear error is kinder.
    throw new ConfigParseError(path, `cannot read the file (${code ?? (err as Error).message})`);
  }
  try {
    // Keep a byte-order mark: botocore (Python's utf-8 codec) does, and then rejects the file.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ConfigParseError(path, 'the file is not valid UTF-8');
  }
}

/** Reads and parses both shared files. Missing files are empty; unreadable or malformed ones throw ConfigParseError. */
export function loadSharedConfig(opts: { env: Env; homeDir?: string }): SharedConfigFiles {
  const { configFile, credentialsFile } = sharedConfigPaths(opts);
  const configText = readIfPresent(configFile);
  const credentialsText = readIfPresent(credentialsFile);
  return {
    configFile,
    credentialsFile,
    ...buildProfileMap(configText === undefined ? record() : parseIni(configText, configFile)),
    credentials: credentialsText === undefined ? record() : parseIni(credentialsText, credentialsFile),
  };
}

export function profileExists(name: string, files: SharedConfigFiles): boolean {
  return name in files.profiles || name in files.credentials;
}

/** Every profile name found in either file, config-file order first. */
export function profileNames(files: SharedConfigFiles): string[] {
  return [...new Set([...Object.keys(files.profiles), ...Object.keys(files.credentials)])];
}

/**
 * A profile's settings, credentials-file keys over config-file keys (botocore's full_config). With
 * no name, the default profile, or an empty one if there is none; a name that was asked for must
 * exist, even `default`.
 */
export function resolveProfile(name: string | undefined, files: SharedConfigFiles): ConfigSection {
  const key = name ?? 'default';
  if (!profileExists(key, files)) {
    if (name === undefined) return record();
    throw new ProfileNotFoundError(key);
  }
  return record([...Object.entries(files.profiles[key] ?? {}), ...Object.entries(files.credentials[key] ?? {})]);
}

/** A plain string setting; a sub-section where a value is expected is a configuration error. */
export function scalarSetting(profile: ConfigSection, key: string, profileName: string): string | undefined {
  const value = profile[key];
  if (value === undefined || typeof value === 'string') return value;
  throw new InvalidConfigError(
    `The profile "${profileName}" has a sub-section for "${key}", which must be a single value.`,
  );
}

const hasStaticKeys = (p: ConfigSection) => 'aws_access_key_id' in p || 'aws_secret_access_key' in p;
const hasRoleSettings = (p: ConfigSection) => 'role_arn' in p && !('web_identity_token_file' in p);
/** What botocore's profile providers can get credentials from (SSO and `aws login` included). */
const hasOwnCredentials = (p: ConfigSection) =>
  'aws_access_key_id' in p ||
  'web_identity_token_file' in p ||
  'credential_process' in p ||
  'sso_role_name' in p ||
  'sso_account_id' in p ||
  'login_session' in p;

/**
 * Follows `source_profile` links from `name`, the way botocore's AssumeRoleProvider walks them.
 * Returns the profiles visited, starting with `name`: each one except the last assumes its role
 * with credentials from the next; the last one supplies the base credentials — its own keys (or
 * process / web identity), or, when it is a role profile with `credential_source`, that source.
 * A source profile that has static keys stops the walk even if it also has a `role_arn`, and a
 * role profile may name itself as source when it holds static keys (`[a, a]`).
 */
export function profileChain(name: string | undefined, files: SharedConfigFiles): string[] {
  let current = name ?? 'default';
  let profile = resolveProfile(name, files);
  const chain = [current];
  for (;;) {
    const isSource = chain.length > 1;
    if (isSource ? hasStaticKeys(profile) || !hasRoleSettings(profile) : !hasRoleSettings(profile)) {
      if (isSource && !hasOwnCredentials(profile))
        throw new InvalidConfigError(`The source profile "${current}" must have credentials.`);
      return chain;
    }
    const source = scalarSetting(profile, 'source_profile', current);
    const credentialSource = scalarSetting(profile, 'credential_source', current);
    if (source !== undefined && credentialSource !== undefined) {
      throw new InvalidConfigError(`The profile "${current}" contains both source_profile and credential_source.`);
    }
    if (credentialSource !== undefined) return chain;
    if (source === undefined) {
      throw new InvalidConfigError(
        `Partial credentials found in assume-role, missing: source_profile or credential_source (profile "${current}")`,
      );
    }
    if (!profileExists(source, files)) {
      throw new ProfileNotFoundError(
        source,
        `The source_profile "${source}" referenced in the profile "${current}" does not exist.`,
      );
    }
    const next = resolveProfile(source, files);
    if (chain.includes(source) && (source !== current || !hasStaticKeys(next)))
      throw new ProfileLoopError([...chain, source]);
    chain.push(source);
    current = source;
    profile = next;
  }
}

/** The home directory rule shared by the client modules: explicit, then HOME, then the OS. */
export function homeDirectory(env: Env, homeDir?: string): string {
  return homeOf(env, homeDir);
}
