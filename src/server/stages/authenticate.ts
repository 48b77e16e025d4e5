/**
 * authenticate: who signed the request (src/server/authenticate.ts does the SigV4 work), and where the credentials
 * it is issued will be valid. Unsigned operations have no caller: they act for the server's account.
 */
import { isRegionActive, issuedTokenVersion, regionDisabled } from '../../service/regions.js';
import { isAuthenticationFailure } from '../../service/throttle.js';
import { authenticate as authenticateRequest } from '../authenticate.js';
import { toWireError } from '../wire-error.js';
import type { RequestState } from './state.js';

export async function authenticate(s: RequestState): Promise<void> {
  if (!s.signed) return;
  const { app, req, now } = s;
  try {
    if (s.authError) throw s.authError;
    s.caller = (await authenticateRequest(app, req, s.info, s.service, now, s.endpoint)).caller;
  } catch (err) {
    // Counted against the address, which the throttle stage refuses once it has failed too often.
    const wire = toWireError(err);
    if (wire && isAuthenticationFailure(wire.code)) app.throttle.authenticationFailed(req.sourceIp, now);
    throw wire ?? err;
  }
  s.region = s.endpoint?.region ?? s.info!.scope.region;
}

/**
 * After the caller's throttle: the version of the tokens the request issues (1 at the global endpoint unless the
 * account prefers 2), and for an unsigned STS call whether the server's account has the region active. Undefined
 * when there is nothing to look up (most requests), so that the request path does not wait for nothing.
 */
export function tokenScope(s: RequestState): Promise<void> | undefined {
  if (s.signed ? s.endpoint?.global : s.endpoint) return lookUpTokenScope(s);
  return undefined;
}

async function lookUpTokenScope(s: RequestState): Promise<void> {
  const { app } = s;
  const endpoint = s.endpoint!;
  if (s.signed) {
    const settings = await app.settings.get(s.caller!.principal.accountId);
    s.tokenVersion = issuedTokenVersion(endpoint, settings.globalEndpointTokenVersion);
  } else {
    const settings = await app.settings.get(app.accountId);
    if (!isRegionActive(s.region!, settings.regions)) throw regionDisabled(app.accountId, s.region);
    s.tokenVersion = issuedTokenVersion(endpoint, settings.globalEndpointTokenVersion);
  }
}
