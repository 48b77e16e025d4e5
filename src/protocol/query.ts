/**
 * The AWS Query protocol's request side: parameters come form-encoded in a POST body, in the query string, or
 * both (merged; the body wins), and are then read into the operation's input shape with every model
 * constraint checked.
 */
import { echoed, errors } from './errors.js';
import { members, type MemberRef, type ServiceModel, type Shape } from './model.js';

export type Params = Map<string, string>;

/**
 * More parameters than any operation reads: the largest inputs (AssumeRole with 50 tags, 50 transitive keys and 10
 * policy ARNs; CreateOpenIDConnectProvider) take a few hundred; the HTTP body limit alone would let 170,000 through.
 */
export const MAX_PARAMETERS = 10_000;

/**
 * The most dots a parameter name is read to: the deepest member path in the models (IAM's
 * `ContextEntries.member.1.ContextKeyValues.member.1`) has five. A name of 200,000 dots would otherwise make
 * 200,000 prefixes of up to 400 KB each (quadratic).
 */
export const MAX_NAME_DEPTH = 16;

/**
 * Parses `a=1&b=2` (with `+` as space, as the SigV4 canonical query does); a malformed escape is kept as written.
 * A repeated name is refused: SigV4 sorts the canonical query by name and value, so the order of repeated values is
 * not signed, and whichever one "wins" could be switched without breaking the signature.
 */
export function parseParams(into: Params, text: string): Params {
  if (!text) return into;
  for (const [k, v] of new URLSearchParams(text)) {
    if (into.has(k)) throw errors.malformedQueryString(`The parameter ${echoed(k)} appears more than once`);
    if (into.size >= MAX_PARAMETERS)
      throw errors.malformedQueryString(`The request has more than ${MAX_PARAMETERS} parameters`);
    into.set(k, v);
  }
  return into;
}

/** Length in Unicode code points, as the model's min/max count; a string without surrogates costs no allocation. */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

interface Violation {
  path: string;
  value: unknown;
  constraint: string;
}

class Reader {
  readonly violations: Violation[] = [];
  /** Every `a.` / `a.b.` prefix of a parameter name: finding nested members costs a lookup, not a scan. */
  private readonly prefixes = new Set<string>();

  constructor(
    private readonly model: ServiceModel,
    private readonly params: Params,
  ) {
    for (const k of params.keys()) {
      let depth = 0;
      for (let i = k.indexOf('.'); i >= 0 && depth++ < MAX_NAME_DEPTH; i = k.indexOf('.', i + 1))
        this.prefixes.add(k.slice(0, i + 1));
    }
  }

