/**
 * Verifying a SAML 2.0 response for AssumeRoleWithSAML, against the IAM SAML provider that PrincipalArn names.
 *
 * The order: decode; parse strictly (no DTD, bounded depth); the shape (one samlp:Response holding exactly one
 * Assertion, no EncryptedAssertion, no duplicated IDs, signatures only on the Response and the Assertion); every
 * signature valid with a certificate of the provider's metadata, and at least one present; then, read ONLY from the
 * XML a signature covers (xml-signature.ts), the assertion's claims: Issuer = the metadata's entityID, one bearer
 * SubjectConfirmation for AWS's sign-in endpoint, AWS as audience, and its times at the server's clock.
 *
 * Replay: AWS documents no one-time use of an assertion, and neither is one kept here: a response can be redeemed
 * again (for any role its Role attribute names) until it expires. What bounds it is the assertion's own lifetime and
 * AWS's observed rule that it must be redeemed within 5 minutes of its IssueInstant.
 */
import { errors } from '../protocol/errors.js';
import type { SamlProviderEntry } from './saml-provider.js';
import {
  allElements,
  attribute,
  childElements,
  descendants,
  NS,
  onlyChild,
  parseStrictXml,
  textOf,
  XmlRejected,
} from './strict-xml.js';
import { SignatureRejected, verifiedSignedXml } from './xml-signature.js';

/** Tolerance for clocks that disagree with the IdP's. */
export const CLOCK_SKEW_MS = 180_000;
/** [obs] "Token must be redeemed within 5 minutes of issuance". */
const REDEEM_WITHIN_MS = 5 * 60_000;
/** Deeper than any SAML response; canonicalization and our walks recurse, so depth is bounded before they run. */
const MAX_DEPTH = 64;
/** The audiences AWS documents for the AudienceRestriction. */
const AUDIENCES = new Set(['https://signin.aws.amazon.com/saml', 'urn:amazon:webservices']);
/** AWS's sign-in endpoints, global or regional, as SubjectConfirmationData Recipient (saml:aud). UNCONFIRMED: the exact set AWS accepts. */
const RECIPIENT = /^https:\/\/(?:[a-z0-9-]+\.)?signin\.aws\.amazon\.com\/(?:static\/)?saml(?:\/acs\/[A-Za-z0-9-]+)?$/;
const REGIONAL_AUDIENCE = /^https:\/\/[a-z0-9-]+\.signin\.aws\.amazon\.com\/saml$/;
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface SamlAssertion {
  provider: SamlProviderEntry;
  /** The assertion's Issuer (the provider's entityID). */
  issuer: string;
  /** NameID's value; undefined when the Subject has no NameID. */
  subject?: string;
  /** NameID's Format as given (the SAML default, unspecified, when it has none). */
  subjectFormat?: string;
  /** SubjectConfirmationData's Recipient: the response's Audience and the saml:aud key. */
  recipient: string;
  /** Attribute values by attribute Name (case-sensitive, as AWS reads them), from every AttributeStatement. */
  attributes: Map<string, string[]>;
  /** The AuthnStatement's SessionNotOnOrAfter, if any (epoch ms): no session may outlive it. */
  sessionNotOnOrAfter?: number;
}

export const invalidToken = errors.invalidIdentityToken;
export const expiredToken = errors.expiredTokenException;

/** Decoding and parsing: InvalidIdentityToken for anything that is not a SAML response we can read. */
function parseResponse(base64: string): { xml: string; doc: Document } {
  const compact = base64.replace(/\s+/g, '');
  // UNCONFIRMED wording of every message here.
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw invalidToken('Invalid SAML response: SAMLAssertion is not base64.');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  let doc: Document;
  try {
    doc = parseStrictXml(xml);
  } catch (err) {
    if (err instanceof XmlRejected) throw invalidToken(`Invalid SAML response: ${err.message}.`);
    throw err;
  }
  checkDepth(doc.documentElement);
  return { xml, doc };
}

function checkDepth(root: Element): void {
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH)
      throw invalidToken(`Invalid SAML response: elements are nested more than ${MAX_DEPTH} deep.`);
    for (const child of Array.from(node.childNodes)) if (child.nodeType === 1) stack.push([child, depth + 1]);
  }
}

