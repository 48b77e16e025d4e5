/**
 * The authorization decision, following IAM's policy evaluation logic for requests within an account
 * (and the cross-account rule when the resource's account differs from the caller's).
 *
 * 1. Explicit deny: a Deny statement that applies, in ANY of the policies (identity, resource, session,
 *    permissions boundary), decides: ExplicitDeny.
 * 2. Otherwise the request is allowed when one of these grants holds:
 *    a. a resource-based policy allows the caller DIRECTLY (its user / session / federated-user ARN, its service,
 *       its identity provider; the root user's account). Session policies and permissions boundaries do
 *       not limit such a grant (IAM: "the resource-based policy permissions are not limited by the session
 *       policy"; "an implicit deny in a permissions boundary does not limit permissions granted by a
 *       resource-based policy" that names the user or session);
 *    b. a resource-based policy allows the caller's ROLE (the role ARN, for a role session), or allows EVERYONE
 *       (`*`, or an Allow with NotPrincipal), AND the session policies and the permissions boundary (when
 *       present) allow too. STS grants a session a resource policy's permissions beyond its session policies only
 *       when "that policy specifically references the federated user session in the Principal element"
 *       (GetFederationToken; AssumeRole says the same of the session ARN): `*` references no one specifically;
 *    c. an identity-based policy allows, AND the session policies and the permissions boundary (when present)
 *       allow too.
 *    A resource-based policy that names only the caller's ACCOUNT grants nothing by itself: the account
 *    delegates to its identity-based policies, so that case is (c).
 *    Otherwise: ImplicitDeny.
 * 3. Cross-account (the resource's account is known, from `resourceAccount` or the resource ARN, and differs
 *    from an AWS caller's account): a resource-based policy must allow the caller (any strength) AND (c) must hold.
 *
 * Trust mode (`evaluateTrust`, or `evaluate` on sts:AssumeRole, sts:AssumeRoleWithSAML,
 * sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity, sts:SetContext): the role's trust
 * policy is `policies.resource`, and it MUST allow the caller — an identity-based policy alone never lets
 * anyone assume a role. When the trust policy names the caller itself (its ARN, its role, its provider...), that
 * is enough (rules a and b). When it names only the caller's account (`arn:aws:iam::ACCOUNT:root` or the bare
 * account id), an identity-based policy of the caller must also allow the action (rule c). Cross-account,
 * both are always required.
 *
 * The root user is not special-cased: the server decides what root may do (AWS lets root do anything in its
 * account but never lets it assume a role).
 */
import { RequestContext } from './context.js';
import { TRUST_ACTIONS } from './document.js';
import { type PrincipalStrength, notPrincipalExempts, principalStrength } from './principal.js';
import type {
  AuthorizationRequest,
  CallerPrincipal,
  Decision,
  EvaluateOptions,
  MatchedStatement,
  Policy,
  PolicySet,
  PolicySource,
  Statement,
} from './types.js';

const SOURCES: readonly PolicySource[] = ['identity', 'resource', 'session', 'permissionsBoundary'];
const TRUST_ACTION_SET: ReadonlySet<string> = new Set(TRUST_ACTIONS);
const AWS_CALLERS: ReadonlySet<string> = new Set(['root', 'user', 'assumed-role', 'federated-user']);

/** Is this an action that a role's trust policy governs? */
export function isTrustAction(action: string): boolean {
  return TRUST_ACTION_SET.has(action.toLowerCase());
}

