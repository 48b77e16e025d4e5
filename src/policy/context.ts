/**
 * The request context: condition keys and their values, as the server collected them for one request.
 *
 * Keys are case-insensitive (IAM: "condition key names are not case-sensitive"), including the tag-key part
 * of `aws:PrincipalTag/<key>`, `aws:RequestTag/<key>` and `aws:ResourceTag/<key>`: the whole key is folded.
 *
 * Values:
 * - `string`, `number`, `boolean` or `Date`, or an array of those for a multi-valued key
 *   (`aws:TagKeys`, `sts:TransitiveTagKeys`, an OIDC `amr` claim...);
 * - `null`, `undefined` and `[]` mean the key is absent (the Null operator reports it null; `...IfExists`
 *   treats it as missing).
 * - Numbers used as dates are epoch SECONDS (like `aws:EpochTime`); strings used as dates are ISO 8601 or
 *   epoch seconds; `Date` objects are instants.
 * - Booleans compare with the policy's `"true"` / `"false"` (case-insensitive); strings `"true"`/`"false"` do too.
 *
 * Pass a `RequestContext` on hot paths: it folds the keys once and caches the typed views (numbers, dates,
 * addresses) that condition operators ask for. A plain object or Map is accepted too and folded lazily, at
 * most once per evaluation, and only if some statement actually needs a condition key or a policy variable.
 */
import { parseDate } from './dates.js';
import { type IpAddress, parseIp } from './addresses.js';

export type ContextScalar = string | number | boolean | Date;
export type ContextValue = ContextScalar | readonly ContextScalar[] | null | undefined;
export type ContextInit = ReadonlyMap<string, ContextValue> | Readonly<Record<string, ContextValue>>;
export type ConditionContext = RequestContext | ContextInit;

/** The keys the server is expected to provide, with the value types this engine expects for them. */
export const ContextKeys = {
  /** string: for an assumed-role session, the ROLE's ARN (as AWS does), not the session ARN. */
  PrincipalArn: 'aws:PrincipalArn',
  /** string: 12-digit account id. */
  PrincipalAccount: 'aws:PrincipalAccount',
  /** string: 'Account' | 'User' | 'FederatedUser' | 'AssumedRole' | 'Anonymous'. */
  PrincipalType: 'aws:PrincipalType',
  /** string: unique id (`AIDA...` for users, `AROA...:session` for role sessions, account id for root). */
  UserId: 'aws:userid',
  /** string: IAM user name; absent for role sessions. */
  Username: 'aws:username',
  /** boolean: true when the session was created with MFA; ABSENT for long-term access keys. */
  MultiFactorAuthPresent: 'aws:MultiFactorAuthPresent',
  /** number: seconds since MFA authentication; absent when no MFA. */
  MultiFactorAuthAge: 'aws:MultiFactorAuthAge',
  /** Date (or ISO string): when the temporary credentials were issued; absent for long-term keys. */
  TokenIssueTime: 'aws:TokenIssueTime',
  /** Date: the request time (the server's clock; the engine never reads a clock). */
  CurrentTime: 'aws:CurrentTime',
  /** number: the request time in epoch seconds. */
  EpochTime: 'aws:EpochTime',
  /** string: caller's IP address (IPv4, IPv6, or IPv4-mapped IPv6 which is matched as IPv4). */
  SourceIp: 'aws:SourceIp',
  /** boolean: request came over TLS. */
  SecureTransport: 'aws:SecureTransport',
  /** string (prefix; append the tag key): the caller's principal tags, session tags included. */
  PrincipalTagPrefix: 'aws:PrincipalTag/',
  /** string (prefix; append the tag key): tags passed in the request. */
  RequestTagPrefix: 'aws:RequestTag/',
  /** string (prefix; append the tag key): tags on the resource (e.g. the role being assumed). */
  ResourceTagPrefix: 'aws:ResourceTag/',
  /** string[]: keys of the tags passed in the request. */
  TagKeys: 'aws:TagKeys',
  /** string: AssumeRole's ExternalId parameter; absent when not passed. */
  ExternalId: 'sts:ExternalId',
  /** string: the RoleSessionName parameter. */
  RoleSessionName: 'sts:RoleSessionName',
  /** string: the SourceIdentity parameter (or the one carried over from the calling session). */
  SourceIdentity: 'sts:SourceIdentity',
  /** string[]: TransitiveTagKeys parameter. */
  TransitiveTagKeys: 'sts:TransitiveTagKeys',
} as const;

/** One key's values, with typed views computed on first use. */
export class ContextEntry {
  readonly values: readonly ContextScalar[];
  private _strings?: string[];
  private _lower?: string[];
  private _numbers?: number[];
  private _dates?: number[];
  private _ips?: Array<IpAddress | null>;
  private _binaries?: string[];

