/**
 * The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy, GetContextKeysForPrincipalPolicy and
 * GetContextKeysForCustomPolicy, decided by the engine that authorizes requests (evaluate()), with AWS's
 * EvaluationResults: the decision per action and resource, the statements that decided it with their source
 * policy and positions, the condition keys the context lacked, the permissions boundary's part.
 */
import type { PolicySourceType } from '../protocol/shapes/iam.js';
import {
  accountOfArn,
  evaluate,
  parsePolicy,
  PolicySyntaxError,
  RequestContext,
  statementTargets,
  type AuthorizationRequest,
  type CallerPrincipal,
  type ContextScalar,
  type ContextValue,
  type Decision,
  type Policy,
  type PolicySet,
} from '../policy/index.js';
import { PARTITION } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import { groupArn } from './lookup.js';
import { statementSpans, type Span } from './statement-positions.js';

/**
 * Bounds on caller-supplied work (the model bounds each string, not the lists). UNCONFIRMED: AWS's own limits are
 * not published; these keep one call's evaluations and policy text bounded.
 */
export const SIMULATION_LIMITS = {
  actions: 1000,
  resources: 1000,
  evaluations: 1000,
  policies: 10,
  contextEntries: 100,
  contextValues: 100,
};

type SourcePolicyType = 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'IAM Policy' | 'resource' | 'none';

/** A policy taking part in a simulation: parsed, with what MatchedStatements says of it. */
interface SimulatedPolicy {
  id: string;
  type: SourcePolicyType;
  text: string;
  policy: Policy;
  spans?: Span[];
}

interface ContextEntryInput {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  ContextKeyType?: string;
}

interface SimulationInput {
  PolicyInputList?: string[];
  PermissionsBoundaryPolicyInputList?: string[];
  ActionNames: string[];
  ResourceArns?: string[];
  ResourcePolicy?: string;
  ResourceOwner?: string;
  CallerArn?: string;
  ContextEntries?: ContextEntryInput[];
  ResourceHandlingOption?: string;
  MaxItems?: number;
  Marker?: string;
}

const tooMany = (what: string, max: number) => errors.invalidInput(`The simulation accepts at most ${max} ${what}.`);

/** A caller-supplied document, parsed; AWS reports a bad one as InvalidInput (UNCONFIRMED wording: the parser's). */
function parseInput(text: string, kind: 'identity' | 'resource', where: string): Policy {
  try {
    return parsePolicy(text, kind);
  } catch (err) {
    if (err instanceof PolicySyntaxError) throw errors.invalidInput(`${where}: ${err.message}`);
    throw err;
  }
}

function inputPolicies(list: string[] | undefined, member: string): SimulatedPolicy[] {
  if ((list?.length ?? 0) > SIMULATION_LIMITS.policies)
    throw tooMany(`${member} documents`, SIMULATION_LIMITS.policies);
  return (list ?? []).map((text, i) => ({
    id: `${member}.${i + 1}`,
    type: 'none',
    text,
    policy: parseInput(text, 'identity', `${member}.${i + 1}`),
  }));
}

const BOOLEAN = /^(true|false)$/i;

/** One ContextEntry's values in the engine's types; a value its type cannot read is InvalidInput. */
function contextValue(e: ContextEntryInput): ContextValue {
  const type = e.ContextKeyType ?? 'string';
  const values = e.ContextKeyValues ?? [];
  if (values.length > SIMULATION_LIMITS.contextValues)
    throw tooMany('values per context key', SIMULATION_LIMITS.contextValues);
  const scalar = type.replace(/List$/, '');
  const bad = (v: string) =>
    errors.invalidInput(`Invalid ${type} value for context key ${e.ContextKeyName}: ${v.slice(0, 64)}`);
  const read = (v: string): ContextScalar => {
    switch (scalar) {
      case 'numeric': {
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n)) throw bad(v);
        return n;
      }
      case 'boolean':
        if (!BOOLEAN.test(v)) throw bad(v);
        return v.toLowerCase() === 'true';
      case 'date': {
        const t = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v);
        if (!Number.isFinite(t)) throw bad(v);
        return new Date(t);
      }
      default:
        return v; // string, ip, binary: compared as text by their operators
    }
  };
  const read_ = values.map(read);
  return type.endsWith('List') ? read_ : read_[0];
}

function contextOf(entries: ContextEntryInput[] | undefined): Record<string, ContextValue> {
  if ((entries?.length ?? 0) > SIMULATION_LIMITS.contextEntries)
    throw tooMany('context entries', SIMULATION_LIMITS.contextEntries);
  const out: Record<string, ContextValue> = {};
  for (const e of entries ?? []) {
    if (e.ContextKeyName === undefined) throw errors.invalidInput('A context entry must have a ContextKeyName.');
    out[e.ContextKeyName] = contextValue(e);
  }
  return out;
}