/** The Response's one Assertion, once the document has the only shape we accept. */
function checkShape(doc: Document): { response: Element; assertion: Element } {
  const response = doc.documentElement;
  if (response.namespaceURI !== NS.protocol || response.localName !== 'Response') {
    throw invalidToken(`Invalid SAML response: the root element must be a Response in the ${NS.protocol} namespace.`);
  }
  if (descendants(response, NS.assertion, 'EncryptedAssertion').length) {
    throw invalidToken(
      'Encrypted SAML assertions (EncryptedAssertion) are not supported by this server: configure the identity provider to sign the assertion without encrypting it.',
    );
  }
  const assertions = descendants(response, NS.assertion, 'Assertion');
  if (assertions.length !== 1 || assertions[0]!.parentNode !== response) {
    throw invalidToken(
      `Invalid SAML response: it must hold exactly one Assertion, as a child of the Response (found ${assertions.length}).`,
    );
  }
  const ids = new Set<string>();
  for (const el of allElements(doc)) {
    for (const name of ['ID', 'Id', 'id']) {
      const id = attribute(el, name);
      if (id === undefined) continue;
      if (ids.has(id)) throw invalidToken(`Invalid SAML response: the ID ${id} appears more than once.`);
      ids.add(id);
    }
  }
  const assertion = assertions[0]!;
  for (const signature of descendants(response, NS.dsig, 'Signature')) {
    if (signature.parentNode !== response && signature.parentNode !== assertion) {
      throw invalidToken('Invalid SAML response: a Signature may only sign the Response or its Assertion.');
    }
  }
  return { response, assertion };
}

/** Parses what a signature covers, and checks it is the element it claims to be. */
function signedElement(canonical: string, like: Element): Element {
  const el = parseStrictXml(canonical).documentElement;
  if (
    el.namespaceURI !== like.namespaceURI ||
    el.localName !== like.localName ||
    attribute(el, 'ID') !== attribute(like, 'ID')
  ) {
    throw invalidToken('Response signature invalid');
  }
  return el;
}

/**
 * The assertion as its signature covers it: the Assertion's own signature when it has one, else the Response's.
 * Every signature present must verify; a response with none is refused.
 */
function signedAssertion(
  xml: string,
  response: Element,
  assertion: Element,
  certificates: readonly string[],
): { assertion: Element; response?: Element } {
  const verify = (signed: Element): Element | undefined => {
    const signature = onlyChild(signed, NS.dsig, 'Signature');
    if (!signature) return undefined;
    try {
      return signedElement(verifiedSignedXml(xml, signature, signed, certificates), signed);
    } catch (err) {
      if (err instanceof SignatureRejected)
        throw invalidToken(
          err.message === 'Response signature invalid' ? err.message : `Response signature invalid: ${err.message}.`,
        );
      if (err instanceof XmlRejected) throw invalidToken('Response signature invalid');
      throw err;
    }
  };
  const signedResponse = verify(response);
  const signed = verify(assertion);
  if (signed) return { assertion: signed, response: signedResponse };
  if (signedResponse) {
    // The Response's signature covers the Assertion inside it: take that one, from the signed text.
    const inside = childElements(signedResponse, NS.assertion, 'Assertion');
    if (inside.length !== 1) throw invalidToken('Response signature invalid');
    return { assertion: inside[0]!, response: signedResponse };
  }
  throw invalidToken('Invalid SAML response: neither the Response nor its Assertion is signed.');
}

