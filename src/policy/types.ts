/** The policy engine's public types. */
import type { Condition } from './conditions.js';
import type { ConditionContext } from './context.js';
import type { PatternSet } from './matching.js';
import type { ResourceSet } from './resources.js';

/** Where a policy document comes from; it decides which elements are required or forbidden. */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'session';
export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type Effect = 'Allow' | 'Deny';

/** A parsed, validated and compiled policy document. Immutable; evaluate it as many times as you like. */
export interface Policy {
  readonly kind: PolicyKind;
  /** '2008-10-17' when the document has no Version (policy variables are then plain text). */
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

/** One compiled statement. */
export interface Statement {
  /** Position in the document's Statement list (0 for a single statement object). */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  /** Action or NotAction patterns (lower-cased; matching is case-insensitive). */
  readonly actions: PatternSet;
  readonly notAction: boolean;
  /** Resource or NotResource patterns; undefined when the statement has neither (trust policies). */
  readonly resources?: ResourceSet;
  readonly notResource: boolean;
  /** Principal or NotPrincipal; undefined in identity and session policies. */
  readonly principal?: PrincipalBlock;
  readonly notPrincipal: boolean;
  readonly conditions: readonly Condition[];
}

/**
 * What kind of caller is making the request.
 * - root: the account's root user (arn `arn:aws:iam::ACCOUNT:root`)
 * - user: an IAM user (arn `arn:aws:iam::ACCOUNT:user/path/name`)
 * - assumed-role: a role session (arn `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, roleArn set)
 * - federated-user: a GetFederationToken session (arn `arn:aws:sts::ACCOUNT:federated-user/NAME`)
 * - service: an AWS-style service principal (service set, e.g. `ec2.amazonaws.com`)
 * - web-identity / saml: an AssumeRoleWithWebIdentity / AssumeRoleWithSAML caller, not yet a principal of
 *   any account (federatedProvider set: the provider's ARN, or a host such as `cognito-identity.amazonaws.com`)
 * - anonymous: an unsigned request (matches only `"*"` / `{"AWS": "*"}`)
 */
export type PrincipalKind =
  | 'root'
  | 'user'
  | 'assumed-role'
  | 'federated-user'
  | 'service'
  | 'web-identity'
  | 'saml'
  | 'anonymous';

export interface CallerPrincipal {
  readonly arn: string;
  /** 12-digit account id ('' for callers without one: services, web-identity, saml, anonymous). */
  readonly accountId: string;
  readonly kind: PrincipalKind;
  /** For assumed-role sessions: the role's ARN (with its path), which a Principal naming the role matches. */
  readonly roleArn?: string;
  /** For web-identity and saml callers: the identity provider. */
  readonly federatedProvider?: string;
  /** For service callers: the service principal name. */
  readonly service?: string;
  /** An S3-style canonical user id, if the caller has one. */
  readonly canonicalUser?: string;
}

export interface AuthorizationRequest {
  /** `service:Action`, e.g. `sts:AssumeRole` (case-insensitive). */
  readonly action: string;
  /** The resource's ARN, or `*` for actions that have no resource. Case-sensitive. */
  readonly resource: string;
  readonly principal: CallerPrincipal;
  /** Condition keys and values; see context.ts for the conventions. Absent means no keys at all. */
  readonly context?: ConditionContext;
  /**
   * The account that owns the resource, when it cannot be read from the resource ARN (5th field).
   * When known and different from the caller's, the request is cross-account: a resource-based policy AND
   * an identity-based policy must both allow it.
   */
  readonly resourceAccount?: string;
}

export interface PolicySet {
  /** Identity-based policies of the caller: inline and managed, of the user, its groups, or the role. */
  readonly identity?: readonly Policy[];
  /** Resource-based policies of the resource; for `sts:AssumeRole*` the role's trust policy. */
  readonly resource?: readonly Policy[];
  /** Session policies passed when the session was created. Empty or absent: no session policy. */
  readonly session?: readonly Policy[];
  /** The caller's permissions boundary. Empty or absent: no boundary. */
  readonly permissionsBoundary?: readonly Policy[];
}

export type PolicySource = keyof PolicySet;

export interface MatchedStatement {
  readonly source: PolicySource;
  /** Index of the policy in its PolicySet array. */
  readonly index: number;
  /** Index of the statement in the policy. */
  readonly statement: number;
  readonly sid?: string;
  readonly effect: Effect;
}

export interface Decision {
  readonly effect: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** Every statement that applied to the request, in evaluation order (identity, resource, session, boundary). */
  readonly matched: MatchedStatement[];
  /** A human-readable explanation, for logs and for AccessDenied messages. */
  readonly reason?: string;
}

export interface EvaluateOptions {
  /**
   * 'trust' applies the role-trust rules (see evaluate.ts); 'standard' never does; 'auto' (the default) applies
   * them to the actions a trust policy governs: sts:AssumeRole, sts:AssumeRoleWithSAML,
   * sts:AssumeRoleWithWebIdentity, sts:TagSession, sts:SetSourceIdentity, sts:SetContext.
   */
  readonly mode?: 'auto' | 'trust' | 'standard';
}

/** A compiled Principal or NotPrincipal element. */
export interface PrincipalBlock {
  /** `"*"` or `{"AWS": "*"}`. */
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<string>;
  /** User, assumed-role session and federated-user ARNs. */
  readonly arns: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  /** Lower-cased. */
  readonly services: ReadonlySet<string>;
  /** Provider ARNs as written; provider host names lower-cased. */
  readonly federated: ReadonlySet<string>;
  readonly canonicalUsers: ReadonlySet<string>;
  /** The element as written, normalised to arrays: `{"AWS": [...], "Service": [...]}` or `"*"`. */
  readonly source: '*' | Readonly<Record<string, readonly string[]>>;
}
