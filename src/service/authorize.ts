/**
 * Whether a caller may perform an action, decided by the policy engine the way AWS decides it: the caller's
 * identity-based policies (a user's own and its groups'; a role session's role's, or a federated user's federating
 * user's), limited by the session policies carried in its token and by the user's or role's permissions boundary;
 * one request context with the global condition keys; explicit deny first. The root may do everything (its limits,
 * no AssumeRole, are the operations' business). Refusals carry AWS's messages and an encoded authorization message
 * for DecodeAuthorizationMessage.
 */
import { errors, type AwsError } from '../protocol/errors.js';
import type { Call, RequestInfo } from './operation.js';
import type { App } from './app.js';
import type { Tag } from '../store/store.js';
import {
  sessionLimits,
  sessionMfaAuthenticatedAt,
  sessionSourceIdentity,
  type SessionClaims,
} from '../tokens/session-token.js';
import { unreachable } from '../unreachable.js';
import { encodeAuthorizationMessage } from '../iam/authorization-message.js';
import { NOTHING } from '../iam/entity-cache.js';
import {
  evaluate,
  parsePolicy,
  RequestContext,
  type CallerPrincipal,
  type ContextValue,
  type Decision,
  type Policy,
  type PolicySet,
} from '../policy/index.js';
import { principalArn, principalUserId, roleArn, type Caller } from '../iam/principal.js';

/** The caller as the policy engine sees it: who, with which policies and principal tags. */
export interface CallerAuthority {
  principal: CallerPrincipal;
  /** The aws:PrincipalArn value: for a role session, the role's ARN. */
  principalArn: string;
  identity: readonly Policy[];
  /** Session policies of a role or federated session; undefined when it has none (no limit). */
  session?: readonly Policy[];
  /** The permissions boundary of the user, of the session's role or of the federating user; undefined: none. */
  boundary?: readonly Policy[];
  tags: readonly Tag[];
}

/** What a root's federated user starts from: everything, so that its session policies alone decide. */
const EVERYTHING: Policy = parsePolicy(
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  'identity',
);

/** The session policies sealed in a session's token, parsed (from caches); undefined when it has none. */
export async function sessionPolicies(app: App, claims: SessionClaims | undefined): Promise<Policy[] | undefined> {
  const limits = sessionLimits(claims);
  if (limits === undefined || (limits.sessionPolicy === undefined && !limits.policyArns?.length)) return undefined;
  const out: Policy[] = [];
  if (limits.sessionPolicy !== undefined) out.push(app.entities.sessionPolicy(limits.sessionPolicy));
  for (const arn of limits.policyArns ?? []) out.push((await app.entities.managedPolicy(arn)) ?? NOTHING);
  return out;
}

/** Role tags, overridden by the session's tags with the same key (any case). */
function mergeTags(base: readonly Tag[], over: readonly Tag[] | undefined): readonly Tag[] {
  if (!over?.length) return base;
  const keys = new Set(over.map((t) => t.Key.toLowerCase()));
  return [...base.filter((t) => !keys.has(t.Key.toLowerCase())), ...over];
}

/** Who the caller is for the policy engine; undefined for the root, which no policy limits. */
export async function callerAuthority(app: App, caller: Caller): Promise<CallerAuthority | undefined> {
  const p = caller.principal;
  switch (p.type) {
    case 'root':
      return undefined;
    case 'user': {
      const entry = await app.entities.user(p.userId);
      if (!entry) throw errors.invalidClientTokenId();
      const arn = principalArn(p);
      return {
        principal: { arn, accountId: p.accountId, kind: 'user' },
        principalArn: arn,
        identity: entry.policies,
        boundary: entry.boundary,
        tags: entry.user.tags,
      };
    }
    case 'assumed-role': {
      const entry = await app.entities.role(p.roleId);
      if (!entry) throw errors.invalidClientTokenId();
      const role = roleArn(p.accountId, p.rolePath, p.roleName);
      const session = await sessionPolicies(app, caller.session);
      return {
        principal: { arn: principalArn(p), accountId: p.accountId, kind: 'assumed-role', roleArn: role },
        principalArn: role,
        identity: entry.policies,
        session,
        boundary: entry.boundary,
        tags: mergeTags(entry.tags, sessionLimits(caller.session)?.tags),
      };
    }
    case 'federated-user': {
      // The federating user's permissions (the root's: all), limited by the session policies; a federated user
      // given no session policy may do nothing at all, as in AWS.
      const entry = p.sourceUserId === undefined ? undefined : await app.entities.user(p.sourceUserId);
      if (p.sourceUserId !== undefined && !entry) throw errors.invalidClientTokenId();
      const arn = principalArn(p);
      const session = await sessionPolicies(app, caller.session);
      return {
        principal: { arn, accountId: p.accountId, kind: 'federated-user' },
        principalArn: arn,
        identity: entry ? entry.policies : [EVERYTHING],
        session: session ?? [NOTHING],
        boundary: entry?.boundary,
        tags: mergeTags(entry?.user.tags ?? [], sessionLimits(caller.session)?.tags),
      };
    }
    default:
      return unreachable(p, 'principal type');
  }
}