/** The caller a simulation evaluates for: CallerArn, else the simulated principal. */
function callerOf(arn: string, app: App): CallerPrincipal {
  const account = accountOfArn(arn) ?? app.accountId;
  const role = /^arn:[^:]+:iam::\d{12}:role\//.test(arn);
  const session = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/]+)\//.exec(arn);
  if (role) return { arn, accountId: account, kind: 'assumed-role', roleArn: arn };
  if (session)
    return {
      arn,
      accountId: account,
      kind: 'assumed-role',
      roleArn: `arn:${PARTITION}:iam::${account}:role/${session[1]}`,
    };
  if (arn.endsWith(':root')) return { arn, accountId: account, kind: 'root' };
  return { arn, accountId: account, kind: 'user' };
}

const DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

interface Simulation {
  identity: SimulatedPolicy[];
  boundary: SimulatedPolicy[];
  resource?: SimulatedPolicy;
  caller: CallerPrincipal;
}

function matchedStatements(sim: Simulation, decision: Decision) {
  // The statements that decided: the denying ones for a deny, the allowing ones (not the boundary's) for an allow.
  if (decision.effect === 'ImplicitDeny') return [];
  const wanted = decision.effect === 'ExplicitDeny' ? 'Deny' : 'Allow';
  return decision.matched
    .filter((m) => m.effect === wanted && (wanted === 'Deny' || m.source !== 'permissionsBoundary'))
    .map((m) => {
      const p =
        m.source === 'identity'
          ? sim.identity[m.index]!
          : m.source === 'resource'
            ? sim.resource!
            : sim.boundary[m.index]!;
      p.spans ??= statementSpans(p.text);
      const span = p.spans[m.statement];
      // 'IAM Policy' is what AWS sends and not in the model's PolicySourceType enum (see where it is set): the one
      // value typed past the generated shape.
      const type = (m.source === 'permissionsBoundary' ? 'none' : p.type) as PolicySourceType;
      return { SourcePolicyId: p.id, SourcePolicyType: type, ...span };
    });
}

/** The condition keys of statements covering the action and resource that the context does not hold, sorted. */
function missingKeys(
  policies: readonly SimulatedPolicy[],
  request: AuthorizationRequest,
  context: RequestContext,
): string[] {
  const missing = new Set<string>();
  for (const p of policies) {
    for (const st of p.policy.statements) {
      if (!st.conditions.length || !statementTargets(request, st)) continue;
      for (const c of st.conditions) if (!context.has(c.key)) missing.add(c.key);
    }
  }
  return [...missing].sort();
}

function simulate(sim: Simulation, input: SimulationInput) {
  const actions = input.ActionNames;
  const resources = input.ResourceArns?.length ? input.ResourceArns : undefined;
  if (actions.length > SIMULATION_LIMITS.actions) throw tooMany('action names', SIMULATION_LIMITS.actions);
  if ((resources?.length ?? 0) > SIMULATION_LIMITS.resources)
    throw tooMany('resource ARNs', SIMULATION_LIMITS.resources);
  if (actions.length * (resources?.length ?? 1) > SIMULATION_LIMITS.evaluations) {
    throw errors.invalidInput(
      `The simulation accepts at most ${SIMULATION_LIMITS.evaluations} action and resource combinations.`,
    );
  }
  const context = new RequestContext(contextOf(input.ContextEntries));
  const policies: PolicySet = {
    identity: sim.identity.map((p) => p.policy),
    resource: sim.resource && [sim.resource.policy],
    permissionsBoundary: sim.boundary.length ? sim.boundary.map((p) => p.policy) : undefined,
  };
  const all = [...sim.identity, ...sim.boundary, ...(sim.resource ? [sim.resource] : [])];
  const resourceAccount = input.ResourceOwner === undefined ? undefined : accountOfArn(input.ResourceOwner);

  // Only the requested page is evaluated: result i is action i / resources, resource i % resources.
  const names = resources ?? ['*'];
  const total = actions.length * names.length;
  const { start, end } = pageBounds(total, input.Marker, input.MaxItems);
  const results = [];
  for (let i = start; i < end; i++) {
    const action = actions[Math.floor(i / names.length)]!;
    const resource = names[i % names.length]!;
    const request: AuthorizationRequest = { action, resource, principal: sim.caller, context, resourceAccount };
    const decision = evaluate(request, policies, { mode: 'standard' });
    const matched = matchedStatements(sim, decision);
    const missing = missingKeys(all, request, context);
    const boundaryDetail = policies.permissionsBoundary
      ? {
          AllowedByPermissionsBoundary:
            evaluate(request, { identity: policies.permissionsBoundary }, { mode: 'standard' }).effect === 'Allow',
        }
      : undefined;
    // AWS: "If the simulation evaluates policies within the same account and includes a resource ARN, then the
    // parameter is present but the response is empty"; absent for '*'. UNCONFIRMED: the cross-account entries,
    // left out here.
    const crossAccount = (resourceAccount ?? accountOfArn(resource) ?? sim.caller.accountId) !== sim.caller.accountId;
    const details = resources && !crossAccount ? {} : undefined;
    results.push({
      EvalActionName: action,
      EvalResourceName: resource,
      EvalDecision: DECISIONS[decision.effect],
      MatchedStatements: matched,
      MissingContextValues: missing,
      PermissionsBoundaryDecisionDetail: boundaryDetail,
      EvalDecisionDetails: details,
      // UNCONFIRMED: one result per action and resource, each with its one resource-specific result.
      ResourceSpecificResults: resources && [
        {
          EvalResourceName: resource,
          EvalResourceDecision: DECISIONS[decision.effect],
          MatchedStatements: matched,
          MissingContextValues: missing,
          // No EvalDecisionDetails here, unlike the result's (LocalStack's recorded test_simulate_principle_policy).
          PermissionsBoundaryDecisionDetail: boundaryDetail,
        },
      ],
    });
  }
  const truncated = end < total;
  return { EvaluationResults: results, IsTruncated: truncated, Marker: truncated ? String(end) : undefined };
}

