/** A strict XML 1.0 parser (saxes: well-formedness, the XML character set, namespaces) for asserting what we send. */
import { SaxesParser } from 'saxes';

/** The first well-formedness error of a document, or undefined when a strict parser reads all of it. */
export function xmlError(xml: string): string | undefined {
  const parser = new SaxesParser({ xmlns: true });
  let error: string | undefined;
  parser.on('error', (e) => {
    error ??= e.message;
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    error ??= String(e);
  }
  return error;
}
