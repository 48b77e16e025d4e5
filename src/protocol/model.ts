/**
 * The botocore service models (models/*.json, copied by scripts/extract-models.py) drive the wire format:
 * operations, input validation with AWS's ValidationError messages, and the XML of every result. No operation
 * parses parameters or writes XML itself.
 */
import { readFileSync } from 'node:fs';

export type ServiceName = 'sts' | 'iam';

export interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'blob'
    | 'double'
    | 'float';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  flattened?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
}

export interface MemberRef {
  shape: string;
  locationName?: string;
}

export interface OperationModel {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  authtype?: string;
}

export interface ServiceModel {
  name: ServiceName;
  metadata: { apiVersion: string; xmlNamespace: string; endpointPrefix: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
  /** Compiled `pattern`s, by shape name. */
  patterns: Map<string, RegExp>;
}

const modelsDir = new URL('../../../models/', import.meta.url);

/**
 * A model pattern (Java syntax) as a JavaScript expression matching the whole value, in `u` mode so that it tests code
 * points: `\w` and `\d` stay ASCII as in Java, and a character outside a class (`Œ`, a lone surrogate) is refused
 * rather than read as the code units around it. Java accepts escaped punctuation that `u` mode refuses (`\:`):
 * those are unescaped.
 */
export function compilePattern(pattern: string): RegExp {
  const source = pattern.replace(/\\([^A-Za-z0-9])/g, (escape, c: string) =>
    '^$\\.*+?()[]{}|/-'.includes(c) ? escape : c,
  );
  return new RegExp(`^(?:${source})$`, 'u');
}

function load(name: ServiceName): ServiceModel {
  const raw = JSON.parse(readFileSync(new URL(`${name}.json`, modelsDir), 'utf8'));
  const patterns = new Map<string, RegExp>();
  for (const [shapeName, shape] of Object.entries<Shape>(raw.shapes)) {
    if (shape.pattern) patterns.set(shapeName, compilePattern(shape.pattern));
  }
  return { name, ...raw, patterns };
}

/** A structure member as reading requests and writing responses need it, worked out once per shape. */
export interface Member {
  name: string;
  ref: MemberRef;
  /** The name on the wire: the parameter name (before any prefix), the XML element name. */
  wireName: string;
  /** The name in a violation's path (lower camel case). */
  pathName: string;
  required: boolean;
}

const membersOf = new WeakMap<Shape, Member[]>();
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export function members(shape: Shape): Member[] {
  let list = membersOf.get(shape);
  if (!list) {
    const required = shape.required ?? [];
    list = Object.entries(shape.members ?? {}).map(([name, ref]) => ({
      name,
      ref,
      wireName: ref.locationName ?? name,
      pathName: lowerFirst(name),
      required: required.includes(name),
    }));
    membersOf.set(shape, list);
  }
  return list;
}

let cache: Record<ServiceName, ServiceModel> | undefined;

/** Both models, loaded once. */
export function models(): Record<ServiceName, ServiceModel> {
  cache ??= { sts: load('sts'), iam: load('iam') };
  return cache;
}

/** The service whose API version this is, if any. */
export function serviceForVersion(version: string | undefined): ServiceName | undefined {
  const m = models();
  if (version === m.sts.metadata.apiVersion) return 'sts';
  if (version === m.iam.metadata.apiVersion) return 'iam';
  return undefined;
}
