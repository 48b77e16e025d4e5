/**
 * A SAML 2.0 identity provider for tests: an RSA key pair and a self-signed certificate made by openssl for this run,
 * its metadata document, and SAML responses for AWS signed with xml-crypto's SignedXml (the Assertion, the
 * Response, both, or neither), built from options so that each test can bend one thing.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';

export const AWS_SAML_ENDPOINT = 'https://signin.aws.amazon.com/saml';
const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export interface ResponseOptions {
  /** When the response is issued (ms); the assertion is valid from then for `lifetime` seconds. */
  now: number;
  /** Seconds of validity (Conditions and SubjectConfirmationData NotOnOrAfter); default 300. */
  lifetime?: number;
  /** Role attribute values, each "roleArn,providerArn" (or any string). */
  roles: string[];
  /** RoleSessionName; null leaves the attribute out. Default 'alice@example.com'. */
  sessionName?: string | null;
  nameId?: string;
  /** NameID Format; default persistent. */
  nameIdFormat?: string | null;
  issuer?: string;
  /** AudienceRestriction's Audience values; default AWS's endpoint. [] leaves out the AudienceRestriction. */
  audiences?: string[];
  recipient?: string;
  /** Other attributes: Name -> values. */
  attributes?: Record<string, string[]>;
  /** AuthnStatement SessionNotOnOrAfter (ms). */
  sessionNotOnOrAfter?: number;
  /** What is signed: default the assertion. */
  sign?: 'assertion' | 'response' | 'both' | 'none';
  /** Sign with this IdP's key instead (a key the provider's metadata does not have). */
  signer?: TestIdp;
  /** rsa-sha256 (default) or rsa-sha1 with sha1 digests. */
  algorithm?: 'sha256' | 'sha1';
}

export interface TestIdp {
  entityId: string;
  certPem: string;
  /** The metadata document (IDPSSODescriptor with the signing certificate), over 1,000 characters as IAM requires. */
  metadata(options?: { entityId?: string; certPem?: string; validUntil?: string; use?: string }): string;
  /** The signed response XML. */
  responseXml(options: ResponseOptions): string;
  /** The same, base64: the SAMLAssertion parameter. */
  response(options: ResponseOptions): string;
  /** Signs `xml` (an element with an ID, found by the XPath) with this IdP's key, as xml-crypto does. */
  signElement(xml: string, xpath: string, algorithm?: 'sha256' | 'sha1'): string;
  privateKeyPem: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (t: number) => new Date(t).toISOString();
const base64Body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

/** A key pair and a self-signed certificate from the openssl CLI. */
function keyAndCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-saml-idp-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=opensts-test-idp',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeTestIdp(entityId = 'https://idp.example.com/saml/metadata'): TestIdp {
  const { key, cert } = keyAndCertificate();

  const idp: TestIdp = {
    entityId,
    certPem: cert,
    privateKeyPem: key,

    metadata(o = {}) {
      const use = o.use === undefined ? ' use="signing"' : o.use === '' ? '' : ` use="${o.use}"`;
      return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(o.entityId ?? entityId)}"${o.validUntil ? ` validUntil="${o.validUntil}"` : ''}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor${use}>
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64Body(o.certPem ?? cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
    },

    signElement(xml, xpath, algorithm = 'sha256') {
      const sig = new SignedXml({
        privateKey: key,
        publicCert: cert,
        canonicalizationAlgorithm: EXC_C14N,
        signatureAlgorithm:
          algorithm === 'sha1'
            ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'
            : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      });
      sig.addReference({
        xpath,
        transforms: [ENVELOPED, EXC_C14N],
        digestAlgorithm:
          algorithm === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
      });
      // SAML's schema puts the Signature right after the Issuer.
      sig.computeSignature(xml, {
        prefix: 'ds',
        location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' },
      });
      return sig.getSignedXml();
    },

    responseXml(o) {
      const lifetime = (o.lifetime ?? 300) * 1000;
      const until = iso(o.now + lifetime);
      const attributes: Record<string, string[]> = { [`${ATTR}Role`]: o.roles };
      if (o.sessionName !== null) attributes[`${ATTR}RoleSessionName`] = [o.sessionName ?? 'alice@example.com'];
      Object.assign(attributes, o.attributes ?? {});
      const audiences = o.audiences ?? [AWS_SAML_ENDPOINT];
      const format =
        o.nameIdFormat === undefined ? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' : o.nameIdFormat;
      const issuer = esc(o.issuer ?? entityId);
      const assertionId = `_a${randomUUID()}`;
      const xml =
        `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomUUID()}" Version="2.0" IssueInstant="${iso(o.now)}" Destination="${AWS_SAML_ENDPOINT}">` +
        `<saml:Issuer>${issuer}</saml:Issuer>` +
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
        `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${iso(o.now)}">` +
        `<saml:Issuer>${issuer}</saml:Issuer>` +
        `<saml:Subject><saml:NameID${format === null ? '' : ` Format="${format}"`}>${esc(o.nameId ?? '_cbb88bf52c2510eabe00c1642d4643f41430fe25e3')}</saml:NameID>` +
        `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${esc(o.recipient ?? AWS_SAML_ENDPOINT)}"/></saml:SubjectConfirmation></saml:Subject>` +
        `<saml:Conditions NotBefore="${iso(o.now)}" NotOnOrAfter="${until}">` +
        (audiences.length
          ? `<saml:AudienceRestriction>${audiences.map((a) => `<saml:Audience>${esc(a)}</saml:Audience>`).join('')}</saml:AudienceRestriction>`
          : '') +
        '</saml:Conditions>' +
        `<saml:AttributeStatement>${Object.entries(attributes)
          .map(
            ([name, values]) =>
              `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
          )
          .join('')}</saml:AttributeStatement>` +
        `<saml:AuthnStatement AuthnInstant="${iso(o.now)}" SessionIndex="${assertionId}"${o.sessionNotOnOrAfter === undefined ? '' : ` SessionNotOnOrAfter="${iso(o.sessionNotOnOrAfter)}"`}>` +
        '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
        '</saml:Assertion></samlp:Response>';
      const signer = o.signer ?? idp;
      const sign = o.sign ?? 'assertion';
      let out = xml;
      if (sign === 'assertion' || sign === 'both')
        out = signer.signElement(out, "//*[local-name(.)='Assertion']", o.algorithm);
      if (sign === 'response' || sign === 'both')
        out = signer.signElement(out, "/*[local-name(.)='Response']", o.algorithm);
      return out;
    },

    response(o) {
      return Buffer.from(idp.responseXml(o), 'utf8').toString('base64');
    },
  };
  return idp;
}
