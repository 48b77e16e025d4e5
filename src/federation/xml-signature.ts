/**
 * XML-DSig verification of one enveloped signature with xml-crypto, for SAML: the signature must be a ds:Signature
 * child of the element it signs, with exactly one Reference whose URI is that element's ID (SAML core 5.4.2), and
 * algorithms from a short list. What comes back is xml-crypto's signed reference: the canonical XML the digest was
 * computed over. Callers read claims from that text and nothing else, so no element that the signature does not
 * cover (a wrapped copy, an inserted sibling, a comment-split text node) can reach them.
 *
 * The certificates are the provider's metadata's; a certificate in the signature's own KeyInfo is never trusted.
 */
import { SignedXml } from 'xml-crypto';
import { attribute, childElements, NS } from './strict-xml.js';

/**
 * RSA with SHA-256 or SHA-512. SHA-1 (rsa-sha1, the sha1 digest) is refused: collisions in it are practical.
 * UNCONFIRMED: AWS is believed to accept SHA-1 signatures still; an IdP that signs with SHA-1 must be moved to SHA-256.
 */
const SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const DIGEST_METHODS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
/** The enveloped-signature transform and the canonicalizations; nothing that evaluates XPath or XSLT. */
const TRANSFORMS = new Set([
  'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
]);

/** The signature is unusable: its shape or algorithms are refused, or it does not verify with any certificate. */
export class SignatureRejected extends Error {}

const only = (parent: Element, localName: string): Element => {
  const found = childElements(parent, NS.dsig, localName);
  if (found.length !== 1) throw new SignatureRejected(`the signature must have exactly one ${localName}`);
  return found[0]!;
};

/** Refuses a signature whose structure or algorithms are not the ones SAML uses and we accept. */
function checkShape(signature: Element, signed: Element): void {
  const id = attribute(signed, 'ID');
  if (!id) throw new SignatureRejected(`the signed ${signed.localName} has no ID`);
  const signedInfo = only(signature, 'SignedInfo');
  const method = attribute(only(signedInfo, 'SignatureMethod'), 'Algorithm') ?? '';
  if (!SIGNATURE_METHODS.has(method))
    throw new SignatureRejected(`the signature algorithm ${method} is not accepted (use RSA with SHA-256 or SHA-512)`);
  const canonicalization = attribute(only(signedInfo, 'CanonicalizationMethod'), 'Algorithm') ?? '';
  if (!TRANSFORMS.has(canonicalization) || canonicalization.endsWith('enveloped-signature')) {
    throw new SignatureRejected(`the canonicalization ${canonicalization} is not accepted`);
  }
  const reference = only(signedInfo, 'Reference');
  if (attribute(reference, 'URI') !== `#${id}`)
    throw new SignatureRejected(`the signature's reference must be #${id}, the ID of the ${signed.localName} it is in`);
  const digest = attribute(only(reference, 'DigestMethod'), 'Algorithm') ?? '';
  if (!DIGEST_METHODS.has(digest))
    throw new SignatureRejected(`the digest algorithm ${digest} is not accepted (use SHA-256 or SHA-512)`);
  for (const transforms of childElements(reference, NS.dsig, 'Transforms')) {
    for (const t of childElements(transforms, NS.dsig, 'Transform')) {
      const algorithm = attribute(t, 'Algorithm') ?? '';
      if (!TRANSFORMS.has(algorithm)) throw new SignatureRejected(`the transform ${algorithm} is not accepted`);
    }
  }
}

/**
 * The canonical XML of `signed` as `signature` (its ds:Signature child) covers it, when the signature verifies with
 * one of `certificates` (PEM); SignatureRejected otherwise. `xml` is the document both nodes were parsed from:
 * xml-crypto resolves the reference in its own parse of it, and refuses a document where two elements share an ID.
 */
export function verifiedSignedXml(
  xml: string,
  signature: Element,
  signed: Element,
  certificates: readonly string[],
): string {
  checkShape(signature, signed);
  for (const publicCert of certificates) {
    const verifier = new SignedXml({ publicCert, getCertFromKeyInfo: () => null });
    try {
      verifier.loadSignature(signature);
      if (!verifier.checkSignature(xml)) continue;
    } catch {
      // An invalid signature value, a digest mismatch, a duplicated ID...: not this certificate, or not valid.
      continue;
    }
    const references = verifier.getSignedReferences();
    if (references.length === 1) return references[0]!;
  }
  throw new SignatureRejected('Response signature invalid');
}
