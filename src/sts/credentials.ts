/** Minting temporary credentials: a fresh ASIA key id and secret, sealed with the claims into the session token. */
import type { App } from '../service/app.js';
import { newAccessKeyId, newSecretAccessKey } from '../tokens/ids.js';
import type { SessionGrant } from '../tokens/session-token.js';

export interface CredentialsOutput {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** Callers pass every field (undefined where absent) rather than spreading: object spread is slow on this path. */
export function issueCredentials(app: App, grant: SessionGrant): CredentialsOutput {
  const accessKeyId = newAccessKeyId('ASIA', grant.accountId);
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = app.tokens.encode(accessKeyId, secretAccessKey, grant);
  return {
    AccessKeyId: accessKeyId,
    SecretAccessKey: secretAccessKey,
    SessionToken: sessionToken,
    Expiration: new Date(grant.expiresAt),
  };
}
