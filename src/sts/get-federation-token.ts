/**
 * GetFederationToken: temporary credentials of a federated user, made from a user's (or the root's) long-term keys.
 * The federated user may do what both the federating user's policies and the session policies allow: with no
 * session policy, nothing (GetCallerIdentity needs no permission). Like a GetSessionToken session, it ends when the
 * key it came from is deactivated or deleted, and it calls no IAM operation and, of STS, only GetCallerIdentity.
 */
import { authorize, requestTagKeys } from '../service/authorize.js';
import { principalArn } from '../iam/principal.js';
import { operation } from '../service/operation.js';
import { issueCredentials } from './credentials.js';
import { packedSize, requestedSessionPolicies } from './session-policies.js';
import { sessionTags } from './session-tags.js';

const DEFAULT_SECONDS = 43_200;
const ROOT_MAX_SECONDS = 3_600;

export const getFederationToken = operation({
  service: 'sts',
  name: 'GetFederationToken',
  sessions: [],
  // sts:GetFederationToken (and sts:TagSession with tags) on the federated user, checked in the handler (the
  // refusal of session credentials, `sessions`, comes first, as in AWS).
  permission: 'in-handler',
  handle: async (call) => {
    const { input, caller, request, app } = call;
    const accountId = caller.principal.accountId;
    const federated = principalArn({ type: 'federated-user', accountId, name: input.Name });
    await authorize(call, 'sts:GetFederationToken', federated, requestTagKeys(input.Tags));
    const { tags } = sessionTags(input.Tags, [], undefined);
    // UNCONFIRMED: that AWS checks sts:TagSession here as for AssumeRole (its documentation asks for the permission).
    if (tags.length) await authorize(call, 'sts:TagSession', federated, requestTagKeys(tags));

    let seconds = input.DurationSeconds ?? DEFAULT_SECONDS;
    // AWS clamps the root's federation sessions to one hour rather than refusing longer requests.
    if (caller.principal.type === 'root') seconds = Math.min(seconds, ROOT_MAX_SECONDS);
    const policies = await requestedSessionPolicies(app, input);
    const packed = packedSize(policies, tags);
    const credentials = issueCredentials(app, {
      kind: 'federated',
      accountId,
      sourceAccessKeyId: caller.accessKeyId,
      federatedName: input.Name,
      issuedAt: request.time,
      expiresAt: request.time + seconds * 1000,
      region: request.region,
      tokenVersion: request.tokenVersion,
      sessionPolicy: policies.inline,
      policyArns: policies.arns,
      tags,
    });
    return {
      Credentials: credentials,
      FederatedUser: { FederatedUserId: `${accountId}:${input.Name}`, Arn: federated },
      // Sent even with no session policy or tags: 0 (LocalStack's test_get_federation_token snapshot).
      PackedPolicySize: packed ?? 0,
    };
  },
});
