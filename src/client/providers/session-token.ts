/** GetSessionToken sessions, with MFA. */
import type { AwsCredentials } from '../credential-process.js';
import { type CredentialProvider, credentialsFromResult } from '../sts-client.js';
import { memoize } from './memoize.js';
import { type StsCallOptions, clientFor, mfaCode, throughCache } from './sts-call.js';

export interface FromSessionTokenOptions extends StsCallOptions {
  /** Long-term credentials to call GetSessionToken with (default: the chain). */
  readonly source?: AwsCredentials | CredentialProvider;
  readonly durationSeconds?: number;
  readonly serialNumber?: string;
  /** A code for this one call; later refreshes ask the mfaCodeProvider. */
  readonly tokenCode?: string;
  /** Cache key part telling sources apart (the CLI uses the profile name). */
  readonly cacheScope?: string;
  readonly mfaProcess?: string;
}

/**
 * GetSessionToken, with MFA when serialNumber is given, made from `source`. The public fromSessionToken
 * (default-source.ts) takes the default chain when options.source is not given.
 */
export function sessionToken(options: FromSessionTokenOptions, source: CredentialProvider): CredentialProvider {
  let tokenCode = options.tokenCode;
  return memoize(
    async () => {
      const client = clientFor(options, source);
      const keyInputs = {
        Operation: 'GetSessionToken',
        Scope: options.cacheScope ?? (await source()).accessKeyId,
        DurationSeconds: options.durationSeconds,
        SerialNumber: options.serialNumber,
        Endpoint: client.endpoint.url,
      };
      return throughCache(options, keyInputs, async () => {
        const params: Record<string, string | number> = {};
        if (options.durationSeconds !== undefined) params.DurationSeconds = options.durationSeconds;
        if (options.serialNumber) {
          params.SerialNumber = options.serialNumber;
          params.TokenCode = await mfaCode(options.serialNumber, {
            ...options,
            tokenCode,
            profileName: options.cacheScope,
          });
          tokenCode = undefined; // a code works once
        }
        const { result } = await client.getSessionToken(params);
        return credentialsFromResult(result);
      });
    },
    { now: options.now, refreshWindowMs: options.refreshWindowMs },
  );
}
