/**
 * Policy documents as IAM takes and returns them: validated by the policy engine's parser (AWS's
 * MalformedPolicyDocument messages), within IAM's size quotas (counted without whitespace, as IAM does), principals
 * of this account checked to exist, and returned URL-encoded (RFC 3986) as AWS returns them — botocore decodes them.
 */
import { parsePolicy, policyPrincipals, type Policy } from '../policy/index.js';
import { errors } from '../protocol/errors.js';
import type { App } from '../service/app.js';

export const encodePolicyDocument = (doc: string) =>
  encodeURIComponent(doc).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sizeOf = (doc: string) => doc.replace(/\s+/g, '').length;

/** Quotas per owner kind (AWS defaults): inline user 2048, group 5120, role 10240; managed 6144; trust 2048. */
export const INLINE_POLICY_QUOTA = { user: 2048, group: 5120, role: 10240 } as const;
const MANAGED_POLICY_QUOTA = 6144;
const TRUST_POLICY_QUOTA = 2048;

export function checkInlinePolicy(doc: string, kind: keyof typeof INLINE_POLICY_QUOTA, ownerName: string): Policy {
  const policy = parsePolicy(doc, 'identity');
  const max = INLINE_POLICY_QUOTA[kind];
  if (sizeOf(doc) > max)
    throw errors.limitExceeded(`Maximum policy size of ${max} bytes exceeded for ${kind} ${ownerName}`);
  return policy;
}

export function checkManagedPolicy(doc: string): Policy {
  const policy = parsePolicy(doc, 'identity');
  if (sizeOf(doc) > MANAGED_POLICY_QUOTA)
    throw errors.limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_QUOTA}`);
  return policy;
}

const USER_OR_ROLE = /^arn:aws:iam::(\d{12}):(user|role)(\/(?:[^/]+\/)*)([^/]+)$/;

/** A role's trust policy; users and roles of this account that it names must exist, as IAM requires. */
export async function checkTrustPolicy(app: App, doc: string): Promise<Policy> {
  const policy = parsePolicy(doc, 'trust');
  if (sizeOf(doc) > TRUST_POLICY_QUOTA)
    throw errors.limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`);
  for (const block of policyPrincipals(policy)) {
    for (const arn of [...block.arns, ...block.roles]) {
      const m = USER_OR_ROLE.exec(arn);
      if (!m || m[1] !== app.accountId) continue;
      const [, , kind, path, name] = m;
      const entity =
        kind === 'user'
          ? await app.store.getUserByName(app.accountId, name!)
          : await app.store.getRoleByName(app.accountId, name!);
      if (!entity || entity.path !== path)
        throw errors.malformedPolicyDocument(`Invalid principal in policy: "AWS":"${arn}"`);
    }
  }
  return policy;
}
