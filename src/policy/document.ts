/**
 * Parsing and validation of policy documents into their compiled form.
 *
 * IAM has two grammars with different error wording, and we follow both:
 * - identity, session and (generic) resource policies go through the classic IAM policy parser:
 *   structural problems are "Syntax errors in policy.", wrong-case Effect and unparsable dates are
 *   "The policy failed legacy parsing", and so on;
 * - role trust policies (AssumeRolePolicyDocument) go through the newer parser, which names the field:
 *   "Unknown field Foo", "Missing required field Principal", "Has prohibited field Resource".
 *
 * UNCONFIRMED messages (best knowledge of AWS's wording, not verified against AWS): the trust-policy messages
 * for a bad Version, an empty Statement, duplicate Sids, an empty Principal object, NotPrincipal/NotResource,
 * and non-STS actions; "Invalid Condition type : X" for unknown operators in identity policies.
 *
 * Size limits are enforced by the callers, not here.
 */
import { type Condition, compileCondition, LEGACY_PARSE_FAILURE, parseOperator } from './conditions.js';
import { PolicySyntaxError } from './errors.js';
import { PatternSet, compilePattern } from './matching.js';
import { PrincipalSyntaxError, compilePrincipal } from './principal.js';
import { ResourceSet } from './resources.js';
import type { Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock, Statement } from './types.js';

export const SYNTAX_ERROR = 'Syntax errors in policy.';
export const INVALID_JSON = 'This policy contains invalid Json';
export const NO_PRINCIPAL_ALLOWED = 'Policy document should not specify a principal.';
export const MISSING_PRINCIPAL = 'Missing required field Principal';
export const MUST_CONTAIN_ACTIONS = 'Policy statement must contain actions.';
export const MUST_CONTAIN_RESOURCES = 'Policy statement must contain resources.';
export const ACTION_NEEDS_VENDOR = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
export const ACTION_ONE_COLON = 'Actions/Condition can contain only one colon.';
export const SID_NOT_ALPHANUMERIC =
  'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*';
export const SID_NOT_UNIQUE = 'Statement IDs (SID) in a single policy must be unique.';
export { LEGACY_PARSE_FAILURE };

export const TRUST_INVALID_VERSION = 'The policy must contain a valid version string';
export const TRUST_MISSING_STATEMENT = 'Missing required field Statement';
export const TRUST_EMPTY_STATEMENT = 'Could not parse the policy: Statement is empty!';
export const TRUST_SID_NOT_UNIQUE = 'The Statement Ids in the policy are not unique';
export const TRUST_MISSING_EFFECT = 'Missing required field Effect';
export const TRUST_MISSING_ACTION = 'Missing required field Action';
export const TRUST_ALLOW_NOT_PRINCIPAL = 'Allow with NotPrincipal is not allowed.';
export const TRUST_NON_STS_ACTION = 'AssumeRole policy may only specify STS AssumeRole actions.';
export const TRUST_HAS_RESOURCE = 'Has prohibited field Resource';
export const TRUST_HAS_NOT_RESOURCE = 'AssumeRole policy must not contain resources.';

const VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const SID = /^[0-9A-Za-z]*$/;
const VENDOR = /^[a-zA-Z0-9.-]+$/;
/** The actions a trust policy may name (lower-cased). */
export const TRUST_ACTIONS: readonly string[] = [
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
];

function fail(message: string): never {
  throw new PolicySyntaxError(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a list of strings, else a syntax error. */
function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return fail(SYNTAX_ERROR);
}

function conditionValues(v: unknown): string[] {
  const scalar = (x: unknown): string => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    return fail(SYNTAX_ERROR);
  };
  return Array.isArray(v) ? v.map(scalar) : [scalar(v)];
}

function has(o: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Validates one action pattern's shape (identity grammar). */
function checkAction(action: string): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length === 1) fail(ACTION_NEEDS_VENDOR);
  if (parts.length > 2) fail(ACTION_ONE_COLON);
  if (!VENDOR.test(parts[0]!)) fail(`Vendor ${parts[0]} is not valid`);
}

/** A trust policy may only name STS actions that govern role assumption (wildcards allowed, e.g. `sts:Assume*`). */
function isTrustAction(action: string): boolean {
  const lower = action.toLowerCase();
  if (!lower.startsWith('sts:')) return false;
  const m = compilePattern(lower, 'plain');
  return TRUST_ACTIONS.some((a) => m(a));
}

function checkConditionKey(key: string): void {
  const colon = key.indexOf(':');
  if (colon <= 0) fail(ACTION_NEEDS_VENDOR);
}

function checkResource(resource: string): void {
  if (resource === '*') return;
  if (!resource.startsWith('arn:')) fail(`Resource ${resource} must be in ARN format or "*".`);
}

