/**
 * Server side of SigV4, in three steps so the server can reject stale requests and look the access key up
 * before it holds any secret: parseAuthentication → checkFreshness → (key lookup) → verifySignature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { echoed } from '../protocol/echoed.js';
import {
  ALGORITHM,
  TERMINATOR,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  decodeQueryComponent,
  formatAmzDate,
  normalizeQueryComponent,
  sha256Hex,
  signingKey,
  splitTarget,
  stringToSign,
} from './canonical.js';
import { IncompleteSignature, MalformedAccessKeyId, RequestExpired, SignatureDoesNotMatch } from './errors.js';
import type { HttpRequestLike } from './types.js';

export interface SignedRequestInfo {
  form: 'header' | 'query';
  accessKeyId: string;
  scope: { date: string /*YYYYMMDD*/; region: string; service: string; terminator: string };
  amzDate: string; // the raw X-Amz-Date (or Date header) value
  requestTime: number; // ms since epoch parsed from it
  signedHeaders: string[]; // lowercase, as listed
  signature: string; // lowercase hex as received
  securityToken?: string; // X-Amz-Security-Token header or query parameter
  expiresSeconds?: number; // presigned X-Amz-Expires
}

export interface VerifyOptions {
  /** Remove dot segments and empty segments from the path before signing (every service but S3). Default true. */
  normalizePath?: boolean;
}

const SKEW_MS = 15 * 60 * 1000;
const MAX_EXPIRES_SECONDS = 604800;

const incomplete = (message: string) => new IncompleteSignature(message);

/** ASCII letters, digits and `_` (no `u` or `i` flag: `\w` is exactly those), at most the model's 128. */
const KEY_ID_SYNTAX = /^\w{1,128}$/;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isName(name: string, lower: string): boolean {
  return name === lower || name.toLowerCase() === lower;
}

/** Digits at s[i, i+len) as a number, or -1. */
function digits(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = i; k < i + len; k++) {
    const c = s.charCodeAt(k) - 0x30;
    if (!(c >= 0 && c <= 9)) return -1; // also NaN past the end
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Builds a UTC time and rejects out-of-range fields (Date.UTC would silently roll 31 Feb over to March). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  // y >= 1000 also keeps Date.UTC from reading a two-digit year as 19xx.
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return NaN;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[mo - 1]! + (leap ? 1 : 0)) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** `YYYYMMDD'T'HHMMSS'Z'` → ms, NaN when malformed. */
function parseAmzDate(v: string): number {
  if (v.length !== 16 || v.charCodeAt(8) !== 0x54 || v.charCodeAt(15) !== 0x5a) return NaN;
  return utc(digits(v, 0, 4), digits(v, 4, 2), digits(v, 6, 2), digits(v, 9, 2), digits(v, 11, 2), digits(v, 13, 2));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 1123 `Sun, 06 Nov 1994 08:49:37 GMT` → ms, NaN when malformed. */
function parseHttpDate(v: string): number {
  if (v.length !== 29 || v.charCodeAt(3) !== 0x2c || !v.endsWith(' GMT')) return NaN;
  if (v[4] !== ' ' || v[7] !== ' ' || v[11] !== ' ' || v[16] !== ' ' || v[19] !== ':' || v[22] !== ':') return NaN;
  const mo = MONTHS.indexOf(v.slice(8, 11)) + 1;
  if (mo === 0) return NaN;
  return utc(digits(v, 12, 4), mo, digits(v, 5, 2), digits(v, 17, 2), digits(v, 20, 2), digits(v, 23, 2));
}

function invalidDate(v: string): IncompleteSignature {
  return incomplete(
    `Date must be in ISO-8601 'basic format'. Got '${echoed(v)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  );
}

function parseCredential(credential: string): { accessKeyId: string; scope: SignedRequestInfo['scope'] } {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[0]!.length === 0) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${echoed(credential)}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  // SigV4 itself puts no syntax on the id (its test suite signs as AKIDEXAMPLE), AWS's ids are word characters: anything
  // else (a `Œ` standing in for an `R`) is refused here, before it reaches a key lookup, a token's associated data or a log.
  // UNCONFIRMED: AWS's answer for such an id; an unknown key's is InvalidClientTokenId.
  if (!KEY_ID_SYNTAX.test(accessKeyId)) throw new MalformedAccessKeyId();
  if (terminator !== TERMINATOR) {
    throw new SignatureDoesNotMatch(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${echoed(terminator)}'.`,
    );
  }
  return { accessKeyId, scope: { date, region, service, terminator } };
}