function time(el: Element | undefined, name: string, required: boolean): number | undefined {
  const value = attribute(el, name);
  if (value === undefined) {
    if (required) throw invalidToken(`Invalid SAML response: ${el?.localName ?? 'an element'} has no ${name}.`);
    return undefined;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw invalidToken(`Invalid SAML response: ${name} ${value} is not a date and time.`);
  return t;
}

const iso = (t: number) => new Date(t).toISOString();

/** NotBefore / NotOnOrAfter of an element at `now`, with the skew. */
function checkWindow(el: Element | undefined, what: string, now: number, notOnOrAfterRequired: boolean): void {
  const notBefore = time(el, 'NotBefore', false);
  const notOnOrAfter = time(el, 'NotOnOrAfter', notOnOrAfterRequired);
  // UNCONFIRMED wording; the codes follow the model (ExpiredTokenException for an expired token).
  if (notBefore !== undefined && now + CLOCK_SKEW_MS < notBefore)
    throw invalidToken(`The SAML assertion is not yet valid: ${what} NotBefore is ${iso(notBefore)}.`);
  if (notOnOrAfter !== undefined && now - CLOCK_SKEW_MS >= notOnOrAfter)
    throw expiredToken(`The SAML assertion has expired: ${what} NotOnOrAfter was ${iso(notOnOrAfter)}.`);
}

/** The claims of a verified response, or AWS's InvalidIdentityToken / ExpiredTokenException / IDPRejectedClaim. */
export function verifySamlResponse(provider: SamlProviderEntry, samlAssertion: string, now: number): SamlAssertion {
  try {
    return readVerified(provider, samlAssertion, now);
  } catch (err) {
    // onlyChild's refusal of a repeated element, wherever it comes from.
    if (err instanceof XmlRejected) throw invalidToken(`Invalid SAML response: ${err.message}.`);
    throw err;
  }
}

function readVerified(provider: SamlProviderEntry, samlAssertion: string, now: number): SamlAssertion {
  const { xml, doc } = parseResponse(samlAssertion);
  const shape = checkShape(doc);
  const { assertion, response } = signedAssertion(
    xml,
    shape.response,
    shape.assertion,
    provider.metadata.signingCertificates,
  );

  // The status is the IdP's word that authentication succeeded; read from the signed Response when it is signed.
  const statusCode = attribute(
    onlyChild(onlyChild(response ?? shape.response, NS.protocol, 'Status') ?? doc, NS.protocol, 'StatusCode'),
    'Value',
  );
  if (statusCode !== SUCCESS)
    throw errors.idpRejectedClaim(
      `The identity provider did not report success (StatusCode ${statusCode ?? 'missing'}).`,
    );

  const { entityId } = provider.metadata;
  const issuer = textOf(onlyChild(assertion, NS.assertion, 'Issuer'));
  const responseIssuer = response && textOf(onlyChild(response, NS.assertion, 'Issuer'));
  // [obs] AWS's message when the Issuer is not the provider's.
  if (issuer !== entityId || (responseIssuer !== undefined && responseIssuer !== entityId))
    throw invalidToken('Issuer not present in specified provider');

  const subjectEl = onlyChild(assertion, NS.assertion, 'Subject');
  if (!subjectEl) throw invalidToken('Invalid SAML response: the Assertion has no Subject.');
  const nameId = onlyChild(subjectEl, NS.assertion, 'NameID');
  const confirmations = childElements(subjectEl, NS.assertion, 'SubjectConfirmation');
  if (confirmations.length !== 1 || attribute(confirmations[0], 'Method') !== BEARER) {
    throw invalidToken('Invalid SAML response: the Subject must have exactly one bearer SubjectConfirmation.');
  }
  const confirmation = onlyChild(confirmations[0]!, NS.assertion, 'SubjectConfirmationData');
  const recipient = attribute(confirmation, 'Recipient');
  if (recipient === undefined || !RECIPIENT.test(recipient)) {
    throw invalidToken(
      `Invalid SAML response: the SubjectConfirmationData Recipient must be AWS's sign-in endpoint (https://signin.aws.amazon.com/saml), not ${recipient ?? 'missing'}.`,
    );
  }

  const conditions = onlyChild(assertion, NS.assertion, 'Conditions');
  const restrictions = conditions ? childElements(conditions, NS.assertion, 'AudienceRestriction') : [];
  const forAws = (r: Element) =>
    childElements(r, NS.assertion, 'Audience').some(
      (a) => AUDIENCES.has(textOf(a)!) || REGIONAL_AUDIENCE.test(textOf(a)!),
    );
  // SAML core 2.5.1.4: every AudienceRestriction must name us.
  if (!restrictions.length || !restrictions.every(forAws)) {
    throw invalidToken(
      "Invalid SAML response: the Assertion's AudienceRestriction must include https://signin.aws.amazon.com/saml or urn:amazon:webservices.",
    );
  }

  const issued = time(assertion, 'IssueInstant', true)!;
  if (issued > now + CLOCK_SKEW_MS)
    throw invalidToken(`The SAML assertion is not yet valid: it is issued at ${iso(issued)}.`);
  checkWindow(conditions, 'Conditions', now, false);
  checkWindow(confirmation, 'SubjectConfirmationData', now, true);
  if (now - CLOCK_SKEW_MS > issued + REDEEM_WITHIN_MS)
    throw expiredToken('Token must be redeemed within 5 minutes of issuance');

  const attributes = new Map<string, string[]>();
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    for (const a of childElements(statement, NS.assertion, 'Attribute')) {
      const name = attribute(a, 'Name');
      if (name === undefined) continue;
      const values = childElements(a, NS.assertion, 'AttributeValue').map((v) => textOf(v)!);
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  let sessionNotOnOrAfter: number | undefined;
  for (const authn of childElements(assertion, NS.assertion, 'AuthnStatement')) {
    const t = time(authn, 'SessionNotOnOrAfter', false);
    if (t !== undefined) sessionNotOnOrAfter = Math.min(t, sessionNotOnOrAfter ?? t);
  }

  return {
    provider,
    issuer,
    subject: textOf(nameId),
    subjectFormat: nameId
      ? (attribute(nameId, 'Format') ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified')
      : undefined,
    recipient,
    attributes,
    sessionNotOnOrAfter,
  };
}
