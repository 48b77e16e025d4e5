/**
 * OpenSTS's IAM policy engine: parse once (parsePolicy), evaluate many times (evaluate / evaluateTrust).
 * Pure: no I/O and no clock — the request time arrives in the context (aws:CurrentTime, aws:EpochTime).
 *
 * Modules:
 *   document.ts   parsing and validation into the compiled form, AWS's error messages
 *   errors.ts     PolicySyntaxError, what parsing throws
 *   matching.ts   wildcards for actions, resources and ARNs
 *   variables.ts  policy variables
 *   conditions.ts condition operators and set qualifiers
 *   principal.ts  Principal / NotPrincipal
 *   context.ts    the request context and its key conventions
 *   evaluate.ts   the decision
 */
export type {
  AuthorizationRequest,
  CallerPrincipal,
  Decision,
  Effect,
  EvaluateOptions,
  MatchedStatement,
  Policy,
  PolicyKind,
  PolicySet,
  PolicySource,
  PolicyVersion,
  PrincipalKind,
  Statement,
  PrincipalBlock,
} from './types.js';
export { parsePolicy, parsePolicyDocument, policyPrincipals, TRUST_ACTIONS } from './document.js';
export { PolicySyntaxError } from './errors.js';
export {
  evaluate,
  evaluateTrust,
  isTrustAction,
  accountOfArn,
  statementsApplying,
  statementTargets,
} from './evaluate.js';
export {
  type PrincipalStrength,
  compilePrincipal,
  describePrincipal,
  notPrincipalExempts,
  principalMatches,
  principalStrength,
  PrincipalSyntaxError,
} from './principal.js';
export {
  type ConditionContext,
  type ContextInit,
  type ContextScalar,
  type ContextValue,
  ContextEntry,
  ContextKeys,
  RequestContext,
} from './context.js';
export { type Condition, CONDITION_OPERATORS, parseOperator } from './conditions.js';
export { type Matcher, type MatchMode, compilePattern, PatternSet } from './matching.js';
export { ResourceSet } from './resources.js';
export { parseDate } from './dates.js';
export { parseCidr, parseIp, cidrContains } from './addresses.js';
