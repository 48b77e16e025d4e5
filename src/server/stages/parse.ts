/**
 * parse: which API the parameters address (the Version, or without one the credential scope), the action and our
 * operation for it, the STS endpoint the Host names, and the request's SigV4 authentication.
 */
import { errors } from '../../protocol/errors.js';
import { serviceForVersion } from '../../protocol/model.js';
import { endpointOf } from '../../service/regions.js';
import { parseAuthentication } from '../../sigv4/index.js';
import { findOperation } from '../operations.js';
import type { RequestState } from './state.js';

export function parse(s: RequestState): void {
  const { app, req, params } = s;
  const action = params.get('Action');
  const version = params.get('Version');
  s.action = action;
  s.version = version;
  // A malformed signature matters only to operations that need one (unsigned ones ignore it).
  try {
    s.info = parseAuthentication(req);
  } catch (err) {
    s.authError = err;
  }
  const byVersion = serviceForVersion(version);
  // Without a Version, the credential scope tells which API the client meant.
  const service = byVersion ?? (version === undefined && s.info?.scope.service === 'iam' ? 'iam' : 'sts');
  s.service = service;
  if (!action) throw errors.missingAction();

  const op = version === undefined || byVersion ? findOperation(service, action) : undefined;
  s.op = op;
  // An action that is not ours is authenticated before it is refused, like a signed one.
  s.signed = op?.signed !== false;
  s.endpoint = service === 'sts' ? endpointOf(app.endpoint, req.host, app.options.domain) : undefined;
  s.region = s.endpoint?.region ?? app.options.region;
}
