/** AssumeRoleWithWebIdentity sessions, from a (projected, rotating) token file or a token. */
import { readFileSync } from 'node:fs';
import { type CredentialProvider, credentialsFromResult } from '../sts-client.js';
import { CredentialsProviderError } from './errors.js';
import { memoize } from './memoize.js';
import { type StsCallOptions, clientFor, defaultRoleSessionName } from './sts-call.js';

export interface FromWebIdentityOptions extends StsCallOptions {
  /** Default AWS_ROLE_ARN. */
  readonly roleArn?: string;
  /** Default AWS_ROLE_SESSION_NAME, else a generated name. */
  readonly roleSessionName?: string;
  /** Read on every refresh (projected tokens rotate). Default AWS_WEB_IDENTITY_TOKEN_FILE. */
  readonly webIdentityTokenFile?: string;
  /** A token given directly instead of a file. */
  readonly webIdentityToken?: string;
  readonly providerId?: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
}

/** AssumeRoleWithWebIdentity (unsigned), from a token file or a token. */
export function fromWebIdentity(options: FromWebIdentityOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      const roleArn = options.roleArn ?? env.AWS_ROLE_ARN;
      const tokenFile =
        options.webIdentityTokenFile ??
        (options.webIdentityToken === undefined ? env.AWS_WEB_IDENTITY_TOKEN_FILE : undefined);
      if (!roleArn || (!tokenFile && options.webIdentityToken === undefined)) {
        throw new CredentialsProviderError(
          'No web identity configuration (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)',
          true,
        );
      }
      let token = options.webIdentityToken;
      if (token === undefined) {
        try {
          token = readFileSync(tokenFile!, 'utf8').trim();
        } catch (err) {
          throw new CredentialsProviderError(
            `Cannot read the web identity token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
      }
      const client = clientFor(options);
      const { result } = await client.assumeRoleWithWebIdentity({
        RoleArn: roleArn,
        RoleSessionName:
          options.roleSessionName ?? env.AWS_ROLE_SESSION_NAME ?? defaultRoleSessionName((options.now ?? Date.now)()),
        WebIdentityToken: token,
        ProviderId: options.providerId,
        PolicyArns: options.policyArns?.map((arn) => ({ arn })),
        Policy: options.policy,
        DurationSeconds: options.durationSeconds,
      });
      return credentialsFromResult(result);
    },
    { now: options.now },
  );
}
