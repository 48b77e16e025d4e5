/**
 * Credential providers in the AWS SDK for JavaScript v3 shape: each is `() => Promise<credentials>` and the
 * result drops straight into an AWS SDK client's `credentials` option. Temporary credentials are memoized and
 * refreshed five minutes before they expire, with one refresh in flight however many callers wait.
 *
 * One provider per module: env.ts, shared-config.ts (profiles), process.ts (credential_process), container.ts,
 * web-identity.ts, session-token.ts, assume-role.ts and chain.ts (the default chain), default-source.ts (roles and
 * sessions from the chain when no source is given); memoize.ts, errors.ts and sts-call.ts hold what they share.
 */
import type { AwsCredentials } from '../credential-process.js';
import type { CredentialProvider } from '../sts-client.js';

export type { AwsCredentials, CredentialProvider };
/** The AWS SDK's name for the same shape. */
export type AwsCredentialIdentity = AwsCredentials;

export type { FromAssumeRoleOptions } from './assume-role.js';
export { type FromChainOptions, chain, fromChain } from './chain.js';
export { type FromContainerOptions, fromContainer } from './container.js';
export { type FromEnvOptions, fromEnv } from './env.js';
export { CredentialsExpiredError, CredentialsProviderError, MfaCodeError } from './errors.js';
export { type MemoizeOptions, REFRESH_WINDOW_MS, memoize } from './memoize.js';
export { type FromProcessOptions, fromProcess } from './process.js';
export type { FromSessionTokenOptions } from './session-token.js';
export { fromAssumeRole, fromSessionToken } from './default-source.js';
export { type FromIniOptions, fromIni, resolveProfileCredentials } from './shared-config.js';
export { type MfaCodeProvider, type StsCallOptions, defaultRoleSessionName, runMfaProcess } from './sts-call.js';
export { type FromWebIdentityOptions, fromWebIdentity } from './web-identity.js';