/** The page of results after the marker (an index), at most maxItems (default 100, as IAM's lists). */
function pageBounds(total: number, marker: string | undefined, maxItems = 100): { start: number; end: number } {
  let start = 0;
  if (marker !== undefined) {
    start = /^\d{1,7}$/.test(marker) ? Number(marker) : -1;
    if (start < 0 || start > total) throw errors.invalidInput('Invalid Marker.');
  }
  return { start, end: Math.min(total, start + maxItems) };
}

function resourcePolicy(input: SimulationInput): SimulatedPolicy | undefined {
  if (input.ResourcePolicy === undefined) return undefined;
  return {
    id: 'ResourcePolicy',
    type: 'resource',
    text: input.ResourcePolicy,
    policy: parseInput(input.ResourcePolicy, 'resource', 'ResourcePolicy'),
  };
}

const ENTITY = /^arn:[^:]+:iam::(\d{12}):(user|group|role)(\/(?:[^/]*\/)*)([^/]+)$/;

/** The policies of the user (with its groups'), group or role an ARN names, with the boundary of a user or role. */
async function principalPolicies(
  app: App,
  arn: string,
): Promise<{ identity: SimulatedPolicy[]; boundary: SimulatedPolicy[] }> {
  const m = ENTITY.exec(arn);
  if (!m || m[1] !== app.accountId) throw errors.invalidInput(`Invalid PolicySourceArn: ${arn.slice(0, 512)}`);
  const [, , kind, , name] = m;
  const owners: { id: string; type: 'user' | 'group' | 'role' }[] = [];
  let boundaryArn: string | undefined;
  if (kind === 'user') {
    const user = await app.store.getUserByName(app.accountId, name!);
    if (!user) throw errors.noSuchEntity(`The user with name ${name} cannot be found.`);
    owners.push({ id: user.userId, type: 'user' });
    const groups = await app.store.listGroupsForUser(user.userId, { maxItems: 1000 });
    for (const g of groups.items) owners.push({ id: g.groupId, type: 'group' });
    boundaryArn = user.permissionsBoundary;
  } else if (kind === 'role') {
    const role = await app.store.getRoleByName(app.accountId, name!);
    if (!role) throw errors.noSuchEntity(`The role with name ${name} cannot be found.`);
    owners.push({ id: role.roleId, type: 'role' });
    boundaryArn = role.permissionsBoundary;
  } else {
    const group = await app.store.getGroupByName(app.accountId, name!);
    if (!group || groupArn(app.accountId, group.path, group.groupName) !== arn)
      throw errors.noSuchEntity(`The group with name ${name} cannot be found.`);
    owners.push({ id: group.groupId, type: 'group' });
  }
  const ids = owners.map((o) => o.id);
  const typeOf = new Map(owners.map((o) => [o.id, o.type]));
  const [inline, attached] = await Promise.all([
    app.store.listInlinePolicies(ids),
    app.store.attachedPolicyDocuments(ids),
  ]);
  const identity: SimulatedPolicy[] = [
    ...inline.map((p) => ({
      id: p.policyName,
      type: typeOf.get(p.ownerId)!,
      text: p.document,
      policy: parsePolicy(p.document, 'identity'),
    })),
    ...attached.map((p) => ({
      id: p.arn.slice(p.arn.lastIndexOf('/') + 1), // UNCONFIRMED: a managed policy is named by its name
      // AWS labels an attached customer managed policy "IAM Policy", not the model's user-managed (LocalStack's
      // recorded test_simulate_principle_policy snapshots, for a user, a group and a role alike).
      type: (p.arn.startsWith('arn:aws:iam::aws:') ? 'aws-managed' : 'IAM Policy') as SourcePolicyType,
      text: p.document,
      policy: parsePolicy(p.document, 'identity'),
    })),
  ];
  const boundary: SimulatedPolicy[] = [];
  if (boundaryArn !== undefined) {
    const bp = await app.store.getManagedPolicy(boundaryArn);
    const v = bp && (await app.store.getPolicyVersion(bp.policyId, bp.defaultVersionId));
    // A boundary that is gone allows nothing, as in authorization.
    const text = v?.document ?? '{"Version":"2012-10-17","Statement":[]}';
    boundary.push({
      id: bp?.policyName ?? boundaryArn,
      type: bp?.accountId === 'aws' ? 'aws-managed' : 'user-managed',
      text,
      policy: v ? parsePolicy(text, 'identity') : { kind: 'identity', version: '2012-10-17', statements: [] },
    });
  }
  return { identity, boundary };
}