/**
 * What temporary credentials may call at all in IAM, whatever their policies say (AWS's limits): GetSessionToken
 * credentials without MFA reach no IAM operation, GetFederationToken credentials none. Of STS, each operation
 * declares the sessions it admits (`sessions`, checked by the authorize stage); `sts:` actions checked here come from
 * handlers after that check (sts:GetFederationToken, sts:TagSession...).
 */
export function checkSessionCapabilities(session: SessionClaims | undefined, action: string): void {
  if (session === undefined || !action.startsWith('iam:')) return;
  switch (session.kind) {
    case 'role':
      return;
    case 'session':
      // AWS refuses GetSessionToken credentials obtained without MFA on IAM as if the token were unknown.
      if (session.mfaAuthenticatedAt === undefined) throw errors.invalidClientTokenId();
      return;
    case 'federated':
      // UNCONFIRMED: that GetFederationToken credentials are refused the same way.
      throw errors.invalidClientTokenId();
    default:
      unreachable(session, 'session kind');
  }
}

const PRINCIPAL_TYPES = {
  root: 'Account',
  user: 'User',
  'assumed-role': 'AssumedRole',
  'federated-user': 'FederatedUser',
} as const;

/**
 * The global condition keys of a request (context.ts conventions), plus the operation's own (`extra`: request
 * tags, sts:* keys...). A plain record: the engine folds it only if a statement asks for a key.
 */
export function contextKeys(
  call: Call,
  authority: CallerAuthority,
  extra?: Record<string, ContextValue>,
): Record<string, ContextValue> {
  const { caller, request } = call;
  const p = caller.principal;
  const session = caller.session;
  const keys: Record<string, ContextValue> = {
    'aws:PrincipalArn': authority.principalArn,
    'aws:PrincipalAccount': p.accountId,
    'aws:PrincipalType': PRINCIPAL_TYPES[p.type],
    'aws:userid': principalUserId(p),
  };
  addRequestKeys(keys, request);
  if (p.type === 'user') keys['aws:username'] = p.userName;
  if (session) {
    const mfaAt = sessionMfaAuthenticatedAt(session);
    const sourceIdentity = sessionSourceIdentity(session);
    keys['aws:TokenIssueTime'] = new Date(session.issuedAt);
    keys['aws:MultiFactorAuthPresent'] = mfaAt !== undefined;
    if (mfaAt !== undefined) keys['aws:MultiFactorAuthAge'] = Math.max(0, Math.floor((request.time - mfaAt) / 1000));
    if (sourceIdentity !== undefined) keys['aws:SourceIdentity'] = sourceIdentity;
  }
  for (const t of authority.tags) keys[`aws:PrincipalTag/${t.Key}`] = t.Value;
  if (extra) Object.assign(keys, extra);
  return keys;
}

/** The condition keys of the request itself, whoever makes it (signed or not). */
export function addRequestKeys(keys: Record<string, ContextValue>, request: RequestInfo): Record<string, ContextValue> {
  // Assigned rather than spread: this runs for every authorized request, and object spread is slow here.
  keys['aws:CurrentTime'] = new Date(request.time);
  keys['aws:EpochTime'] = Math.floor(request.time / 1000);
  keys['aws:SourceIp'] = request.sourceIp;
  keys['aws:SecureTransport'] = request.secureTransport;
  keys['aws:RequestedRegion'] = request.region;
  return keys;
}

/** aws:RequestTag/* and aws:TagKeys for an operation that is passed tags. */
export function requestTagKeys(tags: readonly Tag[] | undefined): Record<string, ContextValue> {
  return addRequestTagKeys({}, tags);
}

