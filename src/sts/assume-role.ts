/**
 * AssumeRole: temporary credentials of a role for a user or a session. The role's trust policy is its
 * resource-based policy and must allow the caller (a trust policy naming only the account needs the caller's
 * identity policies too); sts:TagSession and sts:SetSourceIdentity are checked the same way when tags or a source
 * identity are set. A missing role is refused exactly like a refused one. The new session carries its session
 * policies, tags and source identity sealed in its token.
 */
import {
  accessDenied,
  callerAuthority,
  callerPolicies,
  contextKeys,
  addRequestTagKeys,
  type CallerAuthority,
} from '../service/authorize.js';
import type { RoleEntry } from '../iam/entity-cache.js';
import { verifyMfa } from '../mfa/verify-mfa.js';
import { evaluate, RequestContext, type ContextValue } from '../policy/index.js';
import { principalArn, principalUserId } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation, type Call, type InputOf } from '../service/operation.js';
import { sessionMfaAuthenticatedAt, sessionSourceIdentity } from '../tokens/session-token.js';
import { checkRoleDuration, DEFAULT_ROLE_SESSION_SECONDS, findRole, issueRoleSession } from './role-session.js';
import { requestedSessionPolicies } from './session-policies.js';
import { sessionTags } from './session-tags.js';

const CHAINED_MAX_SECONDS = 3600;

type Input = InputOf<'sts', 'AssumeRole'>;

/** Evaluates one trust-governed action (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity) for the caller. */
function checkTrust(
  call: Call<Input>,
  authority: CallerAuthority,
  role: RoleEntry,
  action: string,
  keys: Record<string, ContextValue>,
  context: RequestContext,
): void {
  const policies = callerPolicies(authority, [role.trust]);
  const decision = evaluate({ action, resource: role.arn, principal: authority.principal, context }, policies, {
    mode: 'trust',
  });
  if (decision.effect === 'Allow') return;
  const message = `User: ${authority.principal.arn} is not authorized to perform: ${action} on resource: ${call.input.RoleArn}`;
  throw accessDenied(call.app, message, {
    authority,
    callerUserId: principalUserId(call.caller.principal),
    action,
    resource: call.input.RoleArn,
    decision,
    context: keys,
  });
}

export const assumeRole = operation({
  service: 'sts',
  name: 'AssumeRole',
  // GetSessionToken sessions may assume a role (role chaining from a role session too); federated users may not.
  sessions: ['session', 'role'],
  // The role's trust policy decides (with the caller's identity policies when it names only the account), and
  // sts:TagSession / sts:SetSourceIdentity only when the request sets tags or a source identity: the handler's work.
  permission: 'in-handler',
  handle: async (call) => {
    const { input, caller, request, app } = call;
    const p = caller.principal;
    if (p.type === 'root') throw errors.accessDenied('Roles may not be assumed by root accounts.');
    if (input.SourceIdentity?.toLowerCase().startsWith('aws:')) {
      // UNCONFIRMED wording; the model documents the rule.
      throw errors.validation(
        "1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must not start with 'aws:'",
      );
    }
    const mfaNow =
      input.SerialNumber !== undefined || input.TokenCode !== undefined
        ? await verifyMfa(app, caller, input.SerialNumber, input.TokenCode, request.time)
        : undefined;

    const authority = (await callerAuthority(app, caller))!;
    const role = await findRole(app, input.RoleArn);
    if (!role)
      throw errors.accessDenied(
        `User: ${principalArn(p)} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
      );

    const calling = caller.session;
    const tags = sessionTags(input.Tags, input.TransitiveTagKeys, calling);
    const inheritedSource = sessionSourceIdentity(calling);
    // UNCONFIRMED wording: AWS documents that a source identity, once set in a chain, cannot change.
    if (
      input.SourceIdentity !== undefined &&
      inheritedSource !== undefined &&
      input.SourceIdentity !== inheritedSource
    ) {
      throw errors.validation(
        `The source identity cannot be changed in a role chain: the calling session's is ${inheritedSource}.`,
      );
    }
    const sourceIdentity = input.SourceIdentity ?? inheritedSource;

    const extra: Record<string, ContextValue> = {
      'sts:RoleSessionName': input.RoleSessionName,
      'sts:ExternalId': input.ExternalId,
      'sts:SourceIdentity': sourceIdentity,
      'sts:TransitiveTagKeys': input.TransitiveTagKeys,
    };
    addRequestTagKeys(extra, tags.tags);
    for (const t of role.tags) extra[`aws:ResourceTag/${t.Key}`] = t.Value;
    if (mfaNow !== undefined) {
      extra['aws:MultiFactorAuthPresent'] = true;
      extra['aws:MultiFactorAuthAge'] = 0;
    }
    const keys = contextKeys(call, authority, extra);
    const context = new RequestContext(keys);
    checkTrust(call, authority, role, 'sts:AssumeRole', keys, context);
    if (tags.tags.length) checkTrust(call, authority, role, 'sts:TagSession', keys, context);
    if (sourceIdentity !== undefined) checkTrust(call, authority, role, 'sts:SetSourceIdentity', keys, context);

    const seconds = input.DurationSeconds ?? DEFAULT_ROLE_SESSION_SECONDS;
    checkRoleDuration(role, seconds);
    const chained = calling !== undefined;
    if (chained && seconds > CHAINED_MAX_SECONDS) {
      throw errors.validation(
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }

    const policies = await requestedSessionPolicies(app, input);
    const session = issueRoleSession(app, request, {
      role,
      sessionName: input.RoleSessionName,
      seconds,
      policies,
      tags,
      sourceIdentity,
      chained,
      // UNCONFIRMED: a session chained from an MFA session keeps the time MFA was presented.
      mfaAuthenticatedAt: mfaNow ?? sessionMfaAuthenticatedAt(calling),
    });
    const { Credentials, AssumedRoleUser, PackedPolicySize } = session;
    return { Credentials, AssumedRoleUser, PackedPolicySize, SourceIdentity: sourceIdentity };
  },
});
