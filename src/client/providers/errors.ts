/** What the providers throw, and the check every provider of found (not fetched) credentials makes. */
import type { AwsCredentials } from '../credential-process.js';
import { ClientConfigError } from '../shared-config.js';

/** A provider could not produce credentials. With tryNextLink, a chain goes on to its next provider. */
export class CredentialsProviderError extends ClientConfigError {
  override name = 'CredentialsProviderError';
  constructor(
    message: string,
    readonly tryNextLink = false,
  ) {
    super(message);
  }
}
/** Credentials that were found but have already expired. */
export class CredentialsExpiredError extends ClientConfigError {
  override name = 'CredentialsExpiredError';
}
/** An MFA code was needed and could not be obtained, or is not six digits. */
export class MfaCodeError extends ClientConfigError {
  override name = 'MfaCodeError';
}

export function checkNotExpired(credentials: AwsCredentials, from: string, now: () => number): AwsCredentials {
  if (credentials.expiration && credentials.expiration.getTime() <= now()) {
    throw new CredentialsExpiredError(
      `The credentials from ${from} expired at ${credentials.expiration.toISOString()}; get new ones and try again.`,
    );
  }
  return credentials;
}
