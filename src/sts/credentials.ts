/** Minting temporary credentials: a fresh ASIA key id and secret, sealed with the claims into the session token. */
import type { App } from '../server/app.js';
import { newAccessKeyId, newSecretAccessKey } from '../tokens/ids.js';
import type { SessionClaims } from '../tokens/session-token.js';

export interface CredentialsOutput {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

export function issueCredentials(app: App, claims: Omit<SessionClaims, 'secretAccessKey'>): CredentialsOutput {
  const accessKeyId = newAccessKeyId('ASIA', claims.accountId);
  const secretAccessKey = newSecretAccessKey();
  const sessionToken = app.tokens.encode(accessKeyId, { ...claims, secretAccessKey });
  return { AccessKeyId: accessKeyId, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, Expiration: new Date(claims.expiresAt) };
}
