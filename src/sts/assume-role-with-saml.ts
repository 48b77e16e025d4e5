/**
 * AssumeRoleWithSAML (unsigned, as in AWS): role credentials for the bearer of a SAML 2.0 response from an IAM SAML
 * provider of the account. The response is verified against the provider PrincipalArn names (saml-response.ts);
 * its `https://aws.amazon.com/SAML/Attributes/Role` attribute must pair RoleArn with PrincipalArn, and the role's
 * trust policy must allow sts:AssumeRoleWithSAML to `{"Federated": <provider ARN>}` with the SAML condition keys
 * (saml:aud, saml:iss, saml:sub, saml:sub_type, saml:namequalifier, saml:doc and the mapped attributes). The
 * session is a role session like AssumeRole's, its name, duration cap, tags and source identity from attributes.
 */
import { createHash } from 'node:crypto';
import { addRequestKeys, addRequestTagKeys } from '../service/authorize.js';
import type { SamlProviderEntry } from '../iam/entity-cache.js';
import { RequestContext, type CallerPrincipal, type ContextValue } from '../policy/index.js';
import { parseSamlProviderArn } from '../federation/saml-provider.js';
import { expiredToken, invalidToken, verifySamlResponse, type SamlAssertion } from '../federation/saml-response.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
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
import { sessionTags, TAG_KEY, TAG_VALUE } from './session-tags.js';

const ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const NAMEID_PREFIX = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';

/**
 * SAML attributes that become trust-policy keys, as AWS's table maps them (eduPerson / eduOrg, Active Directory,
 * X.500): attribute Name -> [key, multi-valued]. A single-valued key takes the first value.
 */
