/**
 * Verifying an OpenID Connect ID token for AssumeRoleWithWebIdentity, in AWS's order and words: the issuer must be
 * an IAM provider of the account, the signature must verify against the issuer's published keys (RS* / ES* only),
 * the token must be current at the server's clock, and its audience must be one of the provider's client ids.
 */
import { decodeJwt, errors as jose, jwtVerify, type JWTPayload } from 'jose';
import { errors } from '../protocol/errors.js';
import type { OidcProviderRecord } from '../store/store.js';
import { IssuerUnreachable, type IssuerKeys } from './issuer-keys.js';
import { issuerUrl, oidcProviderArn } from './oidc-provider.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** The claim AWS reads a source identity from. */
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

export interface WebIdentity {
  provider: OidcProviderRecord;
  /** `sub`. */
  subject: string;
  /** The `aud` that matched one of the provider's client ids. */
  audience: string;
  claims: JWTPayload;
}

const invalidToken = errors.invalidIdentityToken;
// UNCONFIRMED wording: the model's description of InvalidIdentityTokenException.
const notValidated = () =>
  invalidToken(
    'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
  );
const unreachable = errors.idpCommunicationError;

/** What verifying a token reads: the account's OIDC providers (cached) and the issuers' published keys. */
export interface WebIdentityVerifier {
  accountId: string;
  entities: { oidcProvider(arn: string): Promise<OidcProviderRecord | undefined> };
  issuerKeys: Pick<IssuerKeys, 'resolverFor'>;
}

/** The verified token's identity; AWS's InvalidIdentityToken, ExpiredTokenException or IDPCommunicationError otherwise. */
export async function verifyWebIdentityToken(
  app: WebIdentityVerifier,
  token: string,
  now: number,
): Promise<WebIdentity> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw invalidToken(
      'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
    );
  }
  const iss = unverified.iss;
  const url = typeof iss === 'string' ? issuerUrl(iss) : undefined;
  // Looked up before anything is fetched: only registered issuers are ever contacted.
  const provider = url === undefined ? undefined : await app.entities.oidcProvider(oidcProviderArn(app.accountId, url));
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${String(iss)}`);

  let claims: JWTPayload;
  try {
    const keys = await app.issuerKeys.resolverFor(iss as string);
    ({ payload: claims } = await jwtVerify(token, keys, {
      algorithms: ALGORITHMS,
      currentDate: new Date(now),
      issuer: iss as string,
      requiredClaims: ['sub', 'aud', 'exp'],
    }));
  } catch (err) {
    if (err instanceof IssuerUnreachable) throw unreachable();
    if (err instanceof jose.JWTExpired) {
      throw errors.expiredTokenException(
        `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${err.payload.exp}`,
      );
    }
    if (err instanceof jose.JWKSNoMatchingKey) {
      throw invalidToken(
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      );
    }
    if (err instanceof jose.JOSEError) throw notValidated();
    throw err;
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  const audience = audiences.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw invalidToken('Incorrect token audience');
  if (typeof claims.sub !== 'string') throw notValidated();
  return { provider, subject: claims.sub, audience, claims };
}

/** The source identity a token asks for (AWS's claim), if any. */
export function requestedSourceIdentity(claims: JWTPayload): unknown {
  return claims[SOURCE_IDENTITY_CLAIM];
}
