/**
 * Memoization shared by every provider: temporary credentials are kept until shortly before they expire, and one
 * refresh is in flight however many callers wait.
 */
import type { AwsCredentials } from '../credential-process.js';
import type { CredentialProvider } from '../sts-client.js';

export const REFRESH_WINDOW_MS = 5 * 60_000;

export interface MemoizeOptions {
  readonly refreshWindowMs?: number;
  readonly now?: () => number;
}

/**
 * Caches a provider's credentials until `refreshWindowMs` before they expire (long-term ones forever), and
 * shares one pending refresh among every concurrent caller. A failed refresh is not cached.
 */
export function memoize(provider: CredentialProvider, options: MemoizeOptions = {}): CredentialProvider {
  const window = options.refreshWindowMs ?? REFRESH_WINDOW_MS;
  const now = options.now ?? Date.now;
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return () => {
    if (current && (!current.expiration || current.expiration.getTime() - now() > window))
      return Promise.resolve(current);
    pending ??= provider().then(
      (credentials) => {
        current = credentials;
        pending = undefined;
        return credentials;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
