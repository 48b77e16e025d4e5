/**
 * GetWebIdentityToken: a JWT, signed with the account's outbound federation key, that asserts the caller's identity
 * to an external service (which verifies it with the keys the issuer publishes, see federation/outbound-federation.ts).
 *
 * The caller needs sts:GetWebIdentityToken, with the condition keys sts:IdentityTokenAudience (every audience),
 * sts:DurationSeconds, sts:SigningAlgorithm, aws:RequestTag/* and aws:TagKeys. The token's `sub` is the caller's
 * ARN, for a role session the role's; AWS's own claims (account, region, principal and request tags) are nested
 * under the https://sts.amazonaws.com/ namespace. Not served on the global endpoint.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { authorize, callerAuthority, requestTagKeys } from '../service/authorize.js';
import { CLAIMS_NAMESPACE, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../federation/outbound-federation.js';
import { principalArn, roleArn, type Principal } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation, type Call } from '../service/operation.js';
import type { Tag } from '../store/store.js';
import { sessionTags } from './session-tags.js';

const DEFAULT_SECONDS = 300;
/**
 * UNCONFIRMED: AWS documents JWTPayloadSizeExceededException but not its limit. 8 KiB of claims keeps the token
 * (about 11 KB in base64url) within the 16 KB header limits of common servers.
 */
export const MAX_PAYLOAD_BYTES = 8192;

/** The token's subject: the caller's ARN; for a role session the role's, as AWS does. */
function subjectOf(p: Principal): string {
  return p.type === 'assumed-role' ? roleArn(p.accountId, p.rolePath, p.roleName) : principalArn(p);
}

const tagClaim = (tags: readonly Tag[]) => Object.fromEntries(tags.map((t) => [t.Key, t.Value]));

export const getWebIdentityToken = operation({
  service: 'sts',
  name: 'GetWebIdentityToken',
  sessions: ['role'],
  // sts:GetWebIdentityToken with condition keys the handler works out first (the refusal on the global endpoint,
  // the algorithm's check, the request tags' rules come before it).
  permission: 'in-handler',
  handle: async (call) => {
    const { input, caller, request, app } = call;
    if (request.globalEndpoint) {
      throw errors.notOnGlobalEndpoint('GetWebIdentityToken');
    }
    const algorithm = input.SigningAlgorithm as SigningAlgorithm;
    if (!SIGNING_ALGORITHMS.includes(algorithm)) {
      // UNCONFIRMED wording: the model has no enum for jwtAlgorithmType; this is how its enum violations read.
      throw errors.validation(
        `1 validation error detected: Value '${input.SigningAlgorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${SIGNING_ALGORITHMS.join(', ')}]`,
      );
    }
    // Request tags follow the rules of session tags (unique keys, case-insensitively); there is nothing to inherit.
    const { tags } = sessionTags(input.Tags, [], undefined);
    const seconds = input.DurationSeconds ?? DEFAULT_SECONDS;
    const accountId = caller.principal.accountId;

    await authorize(call, 'sts:GetWebIdentityToken', '*', {
      'sts:IdentityTokenAudience': input.Audience,
      // UNCONFIRMED: present with the default (300) when the request gives no DurationSeconds.
      'sts:DurationSeconds': seconds,
      'sts:SigningAlgorithm': algorithm,
      ...requestTagKeys(tags),
    });

    const state = await app.outbound.get(accountId);
    const key = state.enabled ? state.keys.get(algorithm) : undefined;
    if (!key) throw errors.outboundFederationDisabled();

    const issuedAt = Math.floor(request.time / 1000);
    const expiresAt = issuedAt + seconds;
    if (caller.session && expiresAt * 1000 > caller.session.expiresAt) throw errors.sessionDurationEscalation();

    const principalTags = (await callerAuthority(app, caller))?.tags ?? [];
    const aws: Record<string, unknown> = { aws_account: accountId, source_region: request.region };
    if (principalTags.length) aws.principal_tags = tagClaim(principalTags);
    if (tags.length) aws.request_tags = tagClaim(tags);
    const payload = {
      iss: app.issuer(accountId),
      // UNCONFIRMED: one audience as a string (AWS's sample token), several as an array.
      aud: input.Audience.length === 1 ? input.Audience[0]! : input.Audience,
      sub: subjectOf(caller.principal),
      iat: issuedAt,
      exp: expiresAt,
      jti: randomUUID(),
      [CLAIMS_NAMESPACE]: aws,
    };
    if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
      throw errors.jwtPayloadSizeExceeded(MAX_PAYLOAD_BYTES);
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: algorithm, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
    return { WebIdentityToken: token, Expiration: new Date(expiresAt * 1000) };
  },
});