const MAPPED_ATTRIBUTES: Record<string, [string, boolean]> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': ['saml:edupersonaffiliation', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.2': ['saml:edupersonnickname', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.3': ['saml:edupersonorgdn', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.4': ['saml:edupersonorgunitdn', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.5': ['saml:edupersonprimaryaffiliation', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': ['saml:edupersonprincipalname', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': ['saml:edupersonentitlement', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.8': ['saml:edupersonprimaryorgunitdn', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': ['saml:edupersonscopedaffiliation', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': ['saml:edupersontargetedid', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.11': ['saml:edupersonassurance', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.2': ['saml:eduorghomepageuri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.3': ['saml:eduorgidentityauthnpolicyuri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.4': ['saml:eduorglegalname', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.5': ['saml:eduorgsuperioruri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.6': ['saml:eduorgwhitepagesuri', true],
  'urn:oid:2.5.4.3': ['saml:cn', true],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': ['saml:name', false],
  'http://schemas.xmlsoap.org/claims/CommonName': ['saml:commonName', false],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['saml:givenName', false],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': ['saml:surname', false],
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['saml:mail', false],
  'http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid': ['saml:uid', false],
  '2.5.4.3': ['saml:commonName', false],
  '2.5.4.4': ['saml:surname', false],
  // AWS's table has 2.4.5.42 (sic); givenName is 2.5.4.42. Both are read.
  '2.4.5.42': ['saml:givenName', false],
  '2.5.4.42': ['saml:givenName', false],
  '2.5.4.45': ['saml:x500UniqueIdentifier', false],
  '0.9.2342.19200300100.1.1': ['saml:uid', false],
  '0.9.2342.19200300100.1.3': ['saml:mail', false],
  '0.9.2342.19200300.100.1.45': ['saml:organizationStatus', false],
};

/** SubjectType as AWS answers it: the SAML 2.0 name-id-format prefix dropped, any other format as it is. */
const subjectType = (format: string | undefined) =>
  format?.startsWith(NAMEID_PREFIX) ? format.slice(NAMEID_PREFIX.length) : format;

/** AWS's NameQualifier: BASE64(SHA1(issuer + account id + "/" + provider name)). */
export const nameQualifier = (issuer: string, accountId: string, providerName: string) =>
  createHash('sha1').update(`${issuer}${accountId}/${providerName}`).digest('base64');

/** The one value of a single-valued attribute, or undefined when it is absent. */
function single(claims: SamlAssertion, name: string): string | undefined {
  const values = claims.attributes.get(ATTRIBUTE + name);
  if (values === undefined) return undefined;
  // UNCONFIRMED: AWS's error for a repeated single-valued attribute.
  if (values.length !== 1) throw invalidToken(`The SAML attribute ${ATTRIBUTE}${name} must have exactly one value.`);
  return values[0];
}

/** Whether the Role attribute pairs the role with the provider ("role,provider" in either order). */
function rolePairNamed(claims: SamlAssertion, roleArn: string, providerArn: string): boolean {
  return (claims.attributes.get(`${ATTRIBUTE}Role`) ?? []).some((value) => {
    const parts = value.split(',').map((p) => p.trim());
    return (
      parts.length === 2 &&
      ((parts[0] === roleArn && parts[1] === providerArn) || (parts[0] === providerArn && parts[1] === roleArn))
    );
  });
}

/** Session tags from `PrincipalTag:KEY` attributes; UNCONFIRMED: AWS's error for a tag it cannot accept. */
function principalTags(claims: SamlAssertion): Tag[] {
  const tags: Tag[] = [];
  for (const [name, values] of claims.attributes) {
    if (!name.startsWith(`${ATTRIBUTE}PrincipalTag:`)) continue;
    const key = name.slice(`${ATTRIBUTE}PrincipalTag:`.length);
    if (values.length !== 1 || !TAG_KEY.test(key) || !TAG_VALUE.test(values[0]!)) {
      throw invalidToken(
        `The SAML attribute ${name} is not a valid session tag (one value; key 1-128 and value 0-256 characters of letters, digits, spaces and _.:/=+-@).`,
      );
    }
    tags.push({ Key: key, Value: values[0]! });
  }
  return tags;
}

/** The trust policy's condition keys that come from the response. */
function samlKeys(claims: SamlAssertion, provider: SamlProviderEntry, qualifier: string): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {
    'saml:aud': claims.recipient,
    'saml:iss': claims.issuer,
    'saml:sub': claims.subject,
    'saml:sub_type': subjectType(claims.subjectFormat),
    'saml:namequalifier': qualifier,
    'saml:doc': `${provider.record.accountId}/${provider.record.name}`,
  };
  for (const [name, [key, multi]] of Object.entries(MAPPED_ATTRIBUTES)) {
    const values = claims.attributes.get(name);
    if (values?.length && keys[key] === undefined) keys[key] = multi ? values : values[0];
  }
  return keys;
}

/** The provider PrincipalArn names, in this account. */
async function providerOf(app: App, arn: string): Promise<SamlProviderEntry> {
  const named = parseSamlProviderArn(arn);
  const provider = named?.accountId === app.accountId ? await app.entities.samlProvider(arn) : undefined;
  // UNCONFIRMED wording.
  if (!provider) throw invalidToken(`No SAML provider ${arn} exists in this account.`);
  return provider;
}

export const assumeRoleWithSAML = operation({
  service: 'sts',
  name: 'AssumeRoleWithSAML',
  // Unsigned: the role's trust policy decides for the verified SAML response's subject, in the handler.
  permission: 'in-handler',
  // CloudTrail's SAMLUser, named by NameQualifier and Subject, once the response was verified.
  auditIdentity: (input, out) => ({
    type: 'SAMLUser',
    principalId: out?.NameQualifier === undefined ? undefined : `${out.NameQualifier}:${out.Subject}`,
    userName: out?.Subject,
    identityProvider: out && typeof input?.PrincipalArn === 'string' ? input.PrincipalArn : undefined,
  }),
  handle: async ({ input, request, app }) => {
    const provider = await providerOf(app, input.PrincipalArn);
    const claims = verifySamlResponse(provider, input.SAMLAssertion, request.time);
    const action = 'sts:AssumeRoleWithSAML';
    // UNCONFIRMED: AWS's answer when the IdP did not grant this role; refused like a trust policy that does not allow it.
    if (!rolePairNamed(claims, input.RoleArn, provider.record.arn)) throw federatedRefusal(action);

    const sessionName = single(claims, 'RoleSessionName');
    // UNCONFIRMED wording of the three below.
    if (sessionName === undefined || !SESSION_NAME.test(sessionName)) {
      throw invalidToken(
        `The SAML attribute ${ATTRIBUTE}RoleSessionName must be present, 2 to 64 characters of letters, digits and _+=,.@-.`,
      );
    }
    const sessionDuration = single(claims, 'SessionDuration');
    const cap = sessionDuration === undefined ? undefined : Number(sessionDuration);
    if (cap !== undefined && (!/^\d+$/.test(sessionDuration!) || cap < 900 || cap > 43200)) {
      throw invalidToken(
        `The SAML attribute ${ATTRIBUTE}SessionDuration must be a number of seconds from 900 to 43200.`,
      );
    }
    const sourceIdentity = single(claims, 'SourceIdentity');
    if (
      sourceIdentity !== undefined &&
      (!SESSION_NAME.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:'))
    ) {
      throw invalidToken(`The SAML attribute ${ATTRIBUTE}SourceIdentity is not a valid source identity.`);
    }
    const tags = sessionTags(principalTags(claims), claims.attributes.get(`${ATTRIBUTE}TransitiveTagKeys`), undefined);

    const role = await findRole(app, input.RoleArn);
    // A missing role is refused exactly like a refused one.
    if (!role) throw federatedRefusal(action);
    const { arn } = provider.record;
    const qualifier = nameQualifier(claims.issuer, provider.record.accountId, provider.record.name);
    const principal: CallerPrincipal = { arn, accountId: '', kind: 'saml', federatedProvider: arn };
    const keys = addRequestKeys(samlKeys(claims, provider, qualifier), request);
    keys['sts:RoleSessionName'] = sessionName;
    if (sourceIdentity !== undefined) keys['sts:SourceIdentity'] = sourceIdentity;
    if (tags.transitiveTagKeys.length) keys['sts:TransitiveTagKeys'] = tags.transitiveTagKeys;
    addRequestTagKeys(keys, tags.tags);
    for (const t of role.tags) keys[`aws:ResourceTag/${t.Key}`] = t.Value;
    const context = new RequestContext(keys);
    checkFederatedTrust(role, principal, action, context);
    if (tags.tags.length) checkFederatedTrust(role, principal, 'sts:TagSession', context);
    if (sourceIdentity !== undefined) checkFederatedTrust(role, principal, 'sts:SetSourceIdentity', context);

    // AWS documents SessionDuration as able only to shorten the default hour when DurationSeconds is not passed.
    const seconds =
      input.DurationSeconds ?? Math.min(DEFAULT_ROLE_SESSION_SECONDS, cap ?? DEFAULT_ROLE_SESSION_SECONDS);
    checkRoleDuration(role, seconds);
    // The session may not outlive the IdP's SessionNotOnOrAfter (AWS: "whichever is shorter").
    if (claims.sessionNotOnOrAfter !== undefined && claims.sessionNotOnOrAfter <= request.time) {
      throw expiredToken(
        `The SAML assertion's session has ended: SessionNotOnOrAfter was ${new Date(claims.sessionNotOnOrAfter).toISOString()}.`,
      );
    }
    const policies = await requestedSessionPolicies(app, input);
    const session = issueRoleSession(app, request, {
      role,
      sessionName,
      seconds,
      policies,
      tags,
      sourceIdentity,
      notAfter: claims.sessionNotOnOrAfter,
    });
    const { Credentials, AssumedRoleUser, PackedPolicySize } = session;
    return {
      Credentials,
      AssumedRoleUser,
      PackedPolicySize,
      Subject: claims.subject,
      SubjectType: subjectType(claims.subjectFormat),
      Issuer: claims.issuer,
      Audience: claims.recipient,
      NameQualifier: qualifier,
      SourceIdentity: sourceIdentity,
    };
  },
});
