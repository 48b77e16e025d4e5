/**
 * Client side of SigV4: Authorization-header signing and presigned URLs, built on the same canonicalisation
 * as the verifier so that what we sign is exactly what our server checks.
 */
import {
  ALGORITHM,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  formatAmzDate,
  hmacHex,
  normalizeQueryComponent,
  sha256Hex,
  signingKey,
  splitTarget,
  stringToSign,
  uriEncode,
} from './canonical.js';
import type { Credentials } from './types.js';

export type HeaderInput = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

interface CommonInput {
  method: string;
  /** Request target (`/path?query`, percent-encoded as it will be sent) or an absolute URL. */
  url: string;
  /** Must include `host`, exactly as it will be sent (with the port if not the default). */
  headers: HeaderInput;
  body?: Uint8Array | string;
  credentials: Credentials;
  region: string;
  service: string;
  now: Date;
  /** Remove dot and empty path segments before signing (every service but S3). Default true. */
  normalizePath?: boolean;
}

export interface SignRequestInput extends CommonInput {
  /** Header names to sign; default every header given. host, x-amz-date and x-amz-security-token are always signed. */
  signedHeaders?: readonly string[];
}

export interface PresignUrlInput extends CommonInput {
  /** 1..604800 */
  expiresSeconds: number;
}

export interface SignatureDetails {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

function toPairs(headers: HeaderInput): Array<readonly [string, string]> {
  return Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, string]>).slice()
    : Object.entries(headers as Record<string, string>);
}

function hasHeader(pairs: ReadonlyArray<readonly [string, string]>, lower: string): boolean {
  return pairs.some(([n]) => n.toLowerCase() === lower);
}

function amzDateOf(now: Date): string {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new RangeError('sigv4: now is not a valid Date');
  return formatAmzDate(t);
}

function sign(
  input: CommonInput,
  amzDate: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  signed: readonly string[],
  query: string,
  dropSignature: boolean,
): SignatureDetails {
  const headersBlock = canonicalHeaders(pairs, signed);
  if (headersBlock === undefined) {
    const absent = signed.find((n) => !hasHeader(pairs, n));
    throw new Error(`sigv4: cannot sign header '${absent}': it is not among the headers given`);
  }
  const date = amzDate.slice(0, 8);
  const creq = canonicalRequest(
    input.method,
    canonicalUri(splitTarget(input.url).path, input.normalizePath ?? true),
    canonicalQueryString(query, dropSignature),
    headersBlock,
    signed.join(';'),
    sha256Hex(input.body ?? ''),
  );
  const sts = stringToSign(amzDate, credentialScope(date, input.region, input.service), creq);
  const key = signingKey(input.credentials.secretAccessKey, date, input.region, input.service);
  return { canonicalRequest: creq, stringToSign: sts, signature: hmacHex(key, sts) };
}

/** Sorted, de-duplicated lowercase names. */
function signedList(names: Iterable<string>): string[] {
  return [...new Set([...names].map((n) => n.toLowerCase()))].sort();
}

/** Like signRequest, plus the intermediate values (for tests and debugging). */
export function signRequestDetailed(input: SignRequestInput): SignatureDetails & { headers: Record<string, string> } {
  const given = toPairs(input.headers);
  const token = input.credentials.sessionToken;
  for (const generated of ['authorization', 'x-amz-date', ...(token === undefined ? [] : ['x-amz-security-token'])]) {
    if (hasHeader(given, generated))
      throw new Error(`sigv4: headers must not already contain ${generated}; the signer adds it`);
  }
  if (!hasHeader(given, 'host')) throw new Error('sigv4: a host header is required');
  const amzDate = amzDateOf(input.now);
  const added: Record<string, string> = { 'X-Amz-Date': amzDate };
  // Like botocore and smithy, the session token travels as a signed header.
  if (token !== undefined) added['X-Amz-Security-Token'] = token;
  const pairs = [...given, ...Object.entries(added)];
  const names = input.signedHeaders ?? given.map(([n]) => n);
  const signed = signedList([...names, 'host', ...Object.keys(added)]);
  const details = sign(input, amzDate, pairs, signed, splitTarget(input.url).query, false);
  const scope = credentialScope(amzDate.slice(0, 8), input.region, input.service);
  added['Authorization'] =
    `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${details.signature}`;
  return { ...details, headers: added };
}

/** Signs a request with an Authorization header; returns the headers to add (X-Amz-Date, X-Amz-Security-Token, Authorization). */
export function signRequest(input: SignRequestInput): Record<string, string> {
  return signRequestDetailed(input).headers;
}

const AUTH_PARAMS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

/** Like presignUrl, plus the intermediate values (for tests and debugging). */
export function presignUrlDetailed(input: PresignUrlInput): SignatureDetails & { url: string } {
  const e = input.expiresSeconds;
  if (!Number.isInteger(e) || e < 1 || e > 604800)
    throw new RangeError('sigv4: expiresSeconds must be an integer in 1..604800');
  const pairs = toPairs(input.headers);
  if (!hasHeader(pairs, 'host')) throw new Error('sigv4: a host header is required');
  const { origin, path, query } = splitTarget(input.url);
  for (const segment of query.length > 0 ? query.split('&') : []) {
    const name = normalizeQueryComponent(segment.split('=', 1)[0]!);
    if (AUTH_PARAMS.has(name)) throw new Error(`sigv4: the URL already carries ${name}`);
  }
  const amzDate = amzDateOf(input.now);
  const signed = signedList(pairs.map(([n]) => n));
  const auth: Array<[string, string]> = [
    ['X-Amz-Algorithm', ALGORITHM],
    [
      'X-Amz-Credential',
      `${input.credentials.accessKeyId}/${credentialScope(amzDate.slice(0, 8), input.region, input.service)}`,
    ],
    ['X-Amz-Date', amzDate],
    ['X-Amz-SignedHeaders', signed.join(';')],
    ['X-Amz-Expires', String(e)],
  ];
  // Like botocore, the session token is part of the canonical query (signed), not appended afterwards.
  if (input.credentials.sessionToken !== undefined) auth.push(['X-Amz-Security-Token', input.credentials.sessionToken]);
  const authQuery = auth.map(([k, v]) => k + '=' + uriEncode(v)).join('&');
  const fullQuery = query.length > 0 ? query + '&' + authQuery : authQuery;
  const details = sign(input, amzDate, pairs, signed, fullQuery, true);
  return { ...details, url: origin + path + '?' + fullQuery + '&X-Amz-Signature=' + details.signature };
}

/** A presigned URL (same origin/path/query as given, plus the X-Amz-* auth parameters). */
export function presignUrl(input: PresignUrlInput): string {
  return presignUrlDetailed(input).url;
}