  structure(shape: Shape, prefix: string, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of members(shape)) {
      const value = this.read(m.ref, prefix + m.wireName, path + m.pathName);
      if (value === undefined) {
        if (m.required)
          this.violations.push({ path: path + m.pathName, value: null, constraint: 'Member must not be null' });
      } else {
        out[m.name] = value;
      }
    }
    return out;
  }

  private read(ref: MemberRef, key: string, path: string): unknown {
    const shape = this.model.shapes[ref.shape]!;
    switch (shape.type) {
      case 'structure': {
        const p = key + '.';
        if (!this.hasPrefix(p)) return undefined;
        return this.structure(shape, p, path + '.');
      }
      case 'list':
        return this.list(shape, key, path);
      case 'map':
        return this.map(shape, key, path);
      default: {
        const raw = this.params.get(key);
        return raw === undefined ? undefined : this.scalar(ref.shape, shape, raw, path);
      }
    }
  }

  private list(shape: Shape, key: string, path: string): unknown[] | undefined {
    const memberName = shape.member!.locationName ?? 'member';
    const base = shape.flattened ? key + '.' : `${key}.${memberName}.`;
    const items: unknown[] = [];
    for (let i = 1; ; i++) {
      const itemKey = base + i;
      const itemShape = this.model.shapes[shape.member!.shape]!;
      const present =
        itemShape.type === 'structure' || itemShape.type === 'list' || itemShape.type === 'map'
          ? this.hasPrefix(itemKey + '.')
          : this.params.has(itemKey);
      if (!present) break;
      items.push(this.read(shape.member!, itemKey, `${path}.${i}.member`));
      if (i > 1000) break; // more than any list in the model allows; the length check reports it
    }
    if (!items.length && !this.params.has(key)) return undefined; // `Tags=` is how clients send an empty list
    this.checkLength(shape, items.length, items, path);
    return items;
  }

  private map(shape: Shape, key: string, path: string): Record<string, unknown> | undefined {
    // Keys are the caller's: without a prototype, `__proto__` is an entry like any other, not the object's prototype.
    const out: Record<string, unknown> = Object.create(null);
    let n = 0;
    for (let i = 1; this.params.has(`${key}.entry.${i}.key`); i++, n++) {
      const k = this.params.get(`${key}.entry.${i}.key`)!;
      out[k] = this.read(shape.value!, `${key}.entry.${i}.value`, `${path}.${i}.value`);
    }
    if (!n && !this.params.has(key)) return undefined;
    this.checkLength(shape, n, out, path);
    return out;
  }

  private scalar(shapeName: string, shape: Shape, raw: string, path: string): unknown {
    const shown = shape.sensitive ? '***' : raw;
    switch (shape.type) {
      case 'string': {
        this.checkLength(shape, codePointLength(raw), shown, path);
        if (shape.enum && !shape.enum.includes(raw)) {
          this.violations.push({
            path,
            value: shown,
            constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
          });
        }
        const pattern = this.model.patterns.get(shapeName);
        if (pattern && !pattern.test(raw)) {
          this.violations.push({
            path,
            value: shown,
            constraint: `Member must satisfy regular expression pattern: ${shape.pattern}`,
          });
        }
        return raw;
      }
      case 'integer':
      case 'long': {
        if (!/^-?\d{1,15}$/.test(raw)) {
          this.violations.push({ path, value: shown, constraint: 'Member must be an integer' });
          return undefined;
        }
        const n = Number(raw);
        if (shape.min !== undefined && n < shape.min) {
          this.violations.push({
            path,
            value: shown,
            constraint: `Member must have value greater than or equal to ${shape.min}`,
          });
        }
        if (shape.max !== undefined && n > shape.max) {
          this.violations.push({
            path,
            value: shown,
            constraint: `Member must have value less than or equal to ${shape.max}`,
          });
        }
        return n;
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') {
          this.violations.push({ path, value: shown, constraint: 'Member must be a boolean (true or false)' });
          return undefined;
        }
        return raw === 'true';
      case 'timestamp': {
        const t = Date.parse(raw);
        if (Number.isNaN(t)) {
          this.violations.push({ path, value: shown, constraint: 'Member must be an ISO 8601 timestamp' });
          return undefined;
        }
        return new Date(t);
      }
      case 'blob':
        return Buffer.from(raw, 'base64');
      default:
        return raw;
    }
  }

  private checkLength(shape: Shape, length: number, value: unknown, path: string): void {
    if (shape.min !== undefined && length < shape.min) {
      this.violations.push({
        path,
        value,
        constraint: `Member must have length greater than or equal to ${shape.min}`,
      });
    }
    if (shape.max !== undefined && length > shape.max) {
      this.violations.push({ path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
    }
  }

  private hasPrefix(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }
}

function describe(v: Violation): string {
  // A list of structures is not quoted (AWS leaves list values out: "Value at 'clientIDList' failed to satisfy ...").
  if (Array.isArray(v.value) && v.value.some((m) => typeof m === 'object' && m !== null))
    return describeWithoutValue(v);
  const shown = Array.isArray(v.value)
    ? `[${v.value.join(', ')}]`
    : typeof v.value === 'object'
      ? JSON.stringify(v.value)
      : String(v.value);
  return `Value ${v.value === null ? 'null' : `'${echoed(shown)}'`} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

/** The same without the value, which may be a secret (a mistyped TokenCode, a WebIdentityToken too long). */
const describeWithoutValue = (v: Violation) => `Value at '${v.path}' failed to satisfy constraint: ${v.constraint}`;

/**
 * Violations a message lists (the count says how many there were): a request made of a thousand bad values gets a
 * bounded answer. UNCONFIRMED whether AWS lists them all.
 */
const MAX_LISTED = 100;

function describeAll(violations: Violation[], describeOne: (v: Violation) => string): string {
  const listed = violations.length <= MAX_LISTED ? violations : violations.slice(0, MAX_LISTED);
  const rest = violations.length - listed.length;
  return listed.map(describeOne).join('; ') + (rest > 0 ? `; and ${rest} more` : '');
}

/**
 * Reads an operation's input from the request parameters, checking every constraint of the model. Throws
 * ValidationError listing all violations the way AWS words them.
 */
export function readInput(
  model: ServiceModel,
  inputShape: string | undefined,
  params: Params,
): Record<string, unknown> {
  if (!inputShape) return {};
  const reader = new Reader(model, params);
  const input = reader.structure(model.shapes[inputShape]!, '', '');
  const v = reader.violations;
  if (v.length) {
    const head = v.length === 1 ? '1 validation error detected: ' : `${v.length} validation errors detected: `;
    const error = errors.validation(head + describeAll(v, describe));
    error.auditMessage = head + describeAll(v, describeWithoutValue);
    throw error;
  }
  return input;
}