function compileConditions(raw: unknown, variables: boolean, deny: boolean): Condition[] {
  if (!isObject(raw)) return fail(SYNTAX_ERROR);
  const out: Condition[] = [];
  for (const [operator, block] of Object.entries(raw)) {
    if (!isObject(block)) fail(SYNTAX_ERROR);
    if (!parseOperator(operator)) fail(`Invalid Condition type : ${operator}`);
    for (const [key, value] of Object.entries(block)) {
      const values = conditionValues(value);
      checkConditionKey(key);
      out.push(compileCondition(operator, key, values, { variables, fail, deny }));
    }
  }
  return out;
}

function compileStatementPrincipal(raw: unknown, trust: boolean): PrincipalBlock {
  try {
    return compilePrincipal(raw);
  } catch (e) {
    if (e instanceof PrincipalSyntaxError) {
      if (e.kind === 'syntax') return fail(SYNTAX_ERROR);
      if (e.kind === 'empty' && !trust) return fail(SYNTAX_ERROR);
      return fail(e.message);
    }
    throw e;
  }
}

interface StatementDraft {
  raw: Record<string, unknown>;
  index: number;
}

/** The identity / session / resource grammar, one statement. */
function compileClassicStatement(d: StatementDraft, kind: PolicyKind, variables: boolean): Statement {
  const st = d.raw;
  const forbidsPrincipal = kind === 'identity' || kind === 'session';
  if (forbidsPrincipal && (has(st, 'Principal') || has(st, 'NotPrincipal'))) fail(NO_PRINCIPAL_ALLOWED);
  for (const key of Object.keys(st)) if (!STATEMENT_FIELDS.has(key)) fail(SYNTAX_ERROR);
  if (has(st, 'Action') && has(st, 'NotAction')) fail(SYNTAX_ERROR);
  if (has(st, 'Resource') && has(st, 'NotResource')) fail(SYNTAX_ERROR);
  if (has(st, 'Principal') && has(st, 'NotPrincipal')) fail(SYNTAX_ERROR);

  const effect = st.Effect;
  if (typeof effect !== 'string') fail(SYNTAX_ERROR);
  const lowerEffect = effect.toLowerCase();
  if (lowerEffect !== 'allow' && lowerEffect !== 'deny') fail(SYNTAX_ERROR);
  if (has(st, 'Sid') && typeof st.Sid !== 'string') fail(SYNTAX_ERROR);

  const actionKey = has(st, 'NotAction') ? 'NotAction' : 'Action';
  const actions = has(st, actionKey) ? stringList(st[actionKey]) : undefined;
  const resourceKey = has(st, 'NotResource') ? 'NotResource' : 'Resource';
  const resources = has(st, resourceKey) ? stringList(st[resourceKey]) : undefined;
  const conditions = has(st, 'Condition') ? compileConditions(st.Condition, variables, lowerEffect === 'deny') : [];
  const principalKey = has(st, 'NotPrincipal') ? 'NotPrincipal' : 'Principal';
  const principal = has(st, principalKey) ? compileStatementPrincipal(st[principalKey], false) : undefined;

  // Legacy parsing: the effect is case-sensitive; resources with "::" need all six ARN fields.
  if (effect !== 'Allow' && effect !== 'Deny') fail(LEGACY_PARSE_FAILURE);
  if (resources)
    for (const r of resources) if (r !== '*' && r.includes('::') && r.split(':').length < 6) fail(LEGACY_PARSE_FAILURE);

  const sid = st.Sid as string | undefined;
  if (sid !== undefined && !SID.test(sid)) fail(SID_NOT_ALPHANUMERIC);
  if (!actions || actions.length === 0) fail(MUST_CONTAIN_ACTIONS);
  if (!resources || resources.length === 0) {
    if (kind !== 'resource' || has(st, resourceKey)) fail(MUST_CONTAIN_RESOURCES);
  }
  if (kind === 'resource' && !principal) fail(MISSING_PRINCIPAL);
  if (resources) for (const r of resources) checkResource(r);
  for (const a of actions) checkAction(a);

  return {
    index: d.index,
    ...(sid ? { sid } : {}),
    effect: effect as Effect,
    actions: new PatternSet(actions, 'plain', true),
    notAction: actionKey === 'NotAction',
    ...(resources
      ? { resources: new ResourceSet(resources, variables, (effect === 'Deny') !== (resourceKey === 'NotResource')) }
      : {}),
    notResource: resourceKey === 'NotResource' && resources !== undefined,
    ...(principal ? { principal } : {}),
    notPrincipal: principalKey === 'NotPrincipal' && principal !== undefined,
    conditions,
  };
}

