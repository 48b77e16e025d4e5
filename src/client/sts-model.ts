/**
 * The client's view of the STS model (models/sts.json, the botocore service model): input members are
 * serialized as Query-protocol form parameters in model order, and `<Op>Result` elements are read back into
 * plain objects whose keys follow the model's member order (what `aws sts ... --output json` prints).
 * 16 KB of JSON, read once, lazily: cheaper than a generated table and it cannot drift.
 */
import { readFileSync } from 'node:fs';
import type { XmlElement } from './xml-parser.js';

export interface ShapeRef {
  readonly shape: string;
  readonly locationName?: string;
}
export interface Shape {
  readonly type:
    | 'structure'
    | 'list'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'blob'
    | 'map'
    | 'double'
    | 'float';
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly min?: number;
  readonly max?: number;
  readonly sensitive?: boolean;
}
export interface OperationModel {
  readonly name: string;
  readonly input?: { readonly shape: string };
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  /** `none` for the unsigned operations (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  readonly authtype?: string;
}
export interface StsModel {
  readonly metadata: { readonly apiVersion: string; readonly xmlNamespace: string };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

let cached: StsModel | undefined;

export function stsModel(): StsModel {
  cached ??= JSON.parse(readFileSync(new URL('../../../models/sts.json', import.meta.url), 'utf8')) as StsModel;
  return cached;
}

export function operationModel(name: string): OperationModel {
  const op = stsModel().operations[name];
  if (!op) throw new Error(`Unknown STS operation ${name}`);
  return op;
}

export function shapeOf(ref: ShapeRef | string): Shape {
  const name = typeof ref === 'string' ? ref : ref.shape;
  const shape = stsModel().shapes[name];
  if (!shape) throw new Error(`Unknown shape ${name}`);
  return shape;
}

export type ParamValue =
  | string
  | number
  | boolean
  | Date
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue | undefined };
export type Params = Readonly<Record<string, ParamValue | undefined>>;

/** Thrown for input that does not fit the model's shapes (wrong types, unknown or missing members). */
export class ParamValidationError extends Error {
  override name = 'ParamValidationError';
}

/**
 * The form parameters of an operation call, Action and Version first, then members in model order
 * (botocore's order). Lists are `Name.member.N`, an empty list is the bare `Name=`.
 */
export function serializeInput(operation: string, params: Params): Array<[string, string]> {
  const op = operationModel(operation);
  const out: Array<[string, string]> = [
    ['Action', operation],
    ['Version', stsModel().metadata.apiVersion],
  ];
  if (op.input) serializeStructure(shapeOf(op.input.shape), params, '', out, operation);
  return out;
}

function serializeStructure(
  shape: Shape,
  value: Params,
  prefix: string,
  out: Array<[string, string]>,
  where: string,
): void {
  const members = shape.members ?? {};
  for (const key of Object.keys(value)) {
    if (!(key in members) && value[key] !== undefined)
      throw new ParamValidationError(
        `Unknown parameter in ${where}: "${key}", must be one of: ${Object.keys(members).join(', ')}`,
      );
  }
  for (const name of shape.required ?? []) {
    if (value[name] === undefined) throw new ParamValidationError(`Missing required parameter in ${where}: "${name}"`);
  }
  for (const [name, ref] of Object.entries(members)) {
    const v = value[name];
    if (v !== undefined) serializeValue(ref, v, prefix + name, out, where === '' ? name : `${where}.${name}`);
  }
}

function serializeValue(
  ref: ShapeRef,
  value: ParamValue,
  key: string,
  out: Array<[string, string]>,
  where: string,
): void {
  const shape = shapeOf(ref);
  switch (shape.type) {
    case 'structure':
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
        throw new ParamValidationError(`Invalid type for parameter ${where}: expected a structure`);
      }
      serializeStructure(shape, value as Params, key + '.', out, where);
      return;
    case 'list': {
      if (!Array.isArray(value)) throw new ParamValidationError(`Invalid type for parameter ${where}: expected a list`);
      if (value.length === 0) out.push([key, '']);
      value.forEach((item: ParamValue, i: number) =>
        serializeValue(shape.member!, item, `${key}.member.${i + 1}`, out, `${where}[${i}]`),
      );
      return;
    }
    case 'integer':
    case 'long': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n))
        throw new ParamValidationError(
          `Invalid type for parameter ${where}, value: ${String(value)}: expected an integer`,
        );
      out.push([key, String(n)]);
      return;
    }
    case 'boolean':
      out.push([key, String(value === true || value === 'true')]);
      return;
    case 'timestamp':
      out.push([key, value instanceof Date ? value.toISOString() : String(value)]);
      return;
    default:
      if (typeof value === 'object')
        throw new ParamValidationError(`Invalid type for parameter ${where}: expected a string`);
      out.push([key, String(value)]);
  }
}

/** application/x-www-form-urlencoded, spaces as `+` like botocore. */
export function formEncode(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&');
}

export type OutputValue = string | number | boolean | OutputValue[] | { [key: string]: OutputValue };
export type OutputStructure = { [key: string]: OutputValue };

/** Reads a result element into an object with the model's member order; timestamps stay as the wire string. */
export function parseStructure(shapeName: string, element: XmlElement | undefined): OutputStructure {
  const shape = shapeOf(shapeName);
  const out: OutputStructure = {};
  if (!element) return out;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const found = element.children.find((c) => c.name === (ref.locationName ?? name));
    if (found) out[name] = parseValue(ref, found);
  }
  return out;
}

function parseValue(ref: ShapeRef, element: XmlElement): OutputValue {
  const shape = shapeOf(ref);
  switch (shape.type) {
    case 'structure':
      return parseStructure(ref.shape, element);
    case 'list': {
      const itemName = shape.member!.locationName ?? 'member';
      return element.children.filter((c) => c.name === itemName).map((c) => parseValue(shape.member!, c));
    }
    case 'integer':
    case 'long': {
      const n = Number(element.text.trim());
      return Number.isFinite(n) ? n : element.text;
    }
    case 'boolean':
      return element.text.trim() === 'true';
    case 'timestamp':
      return element.text.trim();
    default:
      return element.text;
  }
}
