/**
 * SigV4 authentication of a request: who signed it, with which credentials. Long-term keys come from the
 * directory cache; temporary ones from the sealed session token, which must be ours, bound to the access key id,
 * unexpired, and made from a key that is still active.
 */
import type { KeyIdentity } from '../iam/directory.js';
import type { Caller, Principal } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import type { ServiceName } from '../protocol/model.js';
import { checkFreshness, verifySignature, type HttpRequestLike, type SignedRequestInfo } from '../sigv4/index.js';
import { isAccessKeyId } from '../tokens/ids.js';
import type { FederatedSessionClaims, SessionClaims, UserSessionClaims } from '../tokens/session-token.js';
import { unreachable } from '../unreachable.js';
import type { App } from '../service/app.js';
import {
  ANY_ENDPOINT,
  isRegionActive,
  isRegionName,
  regionDisabled,
  scopeRefusal,
  servedRegion,
  tokenValidIn,
  type Endpoint,
} from '../service/regions.js';

export { isRegionName };

export interface Authenticated {
  caller: Caller;
  info: SignedRequestInfo;
}

/**
 * `info` is the request's parsed SigV4 authentication (parseAuthentication), undefined when it carries none.
 * `endpoint` is the STS endpoint the request reached (regions.ts); IAM is global and takes any region's scope.
 */
export async function authenticate(
  app: App,
  req: HttpRequestLike,
  info: SignedRequestInfo | undefined,
  service: ServiceName,
  now: number,
  endpoint: Endpoint = ANY_ENDPOINT,
): Promise<Authenticated> {
  if (!info) throw errors.missingAuthenticationToken();
  checkFreshness(info, now);
  if (info.scope.service !== service) {
    throw errors.signatureDoesNotMatch(`Credential should be scoped to correct service: '${service}'. `);
  }
  const refusal = scopeRefusal(service === 'sts' ? endpoint : ANY_ENDPOINT, info.scope.region);
  if (refusal) throw refusal;
  const region = servedRegion(endpoint, info.scope.region);

  // Before any lookup: an id outside the model's syntax names no key and opens no token (parsing refused non-ASCII).
  if (!isAccessKeyId(info.accessKeyId)) throw errors.invalidClientTokenId();

  let secret: string;
  let principal: Principal;
  let session: SessionClaims | undefined;
  const token = info.securityToken;
  if (token !== undefined && token !== '') {
    session = await app.tokens.decode(info.accessKeyId, token);
    if (!session) throw errors.invalidClientTokenId();
    // A version 1 token (global endpoint) is not valid in an opt-in region: AWS cannot even open it there.
    if (service === 'sts' && !tokenValidIn(session.tokenVersion, region)) throw errors.invalidClientTokenId();
    if (session.expiresAt <= now) throw errors.expiredToken();
    principal = await sessionPrincipal(app, session);
    secret = session.secretAccessKey;
  } else {
    const key = await app.directory.accessKey(info.accessKeyId);
    if (!key || key.status !== 'Active') throw errors.invalidClientTokenId();
    principal = key.principal;
    secret = key.secretAccessKey;
  }

  if (!verifySignature(req, info, secret)) throw errors.signatureDoesNotMatch();
  if (service === 'sts' && !isRegionActive(region, (await app.settings.get(principal.accountId)).regions)) {
    throw regionDisabled(principal.accountId, region);
  }
  if (!session) app.keyUses.note({ accessKeyId: info.accessKeyId, at: now, region: info.scope.region, service });
  return { caller: { principal, accessKeyId: info.accessKeyId, session }, info };
}

/** The principal a session acts as, checked against the current state: a session dies with its source key. */
export async function sessionPrincipal(app: App, session: SessionClaims): Promise<Principal> {
  switch (session.kind) {
    case 'session':
      return (await sourceKey(app, session)).principal;
    case 'federated': {
      const source = (await sourceKey(app, session)).principal;
      return {
        type: 'federated-user',
        accountId: session.accountId,
        name: session.federatedName,
        sourceUserId: source.type === 'user' ? source.userId : undefined,
      };
    }
    case 'role': {
      // Checked against the role's current state, from the entity cache: a deleted role ends its sessions.
      // UNCONFIRMED: AWS's exact behaviour for sessions of a deleted role.
      const entry = await app.entities.role(session.roleId);
      if (!entry) throw errors.invalidClientTokenId();
      const { role } = entry;
      return {
        type: 'assumed-role',
        accountId: role.accountId,
        roleId: role.roleId,
        roleName: role.roleName,
        rolePath: role.path,
        roleSessionName: session.roleSessionName,
      };
    }
    default:
      return unreachable(session, 'session kind');
  }
}

/** The long-term key a GetSessionToken or GetFederationToken session was made from, which must still be active. */
async function sourceKey(app: App, session: UserSessionClaims | FederatedSessionClaims): Promise<KeyIdentity> {
  const source = await app.directory.accessKey(session.sourceAccessKeyId);
  if (!source || source.status !== 'Active') throw errors.invalidClientTokenId();
  return source;
}