/** The account in an ARN's fifth field, if it is a 12-digit account id. */
export function accountOfArn(arn: string): string | undefined {
  let start = 0;
  for (let field = 0; field < 4; field++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    start = colon + 1;
  }
  const end = arn.indexOf(':', start);
  if (end < 0) return undefined;
  if (end - start !== 12) return undefined;
  for (let i = start; i < end; i++) {
    const c = arn.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return arn.slice(start, end);
}

/** The per-request state: the folded action and the request context, built only when a statement needs it. */
class RequestState {
  readonly action: string;
  readonly resource: string;
  readonly caller: CallerPrincipal;
  private readonly rawContext: AuthorizationRequest['context'];
  private context: RequestContext | undefined;
  readonly ctx = (): RequestContext => (this.context ??= RequestContext.from(this.rawContext));

  constructor(request: AuthorizationRequest) {
    this.action = request.action.toLowerCase();
    this.resource = request.resource;
    this.caller = request.principal;
    this.rawContext = request.context;
  }
}

type Applies = PrincipalStrength | 'implicit';

/** Does the statement apply to the request? Returns how its principal named the caller, or undefined. */
function statementApplies(st: Statement, state: RequestState): Applies | undefined {
  if (st.actions.test(state.action) === st.notAction) return undefined;
  if (st.resources !== undefined) {
    // A NotResource pattern with an unresolved variable excludes an unknown set. IAM documents only that such an
    // element "does not match"; read that way an Allow with NotResource would grant every other resource, so we
    // take the reading that grants less: for an Allow the pattern excludes everything (the statement applies to
    // nothing), for a Deny it excludes nothing (the Deny applies).
    const unresolved = st.notResource && st.effect === 'Allow';
    if (st.resources.test(state.resource, state.ctx, unresolved) === st.notResource) return undefined;
  }
  let strength: Applies = 'implicit';
  if (st.principal !== undefined) {
    if (st.notPrincipal) {
      if (notPrincipalExempts(st.principal, state.caller)) return undefined;
      strength = 'everyone'; // an Allow with NotPrincipal names no one specifically, like "*".
    } else {
      const s = principalStrength(st.principal, state.caller);
      if (s === undefined) return undefined;
      strength = s;
    }
  }
  if (st.conditions.length > 0) {
    const ctx = state.ctx();
    for (const c of st.conditions) if (!c.test(ctx)) return undefined;
  }
  return strength;
}

function describe(m: MatchedStatement): string {
  const label: Record<PolicySource, string> = {
    identity: 'an identity-based policy',
    resource: 'a resource-based policy',
    session: 'a session policy',
    permissionsBoundary: 'the permissions boundary',
  };
  return `${label[m.source]} (policy ${m.index}, statement ${m.sid ?? m.statement})`;
}

function present(list: readonly Policy[] | undefined): boolean {
  return list !== undefined && list.length > 0;
}

/** Decides a request. See the module comment for the rules. */
export function evaluate(request: AuthorizationRequest, policies: PolicySet, options: EvaluateOptions = {}): Decision {
  const state = new RequestState(request);
  const matched: MatchedStatement[] = [];
  let deny: MatchedStatement | undefined;
  let identityAllows = false;
  let sessionAllows = false;
  let boundaryAllows = false;
  let resourceDirect = false;
  let resourceRole = false;
  let resourceAccount = false;

  for (const source of SOURCES) {
    const list = policies[source];
    if (list === undefined) continue;
    for (let index = 0; index < list.length; index++) {
      for (const st of list[index]!.statements) {
        const applies = statementApplies(st, state);
        if (applies === undefined) continue;
        const m: MatchedStatement =
          st.sid === undefined
            ? { source, index, statement: st.index, effect: st.effect }
            : { source, index, statement: st.index, sid: st.sid, effect: st.effect };
        matched.push(m);
        if (st.effect === 'Deny') {
          deny ??= m;
          continue;
        }
        switch (source) {
          case 'identity':
            identityAllows = true;
            break;
          case 'session':
            sessionAllows = true;
            break;
          case 'permissionsBoundary':
            boundaryAllows = true;
            break;
          case 'resource':
            if (applies === 'role' || applies === 'everyone') resourceRole = true;
            else if (applies === 'account') resourceAccount = true;
            else resourceDirect = true;
            break;
        }
      }
    }
  }

  if (deny) return { effect: 'ExplicitDeny', matched, reason: `explicitly denied by ${describe(deny)}` };

  const mode = options.mode ?? 'auto';
  const trust = mode === 'trust' || (mode === 'auto' && TRUST_ACTION_SET.has(state.action));
  const sessionOk = !present(policies.session) || sessionAllows;
  const boundaryOk = !present(policies.permissionsBoundary) || boundaryAllows;
  const limitsOk = sessionOk && boundaryOk;
  const viaIdentity = identityAllows && limitsOk;
  const resourceAllows = resourceDirect || resourceRole || resourceAccount;
  const implicit = (reason: string): Decision => ({ effect: 'ImplicitDeny', matched, reason });
  const allow = (reason: string): Decision => ({ effect: 'Allow', matched, reason });
  const limitReason = (): string =>
    !sessionOk ? 'no session policy allows the action' : 'the permissions boundary does not allow the action';

  if (trust) {
    if (!present(policies.resource)) return implicit('no trust policy to evaluate');
    if (!resourceAllows) return implicit('the trust policy does not allow the caller');
  }

  if (!identityAllows && !resourceAllows) return implicit('no policy allows the action');

  const resourceAccountId = request.resourceAccount ?? accountOfArn(request.resource);
  const caller = request.principal;
  const crossAccount =
    AWS_CALLERS.has(caller.kind) && resourceAccountId !== undefined && resourceAccountId !== caller.accountId;
  if (crossAccount) {
    if (!resourceAllows) return implicit('cross-account request: no resource-based policy allows the caller');
    if (viaIdentity) return allow('allowed by the resource-based policy and an identity-based policy (cross-account)');
    if (identityAllows) return implicit(limitReason());
    return implicit('cross-account request: no identity-based policy allows the action');
  }

  if (resourceDirect) return allow('allowed by a resource-based policy that names the caller');
  if (resourceRole && limitsOk) return allow("allowed by a resource-based policy that names the caller's role");
  if (viaIdentity) return allow('allowed by an identity-based policy');

  if (identityAllows || resourceRole) return implicit(limitReason());
  if (trust && resourceAccount) {
    return implicit('the trust policy names only the account, and no identity-based policy allows the action');
  }
  return implicit('no policy allows the action');
}

/** Trust-mode evaluation regardless of the action: `policies.resource` is the role's trust policy. */
export function evaluateTrust(request: AuthorizationRequest, policies: PolicySet): Decision {
  return evaluate(request, policies, { mode: 'trust' });
}

/** The statements of a policy that apply to the request, conditions included (a building block for simulators). */
export function statementsApplying(request: AuthorizationRequest, policy: Policy): Statement[] {
  const state = new RequestState(request);
  return policy.statements.filter((st) => statementApplies(st, state) !== undefined);
}

/**
 * Whether a statement's Action and Resource cover the request, its Principal and Conditions aside: the statements
 * whose condition keys a simulation reports as missing. For simulators; not on the authorization path.
 */
export function statementTargets(request: AuthorizationRequest, st: Statement): boolean {
  const state = new RequestState(request);
  if (st.actions.test(state.action) === st.notAction) return false;
  return st.resources === undefined || st.resources.test(state.resource, state.ctx) !== st.notResource;
}