/** Lowercased SignedHeaders; host must be among them and every one must be present (nothing is ever rebuilt). */
function parseSignedHeaders(list: string, headers: HttpRequestLike['headers']): string[] {
  const names = list.split(';');
  let hasHost = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!.toLowerCase();
    names[i] = name;
    if (name === 'host') hasHost = true;
  }
  if (!hasHost) throw incomplete(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  for (const name of names) {
    let found = false;
    for (let h = 0; h < headers.length && !found; h++) {
      const n = headers[h]![0];
      found = n.length === name.length && isName(n, name);
    }
    if (!found) throw incomplete(`Header '${echoed(name)}' is listed in SignedHeaders but is absent from the request.`);
  }
  return names;
}

interface AuthQueryParams {
  algorithm?: string;
  credential?: string;
  date?: string;
  expires?: string;
  signedHeaders?: string;
  signature?: string;
  token?: string;
}

/** The X-Amz-* auth parameters of a raw query (first occurrence wins), names matched as canonicalisation sees them. */
function authQueryParams(query: string): AuthQueryParams {
  const p: AuthQueryParams = {};
  for (const segment of query.split('&')) {
    const eq = segment.indexOf('=');
    const rawName = eq < 0 ? segment : segment.slice(0, eq);
    if (rawName.length < 10) continue;
    const name = normalizeQueryComponent(rawName);
    if (!name.startsWith('X-Amz-')) continue;
    const value = eq < 0 ? '' : decodeQueryComponent(segment.slice(eq + 1));
    switch (name) {
      case 'X-Amz-Algorithm':
        p.algorithm ??= value;
        break;
      case 'X-Amz-Credential':
        p.credential ??= value;
        break;
      case 'X-Amz-Date':
        p.date ??= value;
        break;
      case 'X-Amz-Expires':
        p.expires ??= value;
        break;
      case 'X-Amz-SignedHeaders':
        p.signedHeaders ??= value;
        break;
      case 'X-Amz-Signature':
        p.signature ??= value;
        break;
      case 'X-Amz-Security-Token':
        p.token ??= value;
        break;
    }
  }
  return p;
}