  constructor(values: readonly ContextScalar[]) {
    this.values = values;
  }

  /** The value as a policy variable substitutes it: only a single-valued key has one. */
  single(): string | undefined {
    return this.values.length === 1 ? this.strings()[0] : undefined;
  }

  strings(): string[] {
    return (this._strings ??= this.values.map(scalarToString));
  }

  lowerStrings(): string[] {
    return (this._lower ??= this.strings().map((s) => s.toLowerCase()));
  }

  /** NaN for a value that is not a number. */
  numbers(): number[] {
    return (this._numbers ??= this.values.map(scalarToNumber));
  }

  /** Milliseconds since the epoch; NaN for a value that is not a date. */
  dates(): number[] {
    return (this._dates ??= this.values.map(scalarToDate));
  }

  ips(): Array<IpAddress | null> {
    return (this._ips ??= this.values.map((v) => (typeof v === 'string' ? parseIp(v) : null)));
  }

  /** Canonical base64 (decoded and re-encoded), so that padding and whitespace do not matter. */
  binaries(): string[] {
    return (this._binaries ??= this.strings().map(canonicalBase64));
  }
}

export function scalarToString(v: ContextScalar): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().replace('.000Z', 'Z');
  return String(v);
}

// One way to read each digit (`\d+\.?\d*` split a run of digits every possible way: quadratic on a long number).
const NUMBER_TEXT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
export function parseNumber(s: string): number {
  return NUMBER_TEXT.test(s) ? Number(s) : Number.NaN;
}

function scalarToNumber(v: ContextScalar): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseNumber(v);
  return Number.NaN;
}

function scalarToDate(v: ContextScalar): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string') return parseDate(v);
  return Number.NaN;
}

export function canonicalBase64(s: string): string {
  return Buffer.from(s, 'base64').toString('base64');
}

function normaliseValue(value: ContextValue): ContextScalar[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const out: ContextScalar[] = [];
    for (const v of value as readonly ContextScalar[]) if (v !== null && v !== undefined) out.push(v);
    return out.length > 0 ? out : undefined;
  }
  return [value as ContextScalar];
}

/**
 * Folded keys, memoised: servers pass the same few dozen key names (string constants) with every request,
 * so folding is a Map hit rather than a fresh lower-cased string each time.
 */
const FOLDED = new Map<string, string>();
const FOLDED_LIMIT = 4096;
export function foldKey(key: string): string {
  let folded = FOLDED.get(key);
  if (folded === undefined) {
    folded = key.toLowerCase();
    if (FOLDED.size >= FOLDED_LIMIT) FOLDED.clear();
    FOLDED.set(key, folded);
  }
  return folded;
}

/** A request context with folded keys. Immutable once built. */
export class RequestContext {
  /**
   * Folded key -> the value as given, replaced by its ContextEntry (with cached typed views) on first lookup,
   * or by null when the value means "absent".
   */
  private readonly map = new Map<string, ContextValue | ContextEntry>();

  constructor(init?: ContextInit) {
    if (init) this.addAll(init);
  }

  /** Accepts any supported form; a RequestContext is returned as is. */
  static from(ctx: ConditionContext | undefined): RequestContext {
    if (ctx instanceof RequestContext) return ctx;
    return new RequestContext(ctx);
  }

  /** A new context with these keys added (or replaced). */
  with(extra: ContextInit): RequestContext {
    const next = new RequestContext();
    for (const [k, v] of this.map) next.map.set(k, v);
    next.addAll(extra);
    return next;
  }

  /** The entry for a key (any case), or undefined when the key is absent, null or an empty list. */
  get(key: string): ContextEntry | undefined {
    return this.getFolded(foldKey(key));
  }

  /** Like get(), for a key that is already lower-cased (compiled policies fold their keys at parse time). */
  getFolded(foldedKey: string): ContextEntry | undefined {
    const v = this.map.get(foldedKey);
    if (v instanceof ContextEntry) return v;
    if (v === null || v === undefined) return undefined;
    const values = normaliseValue(v);
    if (values === undefined) {
      this.map.set(foldedKey, null);
      return undefined;
    }
    const entry = new ContextEntry(values);
    this.map.set(foldedKey, entry);
    return entry;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The folded keys that have a value. */
  keys(): string[] {
    return [...this.map.keys()].filter((k) => this.getFolded(k) !== undefined);
  }

  private addAll(init: ContextInit): void {
    const map = this.map;
    if (init instanceof Map) {
      for (const [k, v] of init as ReadonlyMap<string, ContextValue>) map.set(foldKey(k), v);
    } else {
      const record = init as Readonly<Record<string, ContextValue>>;
      for (const k in record) if (Object.prototype.hasOwnProperty.call(record, k)) map.set(foldKey(k), record[k]);
    }
  }
}
