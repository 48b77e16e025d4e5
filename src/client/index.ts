/**
 * The OpenSTS client SDK: credential providers that drop into an AWS SDK v3 client's `credentials` option,
 * an STS client, and the shared config / endpoint resolution they build on.
 *
 * @example
 * import { STSClient } from '@aws-sdk/client-sts';
 * import { fromIni } from 'opensts/client';
 * const sts = new STSClient({ region: 'eu-central-1', credentials: fromIni({ profile: 'dev' }) });
 */
export {
  type AwsCredentialIdentity,
  type AwsCredentials,
  type CredentialProvider,
  type MfaCodeProvider,
  CredentialsExpiredError,
  CredentialsProviderError,
  MfaCodeError,
  REFRESH_WINDOW_MS,
  chain,
  fromAssumeRole,
  fromChain,
  fromContainer,
  fromEnv,
  fromIni,
  fromProcess,
  fromSessionToken,
  fromWebIdentity,
  memoize,
  resolveProfileCredentials,
} from './providers/index.js';
export {
  CLOCK_SKEW_ERROR_CODES,
  StsClient,
  type StsClientConfig,
  StsRequestError,
  StsServiceError,
  credentialsFromResult,
} from './sts-client.js';
export { ParamValidationError } from './sts-model.js';
export { CredentialCache, cacheKey } from './credential-cache.js';
export {
  type CredentialServer,
  type CredentialServerOptions,
  SERVER_REFRESH_WINDOW_MS,
  startCredentialServer,
} from './credential-server.js';
export {
  formatProcessCredentials,
  parseProcessCredentials,
  runCredentialProcess,
  CredentialProcessError,
} from './credential-process.js';
export { NoRegionError, resolveRegion, resolveStsEndpoint } from './endpoints.js';
export {
  ClientConfigError,
  InvalidConfigError,
  ProfileLoopError,
  ProfileNotFoundError,
  loadSharedConfig,
} from './shared-config.js';
