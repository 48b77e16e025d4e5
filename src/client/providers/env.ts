/** Credentials from the environment, as the AWS tools read them. */
import type { Env } from '../shared-config.js';
import type { AwsCredentials } from '../credential-process.js';
import type { CredentialProvider } from '../sts-client.js';
import { CredentialsProviderError, checkNotExpired } from './errors.js';

export interface FromEnvOptions {
  readonly env?: Env;
}

/** AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_ACCOUNT_ID). */
export function fromEnv(options: FromEnvOptions = {}): CredentialProvider {
  return async () => {
    const env = options.env ?? process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId && !secretAccessKey)
      throw new CredentialsProviderError('No credentials in the environment (AWS_ACCESS_KEY_ID)', true);
    if (!accessKeyId || !secretAccessKey) {
      throw new CredentialsProviderError(
        `Partial credentials found in env, missing: ${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}`,
      );
    }
    const sessionToken = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN || undefined;
    const expirationText = env.AWS_CREDENTIAL_EXPIRATION || undefined;
    const expiration = expirationText === undefined ? undefined : new Date(expirationText);
    if (expiration && Number.isNaN(expiration.getTime()))
      throw new CredentialsProviderError(`AWS_CREDENTIAL_EXPIRATION is not a timestamp: ${expirationText}`);
    const credentials: AwsCredentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken && { sessionToken }),
      ...(expiration && { expiration }),
      ...(env.AWS_ACCOUNT_ID && { accountId: env.AWS_ACCOUNT_ID }),
    };
    return checkNotExpired(credentials, 'the environment (AWS_CREDENTIAL_EXPIRATION)', Date.now);
  };
}
