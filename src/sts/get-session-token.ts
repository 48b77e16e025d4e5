import { verifyMfa } from '../mfa/verify-mfa.js';
import { operation } from '../service/operation.js';
import { issueCredentials } from './credentials.js';

const DEFAULT_SECONDS = 43_200;
const ROOT_MAX_SECONDS = 3_600;

/**
 * Temporary credentials for a user or the root, made from long-term keys (optionally with MFA). The session
 * stays tied to the key it came from: deactivating or deleting that key ends it.
 */
export const getSessionToken = operation({
  service: 'sts',
  name: 'GetSessionToken',
  sessions: [],
  // AWS needs no IAM permission for it; session credentials may not call it (`sessions`).
  permission: 'none',
  handle: async ({ input, caller, request, app }) => {
    let seconds = input.DurationSeconds ?? DEFAULT_SECONDS;
    // AWS clamps the root's sessions to one hour rather than refusing longer requests.
    if (caller.principal.type === 'root') seconds = Math.min(seconds, ROOT_MAX_SECONDS);
    const mfaAuthenticatedAt =
      input.SerialNumber !== undefined || input.TokenCode !== undefined
        ? await verifyMfa(app, caller, input.SerialNumber, input.TokenCode, request.time)
        : undefined;
    return {
      Credentials: issueCredentials(app, {
        kind: 'session',
        accountId: caller.principal.accountId,
        sourceAccessKeyId: caller.accessKeyId,
        issuedAt: request.time,
        expiresAt: request.time + seconds * 1000,
        mfaAuthenticatedAt,
        region: request.region,
        tokenVersion: request.tokenVersion,
      }),
    };
  },
});
