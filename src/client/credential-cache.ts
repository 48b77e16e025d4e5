/**
 * A file cache of temporary credentials, like the CLI's ~/.aws/cli/cache: one `<key>.json` per
 * set of inputs, so short-lived `opensts` runs reuse a role session instead of calling STS (and
 * prompting for MFA) every time. Entries are Version 1 `credential_process` documents.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type AwsCredentials, formatProcessCredentials, parseProcessCredentials } from './credential-process.js';
import { type Env, homeDirectory } from './shared-config.js';

export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;

/** node:fs/promises on first use: it drags in readline and watchers, ~10% of the CLI's start-up when unused. */
const fsp = () => import('node:fs/promises');

export interface CredentialCacheOptions {
  /** Default `~/.opensts/cache`. */
  readonly dir?: string;
  readonly env?: Env;
  readonly homeDir?: string;
  /** Entries expiring within this window count as missing, so callers refresh early. */
  readonly refreshWindowMs?: number;
  readonly now?: () => number;
}

export function defaultCacheDir(env: Env = process.env, homeDir?: string): string {
  return join(homeDirectory(env, homeDir), '.opensts', 'cache');
}

/** Python's json.dumps(value, sort_keys=True): ", " / ": " separators and \uXXXX for non-ASCII. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The cache key of a set of inputs (role ARN, session name, MFA serial, endpoint...): sha1 of
 * their sorted JSON, serialized as Python's json.dumps(sort_keys=True) does, so the same AssumeRole
 * arguments give the same key as the aws CLI's cache.
 */
export function cacheKey(inputs: Readonly<Record<string, unknown>>): string {
  return createHash('sha1').update(pythonJson(inputs), 'utf8').digest('hex');
}

export class CredentialCache {
  readonly dir: string;
  private readonly refreshWindowMs: number;
  private readonly now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.dir = options.dir ?? defaultCacheDir(options.env, options.homeDir);
    this.refreshWindowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  pathOf(key: string): string {
    // Keys become file names: refuse anything that could climb out of the directory.
    if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(key))
      throw new Error(`Invalid credential cache key: ${JSON.stringify(key)}`);
    return join(this.dir, `${key}.json`);
  }

  /** Fresh credentials for `key`, or undefined if absent, unreadable, corrupt, or expiring within the refresh window. */
  async get(key: string): Promise<AwsCredentials | undefined> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await (await fsp()).readFile(path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const credentials = parseProcessCredentials(text);
      if (!credentials.expiration || credentials.expiration.getTime() - this.now() <= this.refreshWindowMs)
        return undefined;
      return credentials;
    } catch {
      return undefined; // a half-written or hand-edited file is just a miss
    }
  }

  /**
   * Stores temporary credentials atomically: a private temp file in the same directory, fsync,
   * rename over the entry. Readers see the old file or the new one, never a mix.
   */
  async set(key: string, credentials: AwsCredentials): Promise<void> {
    if (!credentials.expiration) throw new Error('Only temporary credentials (with an expiration) can be cached');
    const target = this.pathOf(key);
    const { mkdir, open, rename, unlink } = await fsp();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = join(this.dir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      try {
        await file.writeFile(formatProcessCredentials(credentials) + '\n');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    await syncDirectory(this.dir);
  }

  async delete(key: string): Promise<void> {
    await (await fsp()).rm(this.pathOf(key), { force: true });
  }
}

/** Makes the rename itself durable; not possible everywhere (Windows), where it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await (await fsp()).open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
