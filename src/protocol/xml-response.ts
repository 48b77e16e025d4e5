/**
 * The AWS Query protocol's response side: `<Op>Response` / `<Op>Result` envelopes in the service's namespace,
 * members in model order, lists as `<member>`, timestamps as `YYYY-MM-DDTHH:MM:SSZ` (the JS SDK's strict
 * RFC 3339 parser needs seconds and a zone), blobs as base64, and the error envelope.
 */
import type { AwsError } from './errors.js';
import { members, type MemberRef, type ServiceModel, type Shape } from './model.js';

/**
 * Anything that needs work in a text node or attribute value: the markup characters, CR (a parser would turn it into
 * LF), and what XML 1.0 cannot carry at all (C0 controls but tab and LF, lone surrogates, U+FFFE/U+FFFF). Surrogate
 * pairs match too and are kept by the slow path. Without the `u` flag the class tests UTF-16 code units.
 */
const NEEDS_ESCAPE = /[&<>"'\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]/;

/** The character that stands for one XML cannot carry, as a UTF-8 decoder does for bytes it cannot read. */
export const REPLACEMENT = '\ufffd';

/**
 * Text made safe for a text node or a quoted attribute value: every response (results, errors, whatever they echo
 * from the request) goes through here, so each one is well-formed XML 1.0 whatever came in. Clean text (nearly all)
 * costs one regular-expression test and no copy.
 */
export function escapeXml(s: string): string {
  return NEEDS_ESCAPE.test(s) ? escapeSlow(s) : s;
}

function escapeSlow(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let replacement: string;
    if (c < 0x20) {
      if (c === 0x09 || c === 0x0a) continue;
      replacement = c === 0x0d ? '&#13;' : REPLACEMENT;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a pair: one character beyond the BMP, which XML carries
        continue;
      }
      replacement = REPLACEMENT;
    } else {
      switch (c) {
        case 0x26:
          replacement = '&amp;';
          break;
        case 0x3c:
          replacement = '&lt;';
          break;
        case 0x3e:
          replacement = '&gt;';
          break;
        case 0x22:
          replacement = '&quot;';
          break;
        case 0x27:
          replacement = '&apos;';
          break;
        case 0xfffe:
        case 0xffff:
          replacement = REPLACEMENT;
          break;
        default:
          continue;
      }
    }
    out += s.slice(last, i) + replacement;
    last = i + 1;
  }
  return out + s.slice(last);
}

let lastSecond = NaN;
let lastIso = '';

/** ISO 8601 in UTC with whole seconds (the last one formatted is remembered: most are "now" plus a duration). */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastIso;
}

function scalar(shape: Shape, value: unknown): string {
  switch (shape.type) {
    case 'timestamp':
      return isoSeconds(value instanceof Date ? value.getTime() : Number(value));
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64');
    default:
      return escapeXml(String(value));
  }
}

function renderValue(model: ServiceModel, ref: MemberRef, name: string, value: unknown): string {
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case 'structure':
      return `<${name}>${renderMembers(model, shape, value as Record<string, unknown>)}</${name}>`;
    case 'list': {
      const item = shape.member!;
      const itemName = item.locationName ?? 'member';
      let out = `<${name}>`;
      for (const v of value as unknown[]) out += renderValue(model, item, itemName, v);
      return out + `</${name}>`;
    }
    case 'map': {
      let out = `<${name}>`;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out += `<entry>${renderValue(model, shape.key!, 'key', k)}${renderValue(model, shape.value!, 'value', v)}</entry>`;
      }
      return out + `</${name}>`;
    }
    default:
      return `<${name}>${scalar(shape, value)}</${name}>`;
  }
}

function renderMembers(model: ServiceModel, shape: Shape, value: Record<string, unknown>): string {
  let out = '';
  for (const m of members(shape)) {
    const v = value[m.name];
    if (v !== undefined && v !== null) out += renderValue(model, m.ref, m.wireName, v);
  }
  return out;
}

/** The success document of an operation. */
export function renderResult(
  model: ServiceModel,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const op = model.operations[operation]!;
  let out = `<${operation}Response xmlns="${model.metadata.xmlNamespace}">`;
  if (op.output) {
    const wrapper = op.output.resultWrapper ?? `${operation}Result`;
    out += `<${wrapper}>${renderMembers(model, model.shapes[op.output.shape]!, output ?? {})}</${wrapper}>`;
  }
  return out + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

/** The error document, in the namespace of the service the request was for. */
export function renderError(namespace: string, error: AwsError, requestId: string): string {
  let details = '';
  for (const [name, value] of Object.entries(error.details ?? {})) details += `<${name}>${escapeXml(value)}</${name}>`;
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message>${details}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
