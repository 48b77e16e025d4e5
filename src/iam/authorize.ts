/**
 * Whether a caller may perform an action. Until the policy engine lands (issue 3) the rule is AWS's default for an
 * account without policies: the root may do everything, every other principal nothing.
 */
import { errors } from '../protocol/errors.js';
import { principalArn, type Caller } from './principal.js';

export function authorize(caller: Caller, action: string, resource: string): void {
  // AWS refuses GetSessionToken credentials obtained without MFA on IAM as if the token were unknown.
  if (action.startsWith('iam:') && caller.session?.kind === 'session' && caller.session.mfaAuthenticatedAt === undefined) {
    throw errors.invalidClientTokenId();
  }
  if (caller.principal.type === 'root') return;
  throw errors.accessDenied(
    `User: ${principalArn(caller.principal)} is not authorized to perform: ${action} on resource: ${resource} `
    + `because no identity-based policy allows the ${action} action`,
  );
}
