/**
 * AssumeRoleWithWebIdentity (unsigned, as in AWS): role credentials for the bearer of an OpenID Connect ID token. The
 * token is verified against the IAM provider of its issuer (web-identity-token.ts); the role's trust policy must
 * then allow sts:AssumeRoleWithWebIdentity to `{"Federated": <provider ARN>}`, with the token's claims as condition
 * keys named after the provider (`<host/path>:sub`, `:aud`, `:amr`). The session is a role session like
 * AssumeRole's; the token's session tags and source identity claims need sts:TagSession and sts:SetSourceIdentity.
 */
import type { JWTPayload } from 'jose';
import { addRequestKeys, addRequestTagKeys } from '../service/authorize.js';
import { RequestContext, type CallerPrincipal, type ContextValue } from '../policy/index.js';
import { requestedSourceIdentity, verifyWebIdentityToken, type WebIdentity } from '../federation/web-identity-token.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { Tag } from '../store/store.js';
import {
  checkFederatedTrust,
  checkRoleDuration,
  DEFAULT_ROLE_SESSION_SECONDS,
  federatedRefusal,
  findRole,
  issueRoleSession,
} from './role-session.js';
import { requestedSessionPolicies } from './session-policies.js';
import { sessionTags, TAG_KEY, TAG_VALUE, type SessionTags } from './session-tags.js';

const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const TAGS_CLAIM = 'https://aws.amazon.com/tags';

/** The trust policy's condition keys that come from the token. */
function tokenKeys({ provider, subject, audience, claims }: WebIdentity): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = { [`${provider.url}:sub`]: subject, [`${provider.url}:aud`]: audience };
  const amr = claims.amr;
  if (typeof amr === 'string' || (Array.isArray(amr) && amr.every((v) => typeof v === 'string')))
    keys[`${provider.url}:amr`] = amr;
  return keys;
}

/** The token's source identity claim, checked like AssumeRole's SourceIdentity parameter. */
function sourceIdentityOf(identity: WebIdentity): string | undefined {
  const claimed = requestedSourceIdentity(identity.claims);
  if (claimed === undefined) return undefined;
  // UNCONFIRMED: AWS's error for a source identity claim it cannot accept.
  if (typeof claimed !== 'string' || !SOURCE_IDENTITY.test(claimed) || claimed.toLowerCase().startsWith('aws:')) {
    throw errors.invalidIdentityToken('The source identity in the web identity token is not valid.');
  }
  return claimed;
}

// UNCONFIRMED: AWS's code and wording for a tags claim it cannot read; the shape is the one AWS documents, and a tag
// takes exactly one value, as session tags have one.
const badTags = (why: string) =>
  errors.invalidIdentityToken(`The session tags in the web identity token are not valid: ${why}`);

/**
 * The session tags a token asks for, `"https://aws.amazon.com/tags": {"principal_tags": {"Key": ["Value"]},
 * "transitive_tag_keys": ["Key"]}`, checked against the limits of AssumeRole's Tags and TransitiveTagKeys.
 */
function requestedSessionTags(claims: JWTPayload): SessionTags | undefined {
  const claim = claims[TAGS_CLAIM];
  if (claim === undefined) return undefined;
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim))
    throw badTags(`${TAGS_CLAIM} must be an object.`);
  const { principal_tags: principal = {}, transitive_tag_keys: transitive = [] } = claim as Record<string, unknown>;
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal))
    throw badTags('principal_tags must be an object.');
  const tags: Tag[] = [];
  for (const [Key, values] of Object.entries(principal)) {
    if (!TAG_KEY.test(Key)) throw badTags(`the tag key ${JSON.stringify(Key.slice(0, 140))} is not a valid tag key.`);
    if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') {
      throw badTags(`the value of ${Key} must be an array of one string.`);
    }
    if (!TAG_VALUE.test(values[0])) throw badTags(`the value of ${Key} is not a valid tag value.`);
    tags.push({ Key, Value: values[0] });
  }
  if (!Array.isArray(transitive) || !transitive.every((k): k is string => typeof k === 'string' && TAG_KEY.test(k))) {
    throw badTags('transitive_tag_keys must be an array of tag keys.');
  }
  return { tags, transitiveTagKeys: transitive };
}

export const assumeRoleWithWebIdentity = operation({
  service: 'sts',
  name: 'AssumeRoleWithWebIdentity',
  // Unsigned: the role's trust policy decides for the verified token's subject, in the handler.
  permission: 'in-handler',
  // CloudTrail's WebIdentityUser: who the token named, once it was verified.
  auditIdentity: (_input, out) => ({
    type: 'WebIdentityUser',
    principalId:
      out?.Provider === undefined ? undefined : `${out.Provider}:${out.Audience}:${out.SubjectFromWebIdentityToken}`,
    userName: out?.SubjectFromWebIdentityToken,
    identityProvider: out?.Provider,
  }),
  handle: async ({ input, request, app }) => {
    // OAuth 2.0 access tokens (Login with Amazon, Facebook) are verified by AWS against those services only.
    if (input.ProviderId !== undefined) {
      throw errors.invalidIdentityToken(
        'ProviderId is for OAuth 2.0 providers, which this server does not support; pass an OpenID Connect ID token without it.',
      );
    }
    const identity = await verifyWebIdentityToken(app, input.WebIdentityToken, request.time);
    const sourceIdentity = sourceIdentityOf(identity);
    const claimed = requestedSessionTags(identity.claims);
    // Unsigned: there is no calling session to inherit transitive tags from.
    const tags = sessionTags(claimed?.tags, claimed?.transitiveTagKeys, undefined);
    const role = await findRole(app, input.RoleArn);
    // A missing role is refused exactly like a refused one.
    if (!role) throw federatedRefusal('sts:AssumeRoleWithWebIdentity');

    const { arn } = identity.provider;
    const principal: CallerPrincipal = { arn, accountId: '', kind: 'web-identity', federatedProvider: arn };
    const keys = addRequestKeys(tokenKeys(identity), request);
    keys['sts:RoleSessionName'] = input.RoleSessionName;
    if (sourceIdentity !== undefined) keys['sts:SourceIdentity'] = sourceIdentity;
    if (claimed?.transitiveTagKeys.length) keys['sts:TransitiveTagKeys'] = claimed.transitiveTagKeys;
    addRequestTagKeys(keys, tags.tags);
    for (const t of role.tags) keys[`aws:ResourceTag/${t.Key}`] = t.Value;
    const context = new RequestContext(keys);
    checkFederatedTrust(role, principal, 'sts:AssumeRoleWithWebIdentity', context);
    if (tags.tags.length) checkFederatedTrust(role, principal, 'sts:TagSession', context);
    if (sourceIdentity !== undefined) checkFederatedTrust(role, principal, 'sts:SetSourceIdentity', context);

    const seconds = input.DurationSeconds ?? DEFAULT_ROLE_SESSION_SECONDS;
    checkRoleDuration(role, seconds);
    const policies = await requestedSessionPolicies(app, input);
    const session = issueRoleSession(app, request, {
      role,
      sessionName: input.RoleSessionName,
      seconds,
      policies,
      tags,
      sourceIdentity,
    });
    const { Credentials, AssumedRoleUser, PackedPolicySize } = session;
    return {
      Credentials,
      AssumedRoleUser,
      PackedPolicySize,
      SubjectFromWebIdentityToken: identity.subject,
      Provider: arn,
      Audience: identity.audience,
      SourceIdentity: sourceIdentity,
    };
  },
});
