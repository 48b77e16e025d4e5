/**
 * authorize: the permission the operation declares, checked against the caller's policies (src/service/authorize.ts).
 * Operations that check for themselves (GetSessionToken, AssumeRole) or need nothing (GetCallerIdentity) declare
 * none, and unsigned ones have no caller.
 */
import { authorize as authorizeCall } from '../../service/authorize.js';
import type { Call, Operation } from '../../service/operation.js';
import type { RequestState } from './state.js';

/** Undefined when there is nothing to check, so that the request path does not wait for nothing. */
export function authorize(s: RequestState): Promise<void> | undefined {
  const permission = s.op!.permission;
  if (!permission || !s.caller) return undefined;
  return checkPermission(s.call!, permission);
}

async function checkPermission(call: Call, permission: NonNullable<Operation['permission']>): Promise<void> {
  const [action, resource, context] = await permission(call);
  await authorizeCall(call, action, resource, context);
}
