/**
 * Session policies passed to AssumeRole*, and GetFederationToken (Policy, PolicyArns): checked, parsed once (from
 * caches), packed into PackedPolicySize with the session tags, and kept in the token in compact form. They only ever
 * limit the session: its permissions are the intersection with its identity's policies.
 */
import { errors } from '../protocol/errors.js';
import type { App } from '../service/app.js';
import type { Tag } from '../store/store.js';
import { packedPolicySize } from './packed-policy.js';

const MAX_POLICY_ARNS = 10;
const MAX_POLICY_CHARS = 2048;

export interface SessionPolicyInput {
  Policy?: string;
  PolicyArns?: Array<{ arn?: string }>;
}

export interface RequestedSessionPolicies {
  /** The inline policy as minified JSON. */
  inline?: string;
  arns: string[];
}

/** The session policies a request passes, checked and parsed (MalformedPolicyDocument for a bad one). */
export async function requestedSessionPolicies(app: App, input: SessionPolicyInput): Promise<RequestedSessionPolicies> {
  const arns = (input.PolicyArns ?? []).map((p) => p.arn).filter((a): a is string => a !== undefined);
  if (arns.length > MAX_POLICY_ARNS) {
    throw errors.validation(
      `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`,
    );
  }
  // AssumeRole's model sets no maximum; AWS documents the 2,048 characters for every operation.
  if (input.Policy !== undefined && input.Policy.length > MAX_POLICY_CHARS) {
    throw errors.validation(
      `1 validation error detected: Value '${input.Policy}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_CHARS}`,
    );
  }
  const inline = input.Policy === undefined ? undefined : app.entities.parsedSessionPolicy(input.Policy);
  for (const arn of arns) {
    // UNCONFIRMED: AWS's error for a PolicyArn that names no policy.
    if (!(await app.entities.managedPolicy(arn)))
      throw errors.malformedPolicyDocument(`Policy ${arn} does not exist or is not attachable.`);
  }
  return { inline: inline?.compact, arns };
}

/** PackedPolicySize of a new session, or undefined when it has neither session policies nor tags; over 100% is refused. */
export function packedSize(policies: RequestedSessionPolicies, tags: readonly Tag[]): number | undefined {
  if (policies.inline === undefined && !policies.arns.length && !tags.length) return undefined;
  const packed = packedPolicySize(policies.inline, policies.arns, [...tags]);
  if (packed > 100) throw errors.packedPolicyTooLarge(packed);
  return packed;
}
