/**
 * Just enough XML for Query-protocol responses: elements, attributes (skipped), text, CDATA, comments, the
 * five named entities and numeric references. Namespace prefixes are dropped. No DTDs, so no entity
 * expansion attacks. Malformed input throws XmlError instead of guessing.
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded). */
  text: string;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlError(`invalid character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const named = NAMED[ref];
    if (named === undefined || !whole.endsWith(';')) throw new XmlError(`unknown entity ${whole}`);
    return named;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Parses a document and returns its root element. */
export function parseXml(xml: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = xml.length;
  if (xml.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const chunk = xml.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1]!.text += decodeEntities(chunk);
      else if (chunk.trim()) throw new XmlError('text outside the root element');
    }
    if (lt < 0) break;
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0 || stack.length === 0) throw new XmlError('misplaced or unterminated CDATA section');
      stack[stack.length - 1]!.text += xml.slice(lt + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<!', lt)) {
      throw new XmlError('DOCTYPE and other declarations are not accepted');
    } else if (xml[lt + 1] === '/') {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) throw new XmlError('unterminated end tag');
      const name = localName(xml.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlError(`unexpected </${name}>`);
      i = end + 1;
    } else {
      // A start tag; attribute values may contain '>' only when quoted.
      let j = lt + 1;
      let quote = '';
      for (; j < n; j++) {
        const c = xml[j]!;
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= n) throw new XmlError('unterminated start tag');
      const selfClosing = xml[j - 1] === '/';
      const inner = xml.slice(lt + 1, selfClosing ? j - 1 : j);
      const m = /^[^\s/>]+/.exec(inner);
      if (!m) throw new XmlError('start tag without a name');
      const element: XmlElement = { name: localName(m[0]), children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
      else if (root) throw new XmlError('more than one root element');
      else root = element;
      if (!selfClosing) stack.push(element);
      i = j + 1;
    }
  }
  if (stack.length > 0) throw new XmlError(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new XmlError('no root element');
  return root;
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** The text of a descendant found by a path of element names, or undefined. */
export function textAt(element: XmlElement | undefined, ...path: string[]): string | undefined {
  let current = element;
  for (const name of path) current = child(current, name);
  return current?.text;
}