export const simulatePrincipalPolicy = operation({
  service: 'iam',
  name: 'SimulatePrincipalPolicy',
  permission: ({ input }) => ['iam:SimulatePrincipalPolicy', input.PolicySourceArn],
  handle: async ({ input, app }) => {
    const own = await principalPolicies(app, input.PolicySourceArn);
    const extra = inputPolicies(input.PolicyInputList, 'PolicyInputList');
    const boundaries = inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList');
    const resource = resourcePolicy(input);
    const callerArn = input.CallerArn ?? input.PolicySourceArn;
    if (/:group\//.test(callerArn) && resource)
      throw errors.invalidInput('A CallerArn is required to simulate a group with a resource policy.');
    return simulate(
      {
        identity: [...own.identity, ...extra],
        boundary: boundaries.length ? boundaries : own.boundary,
        resource,
        caller: callerOf(callerArn, app),
      },
      input,
    );
  },
});

export const simulateCustomPolicy = operation({
  service: 'iam',
  name: 'SimulateCustomPolicy',
  permission: () => ['iam:SimulateCustomPolicy', '*'],
  handle: async ({ input, app }) => {
    const resource = resourcePolicy(input);
    // UNCONFIRMED wording; AWS documents that CallerArn is required when a ResourcePolicy is given.
    if (resource && input.CallerArn === undefined)
      throw errors.invalidInput('CallerArn is required when a ResourcePolicy is specified.');
    return simulate(
      {
        identity: inputPolicies(input.PolicyInputList, 'PolicyInputList'),
        boundary: inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList'),
        resource,
        caller: callerOf(input.CallerArn ?? `arn:${PARTITION}:iam::${app.accountId}:root`, app),
      },
      input,
    );
  },
});

/** Every condition key the policies use, as written, without duplicates (any case), in order of appearance. */
function contextKeyNames(policies: readonly SimulatedPolicy[]) {
  const seen = new Map<string, string>();
  for (const p of policies)
    for (const st of p.policy.statements)
      for (const c of st.conditions) if (!seen.has(c.key.toLowerCase())) seen.set(c.key.toLowerCase(), c.key);
  return { ContextKeyNames: [...seen.values()] };
}

export const getContextKeysForPrincipalPolicy = operation({
  service: 'iam',
  name: 'GetContextKeysForPrincipalPolicy',
  permission: ({ input }) => ['iam:GetContextKeysForPrincipalPolicy', input.PolicySourceArn],
  handle: async ({ input, app }) => {
    const own = await principalPolicies(app, input.PolicySourceArn);
    return contextKeyNames([...own.identity, ...inputPolicies(input.PolicyInputList, 'PolicyInputList')]);
  },
});

export const getContextKeysForCustomPolicy = operation({
  service: 'iam',
  name: 'GetContextKeysForCustomPolicy',
  permission: () => ['iam:GetContextKeysForCustomPolicy', '*'],
  handle: async ({ input }) => contextKeyNames(inputPolicies(input.PolicyInputList, 'PolicyInputList')),
});
