/**
 * The `credential_process` protocol (Version 1 JSON on stdout), both ways: formatting our
 * credentials for tools that call us, and running a profile's external command.
 */
import { ClientConfigError, shellSplit } from './shared-config.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Absent for long-term keys, which are never refreshed. */
  readonly expiration?: Date;
  readonly accountId?: string;
}

export class CredentialProcessError extends ClientConfigError {
  override name = 'CredentialProcessError';
}

/** ISO-8601 in UTC without milliseconds, as AWS prints it (`2026-11-26T02:52:49Z`). Truncating errs on the early side. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The Version 1 document a `credential_process` prints. */
export function formatProcessCredentials(credentials: AwsCredentials): string {
  const { accessKeyId, secretAccessKey, sessionToken, expiration, accountId } = credentials;
  return JSON.stringify({
    Version: 1,
    AccessKeyId: accessKeyId,
    SecretAccessKey: secretAccessKey,
    ...(sessionToken !== undefined && { SessionToken: sessionToken }),
    ...(expiration !== undefined && { Expiration: isoSeconds(expiration) }),
    ...(accountId !== undefined && { AccountId: accountId }),
  });
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Validates a Version 1 document, with botocore's wording where it has one. Required:
 * `Version` = 1, `AccessKeyId`, `SecretAccessKey`; optional: `SessionToken`, `Expiration`, `AccountId`.
 */
export function parseProcessCredentials(output: string): AwsCredentials {
  let doc: unknown;
  try {
    doc = JSON.parse(output);
  } catch {
    // Show the start of non-JSON output (usually an error text), never a JSON body that may hold secrets.
    const start = output.trimStart();
    const shown = start.startsWith('{') || !start ? '' : `: ${JSON.stringify(start.split('\n')[0]!.slice(0, 60))}`;
    throw new CredentialProcessError(`credential_process output is not valid JSON${shown}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CredentialProcessError('credential_process output must be a JSON object');
  }
  const fields = doc as Record<string, unknown>;
  if (fields.Version !== 1) {
    const version = !('Version' in fields)
      ? '<Version key not provided>'
      : typeof fields.Version === 'number'
        ? String(fields.Version)
        : JSON.stringify(fields.Version);
    throw new CredentialProcessError(
      `Unsupported version '${version}' for credential process provider, supported versions: 1`,
    );
  }
  const text = (key: string, required: boolean): string | undefined => {
    const value = fields[key];
    if (value === undefined || value === null) {
      if (required) throw new CredentialProcessError(`Missing required key in response: ${key}`);
      return undefined;
    }
    if (typeof value !== 'string' || value === '')
      throw new CredentialProcessError(`Invalid ${key} in response: expected a non-empty string`);
    return value;
  };
  const accessKeyId = text('AccessKeyId', true)!;
  const secretAccessKey = text('SecretAccessKey', true)!;
  const sessionToken = text('SessionToken', false);
  const accountId = text('AccountId', false);
  const expirationText = text('Expiration', false);
  let expiration: Date | undefined;
  if (expirationText !== undefined) {
    expiration = new Date(expirationText);
    if (!ISO_8601.test(expirationText) || Number.isNaN(expiration.getTime())) {
      throw new CredentialProcessError(
        `Invalid Expiration in response: ${JSON.stringify(expirationText)} is not an ISO-8601 timestamp`,
      );
    }
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== undefined && { sessionToken }),
    ...(expiration !== undefined && { expiration }),
    ...(accountId !== undefined && { accountId }),
  };
}

export interface RunCredentialProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** botocore waits forever; a limit helps scripts. Unset: wait forever too. */
  readonly timeoutMs?: number;
  /** Used when the output has no AccountId: botocore falls back to the profile's aws_account_id. */
  readonly fallbackAccountId?: string;
}

/**
 * Runs `command` split shell-style (no shell, like botocore) and parses its output. stdin is
 * inherited so the command can prompt (e.g. for an MFA code); stdout and stderr are captured.
 * Error messages name only the program, since arguments may hold secrets.
 */
export async function runCredentialProcess(
  command: string,
  options: RunCredentialProcessOptions = {},
): Promise<AwsCredentials> {
  // Loaded on demand: most runs never start a process, and the CLI's start-up time counts.
  const { spawn } = await import('node:child_process');
  let argv: string[];
  try {
    argv = shellSplit(command);
  } catch (err) {
    return Promise.reject(
      new CredentialProcessError(`credential_process cannot be split into arguments: ${(err as Error).message}`),
    );
  }
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new CredentialProcessError('credential_process is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['inherit', 'pipe', 'pipe'],
      env: options.env,
      cwd: options.cwd,
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        err.code === 'ENOENT' ? 'command not found' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new CredentialProcessError(`credential_process ${JSON.stringify(program)} could not be started: ${why}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const errText = Buffer.concat(stderr).toString('utf8').trim();
      if (timedOut)
        return reject(
          new CredentialProcessError(
            `credential_process ${JSON.stringify(program)} timed out after ${options.timeoutMs} ms`,
          ),
        );
      if (code !== 0) {
        const status = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        return reject(
          new CredentialProcessError(
            `credential_process ${JSON.stringify(program)} ${status}${errText ? `: ${errText}` : ''}`,
          ),
        );
      }
      try {
        const credentials = parseProcessCredentials(Buffer.concat(stdout).toString('utf8'));
        const accountId = credentials.accountId ?? options.fallbackAccountId;
        resolve(accountId === undefined ? credentials : { ...credentials, accountId });
      } catch (err) {
        reject(err);
      }
    });
  });
}
