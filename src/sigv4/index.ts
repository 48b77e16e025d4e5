/**
 * AWS Signature Version 4 (HMAC-SHA256). Server order: parseAuthentication → checkFreshness → look up the
 * access key → verifySignature (then the caller checks scope.region/scope.service against its own).
 */
export type { Credentials, HttpRequestLike } from './types.js';
export {
  ALGORITHM,
  EMPTY_SHA256,
  canonicalHeaderValue,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  decodeQueryComponent,
  formatAmzDate,
  sha256Hex,
  signingKey,
  stringToSign,
  uriEncode,
} from './canonical.js';
export type { HeaderInput, PresignUrlInput, SignRequestInput, SignatureDetails } from './sign.js';
export { presignUrl, presignUrlDetailed, signRequest, signRequestDetailed } from './sign.js';
export {
  IncompleteSignature,
  MalformedAccessKeyId,
  RequestExpired,
  SignatureDoesNotMatch,
  SignatureError,
} from './errors.js';
export type { SignedRequestInfo, VerifyOptions } from './verify.js';
export {
  canonicalRequestFor,
  checkFreshness,
  parseAuthentication,
  stringToSignFor,
  verifySignature,
} from './verify.js';
