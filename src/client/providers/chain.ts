/**
 * The default chain, as the AWS tools look: explicit credentials, then the environment (skipped when a profile was
 * chosen explicitly), then the profile, then AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, then the container endpoint.
 */
import type { AwsCredentials } from '../credential-process.js';
import { selectProfileName } from '../profile.js';
import { loadSharedConfig, profileExists } from '../shared-config.js';
import type { CredentialProvider } from '../sts-client.js';
import { fromContainer } from './container.js';
import { fromEnv } from './env.js';
import { CredentialsProviderError } from './errors.js';
import { memoize } from './memoize.js';
import { type FromIniOptions, resolveProfileCredentials } from './shared-config.js';
import { fromWebIdentity } from './web-identity.js';

export interface FromChainOptions extends FromIniOptions {
  /** Explicit credentials (command-line arguments): used as they are. */
  readonly credentials?: AwsCredentials;
  /** The profile was chosen explicitly (--profile): the environment's keys are skipped, as botocore does. */
  readonly profileIsExplicit?: boolean;
}

/** Tries providers in order; a CredentialsProviderError with tryNextLink moves on, anything else stops. */
export function chain(...providers: CredentialProvider[]): CredentialProvider {
  return async () => {
    const reasons: string[] = [];
    for (const provider of providers) {
      try {
        return await provider();
      } catch (err) {
        if (err instanceof CredentialsProviderError && err.tryNextLink) {
          reasons.push(err.message);
          continue;
        }
        throw err;
      }
    }
    throw new CredentialsProviderError(
      `Unable to locate credentials. Configure them with "aws configure", a profile (--profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Tried: ${reasons.join('; ')}.`,
    );
  };
}

/**
 * The default chain: explicit credentials, environment, profile, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE,
 * container endpoint. Memoized with the 5-minute refresh window.
 */
export function fromChain(options: FromChainOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const providers: CredentialProvider[] = [];
  if (options.credentials) {
    const c = options.credentials;
    providers.push(async () => c);
  }
  const explicitProfile = options.profileIsExplicit ? options.profile : undefined;
  if (!explicitProfile) providers.push(fromEnv({ env }));
  providers.push(async () => {
    const files = options.files ?? loadSharedConfig({ env, homeDir: options.homeDir });
    const name = options.profile ?? selectProfileName({ env });
    if (name === undefined && !profileExists('default', files))
      throw new CredentialsProviderError('No default profile', true);
    return resolveProfileCredentials({ ...options, env, files, profile: name ?? 'default' });
  });
  if (!explicitProfile) {
    providers.push(fromWebIdentity({ ...options, env }));
    providers.push(fromContainer({ env, now: options.now }));
  }
  return memoize(chain(...providers), { now: options.now });
}