export function addRequestTagKeys(
  keys: Record<string, ContextValue>,
  tags: readonly Tag[] | undefined,
): Record<string, ContextValue> {
  if (!tags?.length) return keys;
  for (const t of tags) keys[`aws:RequestTag/${t.Key}`] = t.Value;
  keys['aws:TagKeys'] = tags.map((t) => t.Key);
  return keys;
}

const SOURCE_WORDS = {
  identity: 'an identity-based policy',
  session: 'a session policy',
  resource: 'a resource-based policy',
  permissionsBoundary: 'a permissions boundary',
} as const;

/** The caller's policies as the engine takes them; always one shape (absent limits are undefined). */
export function callerPolicies(authority: CallerAuthority, resource?: readonly Policy[]): PolicySet {
  return {
    identity: authority.identity,
    resource,
    session: authority.session,
    permissionsBoundary: authority.boundary,
  };
}

const allowedBy = (decision: Decision, source: keyof PolicySet) =>
  decision.matched.some((m) => m.source === source && m.effect === 'Allow');

/** AWS's AccessDenied wording for a policy decision over the caller's policies. */
export function deniedMessage(
  callerArn: string,
  action: string,
  resource: string,
  decision: Decision,
  policies: PolicySet,
): string {
  const head = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`;
  if (decision.effect === 'ExplicitDeny') {
    const deny = decision.matched.find((m) => m.effect === 'Deny');
    return `${head} with an explicit deny in ${SOURCE_WORDS[deny?.source ?? 'identity']}`;
  }
  // The first layer that did not allow: identity, session policies, the boundary (else a cross-account resource's policy).
  let why = 'no resource-based policy';
  if (!allowedBy(decision, 'identity')) why = 'no identity-based policy';
  else if (policies.session?.length && !allowedBy(decision, 'session')) why = 'no session policy';
  else if (policies.permissionsBoundary?.length && !allowedBy(decision, 'permissionsBoundary'))
    why = 'no permissions boundary';
  return `${head} because ${why} allows the ${action} action`;
}

/** What a refusal was about: the details its encoded authorization message keeps. */
export interface Refusal {
  authority: CallerAuthority;
  /** The caller's aws:userid. */
  callerUserId: string;
  action: string;
  resource: string;
  decision?: Decision;
  context: Record<string, ContextValue>;
}

/** An AccessDenied with its encoded authorization message (details only DecodeAuthorizationMessage reveals). */
export function accessDenied(app: App, message: string, refusal: Refusal): AwsError {
  const { authority, callerUserId, action, resource, decision, context } = refusal;
  const err = errors.accessDenied(message);
  err.details = {
    EncodedAuthorizationMessage: encodeAuthorizationMessage(app.keyring, {
      allowed: false,
      explicitDeny: decision?.effect === 'ExplicitDeny',
      matchedStatements: {
        items: (decision?.matched ?? []).map((m) => ({
          statementId: m.sid ?? '',
          effect: m.effect,
          source: m.source,
          policyIndex: m.index,
          statementIndex: m.statement,
        })),
      },
      failures: { items: [] },
      context: {
        principal: { id: callerUserId, name: authority.principal.arn.split('/').pop(), arn: authority.principal.arn },
        action,
        resource,
        conditions: {
          items: Object.entries(context)
            .filter(([, v]) => v !== undefined && v !== null)
            .map(([key, v]) => ({
              key,
              values: {
                items: (Array.isArray(v) ? v : [v]).map((x) => ({
                  value: x instanceof Date ? x.toISOString() : String(x),
                })),
              },
            })),
        },
      },
    }),
  };
  return err;
}

/**
 * Evaluates the caller's policies for the action on the resource, throwing AccessDenied unless allowed.
 * `extra` adds the operation's condition keys (request tags, iam:PolicyARN...).
 */
export async function authorize(
  call: Call,
  action: string,
  resource: string,
  extra?: Record<string, ContextValue>,
): Promise<void> {
  const { caller, app } = call;
  checkSessionCapabilities(caller.session, action);
  const authority = await callerAuthority(app, caller);
  if (!authority) return;
  const keys = contextKeys(call, authority, extra);
  const policies = callerPolicies(authority);
  const decision = evaluate(
    { action, resource, principal: authority.principal, context: new RequestContext(keys) },
    policies,
    { mode: 'standard' },
  );
  if (decision.effect === 'Allow') return;
  throw accessDenied(app, deniedMessage(authority.principal.arn, action, resource, decision, policies), {
    authority,
    callerUserId: principalUserId(caller.principal),
    action,
    resource,
    decision,
    context: keys,
  });
}
