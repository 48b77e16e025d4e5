/**
 * The public role and session providers: made from the given `source`, else from the default chain. Apart from
 * assume-role.ts and session-token.ts because the chain reaches them through profiles: this way no modules import
 * each other, and the client bundle stays one flat script.
 */
import type { CredentialProvider } from '../sts-client.js';
import { type FromAssumeRoleOptions, assumeRole } from './assume-role.js';
import { fromChain } from './chain.js';
import { type FromSessionTokenOptions, sessionToken } from './session-token.js';
import { type StsCallOptions, type CredentialsInput, asProvider } from './sts-call.js';

function sourceOf(options: StsCallOptions & { readonly source?: CredentialsInput }): CredentialProvider {
  return options.source
    ? asProvider(options.source)
    : fromChain({ env: options.env, region: options.region, endpoint: options.endpoint });
}

/** AssumeRole (with MFA, external id, session policies and tags as given). */
export function fromAssumeRole(options: FromAssumeRoleOptions): CredentialProvider {
  return assumeRole(options, sourceOf(options));
}

/** GetSessionToken, with MFA when serialNumber is given. */
export function fromSessionToken(options: FromSessionTokenOptions = {}): CredentialProvider {
  return sessionToken(options, sourceOf(options));
}
