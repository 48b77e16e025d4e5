/** throttle: the token buckets of src/service/throttle.ts, on both sides of authentication. */
import { errors } from '../../protocol/errors.js';
import type { RequestState } from './state.js';

/**
 * Before authentication: a signed request from an address that keeps failing to authenticate is refused before any
 * key lookup or signature check; an unsigned one (it issues credentials for a verified token) takes a token from its
 * address's bucket before that work.
 */
export function throttleAddress(s: RequestState): void {
  const { app, req, now } = s;
  s.throttled = s.signed
    ? app.throttle.beforeAuthentication(req.sourceIp, now)
    : app.throttle.unsignedCall(req.sourceIp, now);
  if (s.throttled) throw errors.throttling();
}

/** After authentication: the caller's bucket for the operation's class (unsigned requests have no caller). */
export function throttleCaller(s: RequestState): void {
  if (!s.caller) return;
  s.throttled = s.app.throttle.afterAuthentication(s.caller, s.op?.name, s.now);
  if (s.throttled) throw errors.throttling();
}
