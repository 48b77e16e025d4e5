/** AssumeRole sessions: MFA, external id, session policies and tags. */
import type { AwsCredentials } from '../credential-process.js';
import { type CredentialProvider, credentialsFromResult } from '../sts-client.js';
import type { Params } from '../sts-model.js';
import { memoize } from './memoize.js';
import { type StsCallOptions, clientFor, defaultRoleSessionName, mfaCode, throughCache } from './sts-call.js';

export interface FromAssumeRoleOptions extends StsCallOptions {
  readonly roleArn: string;
  readonly roleSessionName?: string;
  /** Credentials to call AssumeRole with (default: the chain). */
  readonly source?: AwsCredentials | CredentialProvider;
  readonly externalId?: string;
  readonly serialNumber?: string;
  readonly tokenCode?: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  readonly cacheScope?: string;
  readonly mfaProcess?: string;
}

/**
 * AssumeRole (with MFA, external id, session policies and tags as given), made from `source`. The public
 * fromAssumeRole (default-source.ts) takes the default chain when options.source is not given.
 */
export function assumeRole(options: FromAssumeRoleOptions, source: CredentialProvider): CredentialProvider {
  let tokenCode = options.tokenCode;
  return memoize(
    async () => {
      const client = clientFor(options, source);
      const keyInputs = {
        Operation: 'AssumeRole',
        Scope: options.cacheScope,
        RoleArn: options.roleArn,
        RoleSessionName: options.roleSessionName,
        ExternalId: options.externalId,
        SerialNumber: options.serialNumber,
        DurationSeconds: options.durationSeconds,
        Policy: options.policy,
        PolicyArns: options.policyArns,
        Tags: options.tags,
        SourceIdentity: options.sourceIdentity,
        Endpoint: client.endpoint.url,
      };
      if (options.cacheScope === undefined) keyInputs.Scope = (await source()).accessKeyId;
      return throughCache(options, keyInputs, async () => {
        const params: Record<string, Params[string]> = {
          RoleArn: options.roleArn,
          RoleSessionName: options.roleSessionName ?? defaultRoleSessionName((options.now ?? Date.now)()),
          PolicyArns: options.policyArns?.map((arn) => ({ arn })),
          Policy: options.policy,
          DurationSeconds: options.durationSeconds,
          Tags: options.tags && Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })),
          TransitiveTagKeys: options.transitiveTagKeys,
          ExternalId: options.externalId,
          SourceIdentity: options.sourceIdentity,
        };
        if (options.serialNumber) {
          params.SerialNumber = options.serialNumber;
          params.TokenCode = await mfaCode(options.serialNumber, {
            ...options,
            tokenCode,
            profileName: options.cacheScope,
          });
          tokenCode = undefined;
        }
        const { result } = await client.assumeRole(params);
        return credentialsFromResult(result);
      });
    },
    { now: options.now, refreshWindowMs: options.refreshWindowMs },
  );
}
