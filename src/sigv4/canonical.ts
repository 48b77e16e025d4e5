/**
 * SigV4 canonicalisation, shared by the client signer and the server verifier so the two can never drift.
 * Hand-written loops instead of regexes: this runs on every authenticated request.
 */
import * as crypto from 'node:crypto';

const { createHash, createHmac } = crypto;

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// RFC 3986 unreserved characters, the only ones SigV4 leaves unescaped.
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  UNRESERVED[c] = alnum || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e ? 1 : 0;
}
const PCT: string[] = [];
for (let b = 0; b < 256; b++) PCT.push('%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase());

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isSurrogatePair(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** Percent-encoded UTF-8 of the non-ASCII code point at s[i] (a lone surrogate becomes U+FFFD, as Buffer.from does). */
function escapeNonAscii(s: string, i: number): string {
  const c = s.charCodeAt(i);
  if (c < 0x800) return PCT[0xc0 | (c >> 6)]! + PCT[0x80 | (c & 0x3f)]!;
  if (isSurrogatePair(s, i)) {
    const cp = ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00) + 0x10000;
    return (
      PCT[0xf0 | (cp >> 18)]! +
      PCT[0x80 | ((cp >> 12) & 0x3f)]! +
      PCT[0x80 | ((cp >> 6) & 0x3f)]! +
      PCT[0x80 | (cp & 0x3f)]!
    );
  }
  if (c >= 0xd800 && c <= 0xdfff) return '%EF%BF%BD';
  return PCT[0xe0 | (c >> 12)]! + PCT[0x80 | ((c >> 6) & 0x3f)]! + PCT[0x80 | (c & 0x3f)]!;
}

/** SigV4 URI encoding: RFC 3986 unreserved kept, everything else as uppercase %XX of its UTF-8 bytes. */
export function uriEncode(s: string, keepSlash = false): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (UNRESERVED[c] === 0 && !(keepSlash && c === 0x2f))) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      out += UNRESERVED[c] === 1 || (keepSlash && c === 0x2f) ? s[i] : PCT[c];
      i++;
    } else {
      out += escapeNonAscii(s, i);
      i += isSurrogatePair(s, i) ? 2 : 1;
    }
  }
  return out;
}

/**
 * A query name or value as received, decoded then re-encoded, byte by byte so that invalid UTF-8 or a stray
 * `%` cannot throw. `+` is decoded as a space (form semantics, as URLSearchParams and the STS Query API read
 * it), so `b+c` and `b%20c` sign alike and `b%2Bc` differently: what is signed is what a form parser sees.
 */
export function normalizeQueryComponent(s: string): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] === 0) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < n && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      const b = hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2));
      out += b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : PCT[b];
      i += 3;
    } else if (c < 128) {
      out += UNRESERVED[c] === 1 ? s[i] : c === 0x2b ? '%20' : PCT[c];
      i++;
    } else {
      out += escapeNonAscii(s, i);
      i += isSurrogatePair(s, i) ? 2 : 1;
    }
  }
  return out;
}

/** Decodes a query component to text exactly as canonicalisation reads it (`+` is a space); never throws. */
export function decodeQueryComponent(s: string): string {
  const t = s.indexOf('+') < 0 ? s : s.replaceAll('+', ' ');
  if (t.indexOf('%') < 0) return t;
  try {
    return decodeURIComponent(t);
  } catch {
    // Invalid escapes or UTF-8: decode what is valid, keep the rest literally.
    return t.replace(/%[0-9A-Fa-f]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  }
}

/**
 * Removes empty and dot segments the way the AWS SDKs (smithy, botocore) do for non-S3 services,
 * keeping a trailing slash; `/a/..` gives `/`.
 */
export function normalizePath(path: string): string {
  if (path.charCodeAt(0) === 0x2f && path.indexOf('//') < 0 && path.indexOf('/.') < 0) return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const lead = path.charCodeAt(0) === 0x2f ? '/' : '';
  const trail = segments.length > 0 && path.charCodeAt(path.length - 1) === 0x2f ? '/' : '';
  return lead + segments.join('/') + trail;
}

/**
 * Canonical URI: the path exactly as sent (still percent-encoded) is encoded once more, which is the
 * "double encoding" every non-S3 service uses (`%20` on the wire signs as `%2520`; a raw space as `%20`).
 */
export function canonicalUri(path: string, normalize: boolean): string {
  if (path === '/') return '/';
  const p = normalize ? normalizePath(path) : path;
  return p.length === 0 ? '/' : uriEncode(p, true);
}

function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/**
 * Canonical query string from the raw query (without `?`): each name/value re-encoded, sorted by encoded
 * name then value, `name=` when there is no value. One linear pass: the query is attacker-controlled.
 */
export function canonicalQueryString(query: string, dropSignature: boolean): string {
  const n = query.length;
  if (n === 0) return '';
  const pairs: Array<readonly [string, string]> = [];
  let start = 0;
  let eq = -1;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? query.charCodeAt(i) : 0x26;
    if (c === 0x3d && eq < 0) eq = i;
    else if (c === 0x26) {
      if (i > start) {
        const name = normalizeQueryComponent(eq < 0 ? query.slice(start, i) : query.slice(start, eq));
        const value = eq < 0 ? '' : normalizeQueryComponent(query.slice(eq + 1, i));
        if (!(dropSignature && name === 'X-Amz-Signature')) pairs.push([name, value]);
      }
      start = i + 1;
      eq = -1;
    }
  }
  if (pairs.length > 1) pairs.sort(comparePairs);
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += (i === 0 ? '' : '&') + pairs[i]![0] + '=' + pairs[i]![1];
  return out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Trims a header value and collapses each inner run of SP/HTAB/CR/LF (e.g. obsolete line folding) to one space. */
export function canonicalHeaderValue(v: string): string {
  const n = v.length;
  let clean = n === 0 || (!isSpace(v.charCodeAt(0)) && !isSpace(v.charCodeAt(n - 1)));
  for (let i = 0; clean && i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c === 0x20 && v.charCodeAt(i + 1) === 0x20)) clean = false;
  }
  if (clean) return v;
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (isSpace(c)) {
      pendingSpace = out.length > 0;
    } else {
      if (pendingSpace) out += ' ';
      pendingSpace = false;
      out += v[i];
    }
  }
  return out;
}

