/**
 * Reading answers as the conformance suite compares them with AWS's recordings: the element tree (names in wire
 * order, texts unescaped), the exact error document, and the formats AWS uses for dates and identifiers.
 */
import assert from 'node:assert/strict';
import { SaxesParser } from 'saxes';
import type { RawReply } from '../helpers/query.js';

export interface Element {
  name: string;
  text: string;
  children: Element[];
}

/** The document's root element (a strict parser: a malformed answer fails the test). */
export function parseXml(xml: string): Element {
  const parser = new SaxesParser();
  const root: Element = { name: '#document', text: '', children: [] };
  const stack: Element[] = [root];
  parser.on('opentag', (tag) => {
    const element: Element = { name: tag.name, text: '', children: [] };
    stack.at(-1)!.children.push(element);
    stack.push(element);
  });
  parser.on('text', (t) => {
    stack.at(-1)!.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  return root.children[0]!;
}

/** The element reached by names from `from` (first match at each step), failing the test if there is none. */
export function at(from: Element, ...path: string[]): Element {
  let e = from;
  for (const name of path) {
    const next = e.children.find((c) => c.name === name);
    assert.ok(next, `no <${name}> under <${e.name}>: has ${names(e).join(', ')}`);
    e = next;
  }
  return e;
}

/** The names of an element's children, in wire order. */
export const names = (e: Element): string[] => e.children.map((c) => c.name);

/** A 200 answer's `<Op>Result` element (or the bare response for operations with no output). */
export function result(r: RawReply, operation: string): Element {
  assert.equal(r.status, 200, r.body);
  const root = parseXml(r.body);
  assert.equal(root.name, `${operation}Response`);
  // Every answer ends with the request id AWS sends (and in the header).
  const meta = root.children.at(-1)!;
  assert.equal(meta.name, 'ResponseMetadata');
  assert.equal(at(meta, 'RequestId').text, r.headers.get('x-amzn-requestid'));
  return root.children.find((c) => c.name === `${operation}Result`) ?? root;
}

/** An operation with no output: the response holds the request id only. */
export function empty(r: RawReply, operation: string): void {
  const root = result(r, operation);
  assert.deepEqual(names(root), ['ResponseMetadata'], `${operation}: ${r.body}`);
}

/** The whole error document as AWS sends it: Type, Code, Message in that order, then the request id; and the status. */
export function assertError(r: RawReply, status: number, code: string, message: string, type = 'Sender'): void {
  assert.equal(r.status, status, r.body);
  const root = parseXml(r.body);
  assert.equal(root.name, 'ErrorResponse');
  assert.deepEqual(names(root), ['Error', 'RequestId']);
  const error = at(root, 'Error');
  assert.deepEqual(
    error.children.map((c) => [c.name, c.text]),
    [
      ['Type', type],
      ['Code', code],
      ['Message', message],
    ],
  );
  assert.equal(at(root, 'RequestId').text, r.headers.get('x-amzn-requestid'));
}

/** IAM's and STS's timestamps: ISO 8601 in UTC, whole seconds (as recorded answers show them). */
export const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Unique ids: a four-letter type prefix and 17 upper-case base32 characters (AIDA, AROA, ANPA, AGPA, AIPA). */
export const uniqueId = (prefix: string) => new RegExp(`^${prefix}[A-Z2-7]{17}$`);
export const ACCESS_KEY_ID = /^AKIA[A-Z2-7]{16}$/;
export const SESSION_KEY_ID = /^ASIA[A-Z2-7]{16}$/;
export const SECRET_ACCESS_KEY = /^[A-Za-z0-9/+]{40}$/;

/** Asserts each named child's text: a string is compared exactly, a RegExp matched. */
export function assertTexts(e: Element, expected: Record<string, string | RegExp>): void {
  for (const [name, want] of Object.entries(expected)) {
    const got = at(e, name).text;
    if (typeof want === 'string') assert.equal(got, want, name);
    else assert.match(got, want, name);
  }
}