/** The trust-policy grammar, one statement. */
function compileTrustStatement(d: StatementDraft, variables: boolean): Statement {
  const st = d.raw;
  for (const key of Object.keys(st)) if (!STATEMENT_FIELDS.has(key)) fail(`Unknown field ${key}`);
  if (has(st, 'Resource')) fail(TRUST_HAS_RESOURCE);
  if (has(st, 'NotResource')) fail(TRUST_HAS_NOT_RESOURCE);

  if (!has(st, 'Effect')) fail(TRUST_MISSING_EFFECT);
  const effect = st.Effect;
  if (typeof effect !== 'string') fail(SYNTAX_ERROR);
  if (effect !== 'Allow' && effect !== 'Deny') fail(`Invalid effect: ${effect}`);

  if (has(st, 'Sid') && typeof st.Sid !== 'string') fail(SYNTAX_ERROR);
  const sid = st.Sid as string | undefined;
  if (sid !== undefined && !SID.test(sid)) fail(SID_NOT_ALPHANUMERIC);

  if (has(st, 'Principal') && has(st, 'NotPrincipal')) fail(SYNTAX_ERROR);
  if (has(st, 'NotPrincipal') && effect === 'Allow') fail(TRUST_ALLOW_NOT_PRINCIPAL);
  const principalKey = has(st, 'NotPrincipal') ? 'NotPrincipal' : 'Principal';
  if (!has(st, principalKey)) fail(MISSING_PRINCIPAL);
  const principal = compileStatementPrincipal(st[principalKey], true);

  if (has(st, 'Action') && has(st, 'NotAction')) fail(SYNTAX_ERROR);
  const actionKey = has(st, 'NotAction') ? 'NotAction' : 'Action';
  if (!has(st, actionKey)) fail(TRUST_MISSING_ACTION);
  const actions = stringList(st[actionKey]);
  if (actions.length === 0) fail(TRUST_MISSING_ACTION);
  for (const a of actions) {
    checkAction(a);
    if (!isTrustAction(a)) fail(TRUST_NON_STS_ACTION);
  }

  const conditions = has(st, 'Condition') ? compileConditions(st.Condition, variables, effect === 'Deny') : [];
  return {
    index: d.index,
    ...(sid ? { sid } : {}),
    effect,
    actions: new PatternSet(actions, 'plain', true),
    notAction: actionKey === 'NotAction',
    notResource: false,
    principal,
    notPrincipal: principalKey === 'NotPrincipal',
    conditions,
  };
}

/**
 * Parses and validates a policy document (JSON text) of the given kind.
 * Throws PolicySyntaxError with AWS's MalformedPolicyDocument message on any problem.
 */
export function parsePolicy(text: string, kind: PolicyKind): Policy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail(INVALID_JSON);
  }
  return parsePolicyDocument(doc, kind);
}

/** Like parsePolicy, for a document that is already JSON-decoded. */
export function parsePolicyDocument(doc: unknown, kind: PolicyKind): Policy {
  const trust = kind === 'trust';
  if (!isObject(doc)) return fail(SYNTAX_ERROR);
  for (const key of Object.keys(doc)) if (!TOP_LEVEL.has(key)) fail(trust ? `Unknown field ${key}` : SYNTAX_ERROR);

  let version: PolicyVersion = '2008-10-17';
  if (has(doc, 'Version')) {
    const v = doc.Version;
    if (typeof v !== 'string' || !VERSIONS.includes(v)) fail(trust ? TRUST_INVALID_VERSION : SYNTAX_ERROR);
    version = v as PolicyVersion;
  }
  if (has(doc, 'Id') && typeof doc.Id !== 'string') fail(SYNTAX_ERROR);

  if (!has(doc, 'Statement')) fail(trust ? TRUST_MISSING_STATEMENT : SYNTAX_ERROR);
  const raw = doc.Statement;
  const list: unknown[] = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : fail(SYNTAX_ERROR);
  if (list.length === 0) fail(trust ? TRUST_EMPTY_STATEMENT : SYNTAX_ERROR);

  const variables = version === '2012-10-17';
  const statements: Statement[] = [];
  const sids = new Set<string>();
  list.forEach((item, index) => {
    if (!isObject(item)) fail(SYNTAX_ERROR);
    const draft = { raw: item, index };
    const st = trust ? compileTrustStatement(draft, variables) : compileClassicStatement(draft, kind, variables);
    if (st.sid) {
      if (sids.has(st.sid)) fail(trust ? TRUST_SID_NOT_UNIQUE : SID_NOT_UNIQUE);
      sids.add(st.sid);
    }
    statements.push(st);
  });

  return {
    kind,
    version,
    ...(typeof doc.Id === 'string' ? { id: doc.Id } : {}),
    statements,
  };
}

/** Every principal a policy names, for callers that must check the principals exist (IAM does, on save). */
export function policyPrincipals(policy: Policy): PrincipalBlock[] {
  const out: PrincipalBlock[] = [];
  for (const st of policy.statements) if (st.principal) out.push(st.principal);
  return out;
}