/**
 * `name:value\n` for each signed (lowercase) name in the order given, from the headers as received;
 * repeated headers are joined with `,` in arrival order. undefined when a named header is absent.
 */
export function canonicalHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
  signedHeaders: readonly string[],
): string | undefined {
  let out = '';
  for (let s = 0; s < signedHeaders.length; s++) {
    const name = signedHeaders[s]!;
    let value: string | undefined;
    for (let h = 0; h < headers.length; h++) {
      const pair = headers[h]!;
      const n = pair[0];
      if (n.length === name.length && (n === name || n.toLowerCase() === name)) {
        const v = canonicalHeaderValue(pair[1]);
        value = value === undefined ? v : value + ',' + v;
      }
    }
    if (value === undefined) return undefined;
    out += name + ':' + value + '\n';
  }
  return out;
}

export function canonicalRequest(
  method: string,
  uri: string,
  query: string,
  headersBlock: string,
  signedHeadersLine: string,
  payloadHash: string,
): string {
  return method + '\n' + uri + '\n' + query + '\n' + headersBlock + '\n' + signedHeadersLine + '\n' + payloadHash;
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object and is about twice as fast for small inputs.
const oneShotHash = (crypto as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', data, 'hex')
    : createHash('sha256').update(data).digest('hex');
}

export function credentialScope(date: string, region: string, service: string): string {
  return date + '/' + region + '/' + service + '/' + TERMINATOR;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + sha256Hex(canonicalRequestText);
}

// The derived key depends only on (secret, date, region, service): cache it, bounded so that a flood of
// distinct scopes cannot grow memory without limit.
const KEY_CACHE_LIMIT = 10_000;
const keyCache = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). Do not mutate the result. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  // Length-prefixed so that no two distinct tuples share a cache entry, whatever characters they contain.
  const id =
    secretAccessKey.length + ':' + secretAccessKey + date.length + ':' + date + region.length + ':' + region + service;
  let key = keyCache.get(id);
  if (key === undefined) {
    const kDate = createHmac('sha256', 'AWS4' + secretAccessKey)
      .update(date)
      .digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    key = createHmac('sha256', kService).update(TERMINATOR).digest();
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/** Number of cached signing keys (for tests and metrics). */
export function signingKeyCacheSize(): number {
  return keyCache.size;
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** `20150830T123600Z` from ms since epoch. */
export function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2015-08-30T12:36:00.000Z
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}

/**
 * Splits a request target (or an absolute URL, as a client may hold) into origin, path and raw query.
 * Everything after the first `?` is query, including any `#`: a fragment is never sent, so one that arrives
 * is treated as data and breaks the signature rather than being silently ignored.
 */
export function splitTarget(url: string): { origin: string; path: string; query: string } {
  let origin = '';
  let rest = url;
  if (url.charCodeAt(0) !== 0x2f) {
    const scheme = url.indexOf('://');
    if (scheme > 0) {
      let end = url.length;
      for (let i = scheme + 3; i < url.length; i++) {
        const c = url.charCodeAt(i);
        if (c === 0x2f || c === 0x3f) {
          end = i;
          break;
        }
      }
      origin = url.slice(0, end);
      rest = url.slice(end);
    }
  }
  const q = rest.indexOf('?');
  return q < 0 ? { origin, path: rest, query: '' } : { origin, path: rest.slice(0, q), query: rest.slice(q + 1) };
}
