/**
 * IAM SAML providers, named the AWS way (`arn:aws:iam::ACCOUNT:saml-provider/NAME`), and what AssumeRoleWithSAML
 * needs from a provider's metadata document: the IdP's entityID (the Issuer its assertions must carry) and the
 * X.509 certificates it signs with. The metadata is checked when it is stored, so a provider that exists can verify.
 */
import { X509Certificate } from 'node:crypto';
import { PARTITION } from '../protocol/arn-parameters.js';
import type { SamlProviderRecord } from '../store/store.js';
import { attribute, childElements, NS, parseStrictXml, textOf, XmlRejected } from './strict-xml.js';

export const samlProviderArn = (accountId: string, name: string) =>
  `arn:${PARTITION}:iam::${accountId}:saml-provider/${name}`;

const PROVIDER_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):saml-provider/([\\w.-]{1,128})$`);

/** The account and name of a SAML provider ARN, or undefined when it is not one. */
export function parseSamlProviderArn(arn: string): { accountId: string; name: string } | undefined {
  const m = PROVIDER_ARN.exec(arn);
  return m ? { accountId: m[1]!, name: m[2]! } : undefined;
}

export interface SamlMetadata {
  /** The EntityDescriptor's entityID: the Issuer of the IdP's responses and assertions. */
  entityId: string;
  /** PEM certificates of the IdP's signing keys (KeyDescriptors of its IDPSSODescriptor used for signing). */
  signingCertificates: string[];
  /** The document's validUntil, if it has one (epoch ms): GetSAMLProvider's ValidUntil. */
  validUntil?: number;
}

/** Why a metadata document cannot be used; IAM answers it as InvalidInput. */
export class SamlMetadataRejected extends Error {}

const reject = (why: string): never => {
  // UNCONFIRMED: AWS's wording is "Could not parse metadata"; the reason after it is ours.
  throw new SamlMetadataRejected(`Could not parse metadata: ${why}`);
};

/**
 * Reads a SAML 2.0 metadata document: one md:EntityDescriptor with an entityID, at least one md:IDPSSODescriptor,
 * and at least one RSA signing certificate in it (KeyDescriptor use="signing" or without `use`). xml-crypto verifies
 * RSA signatures only, so an IdP whose keys are all of another kind could never be verified and is refused now.
 */
/** A SAML provider with its metadata read (entityID, signing certificates), as the entity cache keeps it. */
export interface SamlProviderEntry {
  record: SamlProviderRecord;
  metadata: SamlMetadata;
}

export function readSamlMetadata(document: string): SamlMetadata {
  let doc: Document;
  try {
    doc = parseStrictXml(document);
  } catch (err) {
    if (err instanceof XmlRejected) return reject(err.message);
    throw err;
  }
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.metadata || root.localName !== 'EntityDescriptor') {
    return reject(`the root element must be an EntityDescriptor in the ${NS.metadata} namespace`);
  }
  const entityId = attribute(root, 'entityID')?.trim();
  if (!entityId) return reject('the EntityDescriptor has no entityID');
  let validUntil: number | undefined;
  const until = attribute(root, 'validUntil');
  if (until !== undefined) {
    validUntil = Date.parse(until);
    if (Number.isNaN(validUntil)) return reject(`validUntil ${until} is not a date`);
  }
  const idps = childElements(root, NS.metadata, 'IDPSSODescriptor');
  if (!idps.length) return reject('it has no IDPSSODescriptor');
  const signingCertificates: string[] = [];
  for (const idp of idps) {
    for (const key of childElements(idp, NS.metadata, 'KeyDescriptor')) {
      const use = attribute(key, 'use');
      if (use !== undefined && use !== 'signing') continue;
      for (const info of childElements(key, NS.dsig, 'KeyInfo')) {
        for (const data of childElements(info, NS.dsig, 'X509Data')) {
          for (const c of childElements(data, NS.dsig, 'X509Certificate'))
            signingCertificates.push(certificatePem(textOf(c) ?? ''));
        }
      }
    }
  }
  if (!signingCertificates.length)
    return reject(
      'its IDPSSODescriptor has no signing X.509 certificate (KeyDescriptor/KeyInfo/X509Data/X509Certificate)',
    );
  return { entityId, signingCertificates: [...new Set(signingCertificates)], validUntil };
}

/** The PEM of a metadata X509Certificate (base64 DER), checked to be a certificate with an RSA public key. */
function certificatePem(base64: string): string {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return reject('an X509Certificate is not base64');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(compact, 'base64'));
  } catch {
    return reject('an X509Certificate is not a valid DER certificate');
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa')
    return reject(
      `a signing certificate has a ${cert.publicKey.asymmetricKeyType} key; only RSA signing keys are supported`,
    );
  return cert.toString();
}
