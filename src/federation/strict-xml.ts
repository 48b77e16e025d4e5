/**
 * Strict XML parsing for documents from outside (SAML metadata and responses), with @xmldom/xmldom: any parse
 * error or warning refuses the document, and so does a document type declaration. A DTD is the door to entity
 * expansion ("billion laughs") and external entities, and neither SAML nor its metadata needs one; xmldom does not
 * fetch external entities, but refusing the declaration outright leaves nothing to reason about.
 */
import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export class XmlRejected extends Error {}

const DECLARATION = /<!\s*(DOCTYPE|ENTITY)/i;
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/** The document, or XmlRejected with a short reason. */
export function parseStrictXml(text: string): Document {
  if (DECLARATION.test(text)) throw new XmlRejected('a document type declaration (DOCTYPE or ENTITY) is not allowed');
  const fail = (message: string) => {
    throw new XmlRejected(
      `it is not well-formed XML (${message
        .replace(/\[xmldom \w+\]\s*/g, '')
        .split('\n')[0]!
        .slice(0, 120)})`,
    );
  };
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(
      text,
      'text/xml',
    ) as unknown as Document;
  } catch (err) {
    if (err instanceof XmlRejected) throw err;
    throw new XmlRejected(`it is not well-formed XML (${String((err as Error).message ?? err).slice(0, 120)})`);
  }
  if (!doc?.documentElement) throw new XmlRejected('it is not XML: there is no root element');
  if (doc.doctype) throw new XmlRejected('a document type declaration (DOCTYPE or ENTITY) is not allowed');
  // xmldom keeps text after the root element; a document is one element and nothing but space around it.
  for (const node of Array.from(doc.childNodes)) {
    if (node.nodeType === TEXT_NODE && (node.nodeValue ?? '').trim() !== '')
      throw new XmlRejected('it is not well-formed XML (text outside the root element)');
  }
  return doc;
}

/** The element's child elements, optionally only those with this namespace and local name. */
export function childElements(parent: Node, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (const node of Array.from(parent.childNodes)) {
    if (node.nodeType !== ELEMENT_NODE) continue;
    const el = node as Element;
    if (ns !== undefined && (el.namespaceURI !== ns || el.localName !== localName)) continue;
    out.push(el);
  }
  return out;
}

/** The one child element with this name, undefined when there is none; XmlRejected when there are several. */
export function onlyChild(parent: Node, ns: string, localName: string): Element | undefined {
  const found = childElements(parent, ns, localName);
  if (found.length > 1) throw new XmlRejected(`it has more than one ${localName} element where one is allowed`);
  return found[0];
}

/** Every element below `root` (itself included) with this namespace and local name, in document order. */
export function descendants(root: Node, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const walk = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType !== ELEMENT_NODE) continue;
      const el = child as Element;
      if (el.namespaceURI === ns && el.localName === localName) out.push(el);
      walk(el);
    }
  };
  if (
    root.nodeType === ELEMENT_NODE &&
    (root as Element).namespaceURI === ns &&
    (root as Element).localName === localName
  )
    out.push(root as Element);
  walk(root);
  return out;
}

/** Every element of the document, for checks that look at all of them (duplicate IDs). */
export function allElements(root: Node): Element[] {
  const out: Element[] = [];
  const walk = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType !== ELEMENT_NODE) continue;
      out.push(child as Element);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** The element's text content, trimmed (SAML values carry no meaningful surrounding white space). */
export const textOf = (el: Element | undefined): string | undefined =>
  el === undefined ? undefined : (el.textContent ?? '').trim();

/** An attribute's value, undefined when absent (xmldom answers '' for a missing attribute). */
export const attribute = (el: Element | undefined, name: string): string | undefined =>
  el?.hasAttribute(name) ? el.getAttribute(name)! : undefined;
