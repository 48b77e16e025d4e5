/**
 * The Principal / NotPrincipal element, and how a caller matches it.
 *
 * Accepted forms:
 *   "*"                                       everyone, anonymous callers included
 *   {"AWS": "*"}                              the same as "*" (IAM documents them as equivalent)
 *   {"AWS": "123456789012"}                   the account: the same as arn:aws:iam::123456789012:root
 *   {"AWS": "arn:aws:iam::123456789012:root"} the account
 *   {"AWS": "arn:aws:iam::123456789012:user/path/name"}
 *   {"AWS": "arn:aws:iam::123456789012:role/path/name"}              every session of the role
 *   {"AWS": "arn:aws:sts::123456789012:assumed-role/name/session"}    one session
 *   {"AWS": "arn:aws:sts::123456789012:federated-user/name"}
 *   {"Service": "ec2.amazonaws.com"}
 *   {"Federated": "arn:aws:iam::123456789012:oidc-provider/host/path" | "...:saml-provider/Name"
 *                 | "cognito-identity.amazonaws.com" | "accounts.google.com" | ...}
 *   {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
 * Each value may be a string or a non-empty array of strings. Wildcards other than a whole `*` are rejected.
 *
 * How strongly a principal names the caller matters for evaluation (see evaluate.ts), so matching returns a
 * strength rather than a boolean:
 *   'direct'  – the caller itself: its user / session / federated-user ARN, its service, its identity provider,
 *               or (for the root user) its account;
 *   'role'    – the role an assumed-role session belongs to;
 *   'account' – only the caller's account: the account delegates to its own identity-based policies;
 *   'everyone' – `*`: it names no one specifically, so it grants no more than 'role' does (session policies and
 *               permissions boundaries still limit it; see evaluate.ts).
 */
import type { CallerPrincipal, PrincipalBlock } from './types.js';

export type PrincipalStrength = 'direct' | 'role' | 'account' | 'everyone';

const AWS_ACCOUNT = /^\d{12}$/;
const PARTITION = '[a-z][a-z0-9-]*';
const IAM_PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(root|user/[^*?]+|role/[^*?]+)$`);
const STS_PRINCIPAL_ARN = new RegExp(
  `^arn:${PARTITION}:sts::(\\d{12}):(assumed-role/[^/*?]+/[^*?]+|federated-user/[^*?]+)$`,
);
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const PROVIDER_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:(?:oidc-provider|saml-provider)/[^*?\\s]+$`);
const PROVIDER_HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?:\/[^*?\s]*)?$/;
const CANONICAL_USER = /^[A-Za-z0-9]+$/;

/** Thrown by compilePrincipal; document.ts turns it into MalformedPolicyDocument with the kind's wording. */
export class PrincipalSyntaxError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'empty' | 'syntax',
  ) {
    super(message);
  }
}

function invalid(key: string, value: string): never {
  throw new PrincipalSyntaxError(`Invalid principal in policy: "${key.toUpperCase()}":"${value}"`, 'invalid');
}

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  throw new PrincipalSyntaxError('Syntax errors in policy.', 'syntax');
}

/** Parses a Principal / NotPrincipal value (already JSON-decoded). Throws PrincipalSyntaxError. */
export function compilePrincipal(element: unknown): PrincipalBlock {
  const accounts = new Set<string>();
  const arns = new Set<string>();
  const roles = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const canonicalUsers = new Set<string>();
  let everyone = false;

  if (typeof element === 'string') {
    if (element !== '*') throw new PrincipalSyntaxError(`Invalid principal in policy: "${element}"`, 'invalid');
    return { everyone: true, accounts, arns, roles, services, federated, canonicalUsers, source: '*' };
  }
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    throw new PrincipalSyntaxError('Syntax errors in policy.', 'syntax');
  }
  const entries = Object.entries(element as Record<string, unknown>);
  if (entries.length === 0)
    throw new PrincipalSyntaxError('Missing required field Principal cannot be empty!', 'empty');
  const source: Record<string, readonly string[]> = {};
  for (const [key, raw] of entries) {
    const values = asStrings(raw);
    source[key] = values;
    switch (key) {
      case 'AWS':
        for (const v of values) {
          if (v === '*') {
            everyone = true;
            continue;
          }
          if (AWS_ACCOUNT.test(v)) {
            accounts.add(v);
            continue;
          }
          const iam = IAM_PRINCIPAL_ARN.exec(v);
          if (iam) {
            const resource = iam[2]!;
            if (resource === 'root') accounts.add(iam[1]!);
            else if (resource.startsWith('user/')) arns.add(v);
            else roles.add(v);
            continue;
          }
          if (STS_PRINCIPAL_ARN.test(v)) {
            arns.add(v);
            continue;
          }
          invalid(key, v);
        }
        break;
      case 'Service':
        for (const v of values) {
          if (!HOST_NAME.test(v)) invalid(key, v);
          services.add(v.toLowerCase());
        }
        break;
      case 'Federated':
        for (const v of values) {
          if (v.startsWith('arn:')) {
            if (!PROVIDER_ARN.test(v)) invalid(key, v);
            federated.add(v);
          } else {
            if (!PROVIDER_HOST.test(v)) invalid(key, v);
            federated.add(v.toLowerCase());
          }
        }
        break;
      case 'CanonicalUser':
        for (const v of values) {
          if (!CANONICAL_USER.test(v)) invalid(key, v);
          canonicalUsers.add(v);
        }
        break;
      default:
        throw new PrincipalSyntaxError(`Invalid principal in policy: "${key}"`, 'invalid');
    }
  }
  return { everyone, accounts, arns, roles, services, federated, canonicalUsers, source };
}

