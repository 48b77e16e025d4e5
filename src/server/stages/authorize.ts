/**
 * authorize: first the kinds of temporary credentials the operation admits (`sessions`, declared on STS
 * operations), then the permission it declares, checked against the caller's policies (src/service/authorize.ts).
 * Operations that check for themselves (AssumeRole: 'in-handler') or need nothing (GetCallerIdentity: 'none') leave
 * no permission to check here.
 */
import { errors } from '../../protocol/errors.js';
import { authorize as authorizeCall } from '../../service/authorize.js';
import type { Call, Permission } from '../../service/operation.js';
import type { RequestState } from './state.js';

type PermissionFunction = (call: Call) => Permission | Promise<Permission>;

/** Undefined when there is nothing to check, so that the request path does not wait for nothing. */
export function authorize(s: RequestState): Promise<void> | undefined {
  const { sessions, permission } = s.op!;
  const session = s.call!.caller?.session;
  // UNCONFIRMED wording beyond GetSessionToken and GetFederationToken, whose refusals AWS documents so.
  if (sessions && session && !sessions.includes(session.kind))
    throw errors.accessDenied(`Cannot call ${s.op!.name} with session credentials`);
  // 'in-handler' and 'none' (operation.ts) leave nothing to check here; only an action function is authorized.
  if (typeof permission !== 'function') return undefined;
  return checkPermission(s.call!, permission);
}

async function checkPermission(call: Call, permission: PermissionFunction): Promise<void> {
  const [action, resource, context] = await permission(call);
  await authorizeCall(call, action, resource, context);
}
