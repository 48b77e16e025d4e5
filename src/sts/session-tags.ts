/**
 * Session tags of a new role session: the request's Tags plus the transitive tags inherited from the calling
 * session (role chaining). Inherited transitive tags cannot be re-specified, TransitiveTagKeys must name tags of
 * the request, keys are unique case-insensitively, and a session holds at most 50 tags.
 */
import { errors } from '../protocol/errors.js';
import type { Tag } from '../store/store.js';
import type { SessionClaims } from '../tokens/session-token.js';
import { unreachable } from '../unreachable.js';

const MAX_SESSION_TAGS = 50;
/** The STS model's tagKeyType and tagValueType: for tags that come from an identity provider, not the model's input. */
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

export interface SessionTags {
  tags: Tag[];
  transitiveTagKeys: string[];
}

export function sessionTags(
  requested: Tag[] = [],
  transitive: string[] = [],
  calling: SessionClaims | undefined,
): SessionTags {
  const from = passedOn(calling);
  const inheritedKeys = new Set((from?.transitiveTagKeys ?? []).map((k) => k.toLowerCase()));
  const inherited = (from?.tags ?? []).filter((t) => inheritedKeys.has(t.Key.toLowerCase()));
  const seen = new Set<string>();
  for (const t of requested) {
    const k = t.Key.toLowerCase();
    // The three refusals' code and words as recorded against AWS for AssumeRole (LocalStack's
    // test_assume_role_tag_validation and test_iam_role_chaining_override_transitive_tags snapshots); for the other
    // operations that pass tags through here, UNCONFIRMED.
    if (seen.has(k))
      throw errors.invalidParameterValue('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    if (inheritedKeys.has(k)) {
      throw errors.invalidParameterValue(
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
      );
    }
    seen.add(k);
  }
  for (const k of transitive) {
    if (!seen.has(k.toLowerCase()))
      throw errors.invalidParameterValue('The specified transitive tag key must be included in the requested tags.');
  }
  const tags = [...inherited, ...requested];
  if (tags.length > MAX_SESSION_TAGS) {
    throw errors.validation(
      `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SESSION_TAGS}`,
    );
  }
  const keys = [...(from?.transitiveTagKeys ?? []), ...transitive];
  return { tags, transitiveTagKeys: [...new Map(keys.map((k) => [k.toLowerCase(), k])).values()] };
}

/** The calling session's tags and transitive keys, if it passes any on: only a role session does (role chaining). */
function passedOn(calling: SessionClaims | undefined): Partial<SessionTags> | undefined {
  if (calling === undefined) return undefined;
  switch (calling.kind) {
    case 'role':
      return calling;
    // A GetSessionToken session has no tags; a federated one has no transitive keys (nor may it call AssumeRole).
    case 'session':
    case 'federated':
      return undefined;
    default:
      return unreachable(calling, 'session kind');
  }
}