function providerKey(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  return p.startsWith('arn:') ? p : p.toLowerCase();
}

/** How strongly the block names the caller, or undefined when it does not name it at all. */
export function principalStrength(block: PrincipalBlock, caller: CallerPrincipal): PrincipalStrength | undefined {
  const named = namedStrength(block, caller);
  // `*` next to the caller's own ARN still names it; next to its account only, `*` is the stronger grant.
  if (block.everyone && (named === undefined || named === 'account')) return 'everyone';
  return named;
}

function namedStrength(block: PrincipalBlock, caller: CallerPrincipal): PrincipalStrength | undefined {
  if (caller.canonicalUser !== undefined && block.canonicalUsers.has(caller.canonicalUser)) return 'direct';
  switch (caller.kind) {
    case 'root':
      return block.accounts.has(caller.accountId) ? 'direct' : undefined;
    case 'user':
    case 'federated-user':
      if (block.arns.has(caller.arn)) return 'direct';
      return block.accounts.has(caller.accountId) ? 'account' : undefined;
    case 'assumed-role':
      if (block.arns.has(caller.arn)) return 'direct';
      if (caller.roleArn !== undefined && block.roles.has(caller.roleArn)) return 'role';
      return block.accounts.has(caller.accountId) ? 'account' : undefined;
    case 'service': {
      const service = (caller.service ?? caller.arn).toLowerCase();
      return block.services.has(service) ? 'direct' : undefined;
    }
    case 'web-identity':
    case 'saml': {
      const provider = providerKey(caller.federatedProvider);
      return provider !== undefined && block.federated.has(provider) ? 'direct' : undefined;
    }
    case 'anonymous':
      return undefined;
  }
  return undefined;
}

/**
 * NotPrincipal: is the caller exempted from the statement?
 *
 * IAM evaluates every identity a request carries: an IAM user's request is also its account's, a role
 * session's is also its role's and its account's. A caller is exempt only when EVERY one of those identities is
 * listed — which is why AWS tells you to list the account ARN (and, for a session, the role ARN too) next to
 * the principal you mean to exempt. UNCONFIRMED: derived from the NotPrincipal documentation's examples.
 */
export function notPrincipalExempts(block: PrincipalBlock, caller: CallerPrincipal): boolean {
  if (block.everyone) return true;
  const account = block.accounts.has(caller.accountId);
  switch (caller.kind) {
    case 'root':
      return account;
    case 'user':
    case 'federated-user':
      return account && block.arns.has(caller.arn);
    case 'assumed-role':
      return account && block.arns.has(caller.arn) && caller.roleArn !== undefined && block.roles.has(caller.roleArn);
    case 'anonymous':
      return false;
    default:
      return principalStrength(block, caller) !== undefined;
  }
}

/**
 * Does this Principal element name the caller (in any way: directly, through its role or its account)?
 * Accepts a compiled block or a raw, JSON-decoded Principal value (which is compiled, and may throw
 * PrincipalSyntaxError).
 */
export function principalMatches(principal: PrincipalBlock | unknown, caller: CallerPrincipal): boolean {
  const block = isPrincipalBlock(principal) ? principal : compilePrincipal(principal);
  return principalStrength(block, caller) !== undefined;
}

export function isPrincipalBlock(v: unknown): v is PrincipalBlock {
  return (
    typeof v === 'object' &&
    v !== null &&
    'everyone' in v &&
    'accounts' in v &&
    (v as PrincipalBlock).accounts instanceof Set
  );
}

/** Every AWS account id a Principal element names (root ARNs and bare ids alike), plus the others. */
export function describePrincipal(block: PrincipalBlock): {
  everyone: boolean;
  accounts: string[];
  arns: string[];
  roles: string[];
  services: string[];
  federated: string[];
  canonicalUsers: string[];
} {
  return {
    everyone: block.everyone,
    accounts: [...block.accounts],
    arns: [...block.arns],
    roles: [...block.roles],
    services: [...block.services],
    federated: [...block.federated],
    canonicalUsers: [...block.canonicalUsers],
  };
}
