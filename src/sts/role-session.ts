/**
 * What AssumeRole, AssumeRoleWithWebIdentity and AssumeRoleWithSAML share: finding the role a RoleArn names, checking the requested
 * duration against it, and issuing the role session (its policies, tags and source identity sealed in the token).
 */
import type { RoleEntry } from '../iam/entity-cache.js';
import { evaluate, type CallerPrincipal, type RequestContext } from '../policy/index.js';
import { assumedRoleArn } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import type { RequestInfo } from '../service/operation.js';
import type { App } from '../service/app.js';
import { issueCredentials } from './credentials.js';
import { packedSize, type RequestedSessionPolicies } from './session-policies.js';
import type { SessionTags } from './session-tags.js';

export const DEFAULT_ROLE_SESSION_SECONDS = 3600;

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/;

/** The role a RoleArn names in this account (role names compare case-insensitively, paths exactly). */
export async function findRole(app: App, arn: string): Promise<RoleEntry | undefined> {
  const m = ROLE_ARN.exec(arn);
  if (!m || m[1] !== app.accountId) return undefined;
  const entry = await app.entities.roleByName(m[1], m[3]!);
  return entry && entry.role.path === m[2] ? entry : undefined;
}

/**
 * The trust check of the unsigned federation operations (AssumeRoleWithWebIdentity, AssumeRoleWithSAML): the role's
 * trust policy alone decides for an identity provider's user, and a refusal names only the action, as AWS's does.
 */
export function checkFederatedTrust(
  role: RoleEntry,
  principal: CallerPrincipal,
  action: string,
  context: RequestContext,
): void {
  const decision = evaluate(
    { action, resource: role.arn, principal, context },
    { resource: [role.trust] },
    { mode: 'trust' },
  );
  if (decision.effect !== 'Allow') throw federatedRefusal(action);
}

export const federatedRefusal = (action: string) => errors.accessDenied(`Not authorized to perform ${action}`);

export function checkRoleDuration(role: RoleEntry, seconds: number): void {
  if (seconds > role.role.maxSessionDuration)
    throw errors.validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
}

export interface RoleSession {
  role: RoleEntry;
  sessionName: string;
  seconds: number;
  policies: RequestedSessionPolicies;
  tags?: SessionTags;
  sourceIdentity?: string;
  /** When MFA was presented, if it was. */
  mfaAuthenticatedAt?: number;
  /** Made with temporary credentials (role chaining). */
  chained?: boolean;
  /** An instant the session may not outlive (a SAML AuthnStatement's SessionNotOnOrAfter), if any. */
  notAfter?: number;
}

/** The role session's credentials, AssumedRoleUser and PackedPolicySize (PackedPolicyTooLarge above 100%). */
export function issueRoleSession(app: App, request: RequestInfo, s: RoleSession) {
  const tags = s.tags?.tags ?? [];
  const transitive = s.tags?.transitiveTagKeys ?? [];
  const packed = packedSize(s.policies, tags);
  const { roleId, roleName, accountId } = s.role.role;
  app.roleUses.note({ roleId, at: request.time, region: request.region });
  const credentials = issueCredentials(app, {
    kind: 'role',
    accountId,
    roleId,
    roleSessionName: s.sessionName,
    issuedAt: request.time,
    expiresAt: Math.min(request.time + s.seconds * 1000, s.notAfter ?? Infinity),
    mfaAuthenticatedAt: s.mfaAuthenticatedAt,
    region: request.region,
    tokenVersion: request.tokenVersion,
    sessionPolicy: s.policies.inline,
    policyArns: s.policies.arns,
    tags,
    transitiveTagKeys: transitive,
    sourceIdentity: s.sourceIdentity,
    chained: s.chained,
  });
  return {
    Credentials: credentials,
    AssumedRoleUser: {
      AssumedRoleId: `${roleId}:${s.sessionName}`,
      Arn: assumedRoleArn(accountId, roleName, s.sessionName),
    },
    PackedPolicySize: packed,
  };
}