function parseQueryAuth(req: HttpRequestLike, p: AuthQueryParams, tokenHeader: string | undefined): SignedRequestInfo {
  if (p.algorithm !== ALGORITHM) throw incomplete(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const missing: string[] = [];
  if (p.credential === undefined) missing.push("'X-Amz-Credential'");
  if (p.signature === undefined) missing.push("'X-Amz-Signature'");
  if (p.signedHeaders === undefined) missing.push("'X-Amz-SignedHeaders'");
  if (p.date === undefined) missing.push("'X-Amz-Date'");
  if (missing.length > 0) {
    throw incomplete(
      `AWS query-string parameters must include ${missing.join(', ')}. Re-examine the query-string parameters.`,
    );
  }
  const { accessKeyId, scope } = parseCredential(p.credential!);
  const signedHeaders = parseSignedHeaders(p.signedHeaders!, req.headers);
  const requestTime = parseAmzDate(p.date!);
  if (Number.isNaN(requestTime)) throw invalidDate(p.date!);
  let expiresSeconds: number | undefined;
  if (p.expires !== undefined) {
    const e = p.expires;
    if (e.charCodeAt(0) === 0x2d && e.length > 1 && digits(e, 1, e.length - 1) >= 0)
      throw incomplete('X-Amz-Expires must be non-negative');
    expiresSeconds = e.length > 0 && e.length <= 15 ? digits(e, 0, e.length) : -1;
    if (expiresSeconds < 0) throw incomplete('X-Amz-Expires should be a number');
    if (expiresSeconds > MAX_EXPIRES_SECONDS) {
      throw incomplete(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`);
    }
  }
  const info: SignedRequestInfo = {
    form: 'query',
    accessKeyId,
    scope,
    amzDate: p.date!,
    requestTime,
    signedHeaders,
    signature: p.signature!,
  };
  const token = p.token ?? tokenHeader;
  if (token !== undefined) info.securityToken = token;
  if (expiresSeconds !== undefined) info.expiresSeconds = expiresSeconds;
  return info;
}

function parseHeaderAuth(
  req: HttpRequestLike,
  authorization: string,
  amzDate: string | undefined,
  dateHeader: string | undefined,
  tokenHeader: string | undefined,
): SignedRequestInfo {
  const value = authorization.trim();
  const sp = value.indexOf(' ');
  const algorithm = sp < 0 ? value : value.slice(0, sp);
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported AWS 'algorithm': '${echoed(algorithm)}'`);
  let credential: string | undefined;
  let signedHeaderList: string | undefined;
  let signature: string | undefined;
  // `Key=value` components separated by `,` with optional whitespace, scanned without split/trim copies.
  const n = value.length;
  for (let i = sp < 0 ? n : sp + 1; i < n; ) {
    let end = value.indexOf(',', i);
    if (end < 0) end = n;
    let a = i;
    let b = end;
    while (a < b && isBlank(value.charCodeAt(a))) a++;
    while (b > a && isBlank(value.charCodeAt(b - 1))) b--;
    if (b > a) {
      const eq = value.indexOf('=', a);
      if (eq < 0 || eq >= b) {
        throw incomplete(
          `'${echoed(value.slice(a, b))}' not a valid key=value pair (missing equal-sign) in Authorization header: '${echoed(authorization)}'`,
        );
      }
      let keyEnd = eq;
      while (keyEnd > a && isBlank(value.charCodeAt(keyEnd - 1))) keyEnd--;
      let v = eq + 1;
      while (v < b && isBlank(value.charCodeAt(v))) v++;
      const keyLen = keyEnd - a;
      if (keyLen === 10 && value.startsWith('Credential', a)) credential ??= value.slice(v, b);
      else if (keyLen === 13 && value.startsWith('SignedHeaders', a)) signedHeaderList ??= value.slice(v, b);
      else if (keyLen === 9 && value.startsWith('Signature', a)) signature ??= value.slice(v, b);
    }
    i = end + 1;
  }
  let missing = '';
  if (credential === undefined) missing += "Authorization header requires 'Credential' parameter. ";
  if (signature === undefined) missing += "Authorization header requires 'Signature' parameter. ";
  if (signedHeaderList === undefined) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amzDate === undefined && dateHeader === undefined) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (missing.length > 0) throw incomplete(missing.trimEnd());
  const { accessKeyId, scope } = parseCredential(credential!);
  const signedHeaders = parseSignedHeaders(signedHeaderList!, req.headers);
  // X-Amz-Date wins over Date when both are present.
  const rawDate = (amzDate ?? dateHeader)!.trim();
  const requestTime = amzDate !== undefined ? parseAmzDate(rawDate) : parseHttpDate(rawDate);
  if (Number.isNaN(requestTime)) {
    throw amzDate !== undefined
      ? invalidDate(rawDate)
      : incomplete(
          `Date header must be in RFC 1123 format, e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'. Got '${echoed(rawDate)}'.`,
        );
  }
  const info: SignedRequestInfo = {
    form: 'header',
    accessKeyId,
    scope,
    amzDate: rawDate,
    requestTime,
    signedHeaders,
    signature: signature!,
  };
  if (tokenHeader !== undefined) info.securityToken = tokenHeader;
  return info;
}

/** undefined when the request carries no SigV4 authentication at all (neither an Authorization header nor X-Amz-Algorithm in the query). */
export function parseAuthentication(req: HttpRequestLike): SignedRequestInfo | undefined {
  let authorization: string | undefined;
  let amzDate: string | undefined;
  let dateHeader: string | undefined;
  let token: string | undefined;
  const headers = req.headers;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    // Switch on length first so most headers are never lowercased.
    switch (name.length) {
      case 13:
        if (authorization === undefined && isName(name, 'authorization')) authorization = value;
        break;
      case 10:
        if (amzDate === undefined && isName(name, 'x-amz-date')) amzDate = value;
        break;
      case 4:
        if (dateHeader === undefined && isName(name, 'date')) dateHeader = value;
        break;
      case 20:
        if (token === undefined && isName(name, 'x-amz-security-token')) token = value;
        break;
    }
  }
  const { query } = splitTarget(req.url);
  if (query.length > 0) {
    const params = authQueryParams(query);
    if (params.algorithm !== undefined) {
      if (authorization !== undefined) {
        throw incomplete(
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        );
      }
      return parseQueryAuth(req, params, token);
    }
  }
  if (authorization === undefined) return undefined;
  return parseHeaderAuth(req, authorization, amzDate, dateHeader, token);
}

/** The request time as it appears in the string to sign (the Date header form is converted). */
function signingDate(info: SignedRequestInfo): string {
  return info.amzDate.length === 16 && info.amzDate.charCodeAt(8) === 0x54
    ? info.amzDate
    : formatAmzDate(info.requestTime);
}

function windowText(ms: number): string {
  return ms % 60000 === 0 ? `${ms / 60000} min.` : `${ms / 1000} sec.`;
}

/** Throws RequestExpired when the request is too old / too new, SignatureDoesNotMatch when its scope date differs from its date. */
export function checkFreshness(info: SignedRequestInfo, nowMs: number): void {
  // Whole seconds, so the times in the message are exactly the ones compared.
  const now = Math.floor(nowMs / 1000) * 1000;
  const date = signingDate(info);
  // A presigned URL lives 15 minutes, or less when X-Amz-Expires says so.
  let window = SKEW_MS;
  if (info.form === 'query' && info.expiresSeconds !== undefined && info.expiresSeconds * 1000 < window) {
    window = info.expiresSeconds * 1000;
  }
  if (info.requestTime < now - window) {
    throw new RequestExpired(
      `Signature expired: ${date} is now earlier than ${formatAmzDate(now - window)} (${formatAmzDate(now)} - ${windowText(window)})`,
      'expired',
    );
  }
  if (info.requestTime > now + SKEW_MS) {
    throw new RequestExpired(
      `Signature not yet current: ${date} is still later than ${formatAmzDate(now + SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
      'not-yet-current',
    );
  }
  if (info.scope.date !== date.slice(0, 8)) {
    throw new SignatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${echoed(info.scope.date)}' != '${date.slice(0, 8)}', from '${date}'.`,
    );
  }
}

function buildCanonicalRequest(
  req: HttpRequestLike,
  info: SignedRequestInfo,
  options?: VerifyOptions,
): string | undefined {
  const headersBlock = canonicalHeaders(req.headers, info.signedHeaders);
  if (headersBlock === undefined) return undefined;
  const { path, query } = splitTarget(req.url);
  return canonicalRequest(
    req.method,
    canonicalUri(path, options?.normalizePath ?? true),
    canonicalQueryString(query, info.form === 'query'),
    headersBlock,
    info.signedHeaders.join(';'),
    // Always the hash of the bytes received: a client-supplied x-amz-content-sha256 is never trusted.
    sha256Hex(req.body),
  );
}

/** The canonical request the server computes for this request (exported for tests and debugging). */
export function canonicalRequestFor(req: HttpRequestLike, info: SignedRequestInfo, options?: VerifyOptions): string {
  const text = buildCanonicalRequest(req, info, options);
  if (text === undefined) throw incomplete('A header listed in SignedHeaders is absent from the request.');
  return text;
}

function scopeOf(info: SignedRequestInfo): string {
  const s = info.scope;
  return s.date + '/' + s.region + '/' + s.service + '/' + s.terminator;
}

/** The string to sign the server computes for this request (exported for tests and debugging). */
export function stringToSignFor(req: HttpRequestLike, info: SignedRequestInfo, options?: VerifyOptions): string {
  return stringToSign(signingDate(info), scopeOf(info), canonicalRequestFor(req, info, options));
}

/** Recomputes the signature with the secret and compares in constant time. */
export function verifySignature(
  req: HttpRequestLike,
  info: SignedRequestInfo,
  secretAccessKey: string,
  options?: VerifyOptions,
): boolean {
  const creq = buildCanonicalRequest(req, info, options);
  if (creq === undefined) return false;
  const key = signingKey(secretAccessKey, info.scope.date, info.scope.region, info.scope.service);
  const expected = createHmac('sha256', key)
    .update(stringToSign(signingDate(info), scopeOf(info), creq))
    .digest();
  // A signature that is not 64 hex digits is simply wrong; decoding it keeps the comparison on equal-length buffers.
  const sig = info.signature;
  if (sig.length !== 64) return false;
  const received = Buffer.from(sig, 'hex');
  return received.length === 32 && timingSafeEqual(expected, received);
}
