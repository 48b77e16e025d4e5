/**
 * Every failure leaves the server as an AwsError: the code, HTTP status and fault type that AWS uses, and a message
 * in AWS's words. This module is the only one that builds them (test/protocol/error-catalogue.test.ts checks it):
 * the catalogue says what every code the server sends looks like, `errors` has one constructor per failure. Library
 * layers (sigv4, policy) throw their own typed errors, which src/server/wire-error.ts maps here; anything else
 * thrown is a bug and is answered as InternalFailure.
 */
export { echoed, MAX_ECHOED } from './echoed.js';
import { echoed } from './echoed.js';

export type FaultType = 'Sender' | 'Receiver';

/** What a code looks like on the wire besides its message. */
export interface ErrorEntry {
  readonly status: number;
  readonly type: FaultType;
}

const sender = (status: number): ErrorEntry => ({ status, type: 'Sender' });
const receiver = (status: number): ErrorEntry => ({ status, type: 'Receiver' });

/**
 * The catalogue: every error code the server sends, with its HTTP status and fault. Where a botocore model (the
 * `error` of an exception shape in models/sts.json or models/iam.json) declares the code, status and fault are the
 * model's: test/protocol/error-catalogue.test.ts fails on any entry that disagrees.
 */
export const CATALOGUE = {
  // The HTTP layer (http.ts): MalformedHttpRequest carries the status the parser chose (400, 417 or 501).
  MalformedHttpRequest: sender(400),
  RequestHeaderSectionTooLarge: sender(431),
  RequestTimeout: sender(408),
  RequestEntityTooLarge: sender(413),
  MethodNotAllowed: sender(405),

  // The Query protocol and dispatch
  MissingAction: sender(400),
  InvalidAction: sender(400),
  MalformedQueryString: sender(400),

  // Authentication
  MissingAuthenticationToken: sender(403),
  IncompleteSignature: sender(400),
  InvalidClientTokenId: sender(403),
  SignatureDoesNotMatch: sender(403),
  ExpiredToken: sender(403),

  // Authorization
  AccessDenied: sender(403),

  // Validation
  ValidationError: sender(400),
  InvalidParameterValue: sender(400),
  MalformedPolicyDocument: sender(400), // sts and iam
  PackedPolicyTooLarge: sender(400), // sts
  InvalidAuthorizationMessageException: sender(400), // sts

  // Federation (sts)
  InvalidIdentityToken: sender(400),
  ExpiredTokenException: sender(400),
  IDPCommunicationError: sender(400),
  IDPRejectedClaim: sender(403),
  RegionDisabledException: sender(403),
  OutboundWebIdentityFederationDisabledException: sender(403),
  SessionDurationEscalationException: sender(403),
  JWTPayloadSizeExceededException: sender(400),

  // IAM (iam)
  NoSuchEntity: sender(404),
  EntityAlreadyExists: sender(409),
  LimitExceeded: sender(409),
  DeleteConflict: sender(409),
  InvalidInput: sender(400),
  InvalidAuthenticationCode: sender(403),
  EntityTemporarilyUnmodifiable: sender(409),
  UnmodifiableEntity: sender(400),
  PolicyNotAttachable: sender(400),
  FeatureEnabled: sender(409),
  FeatureDisabled: sender(404),

  // Throttling (throttle.ts): botocore and the AWS SDKs retry this code with backoff
  Throttling: sender(400),

  // Faults
  InternalFailure: receiver(500),
  ServiceUnavailable: receiver(503),
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof CATALOGUE;

export class AwsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: FaultType;
  /**
   * Extra elements of the error document, after Message (e.g. EncodedAuthorizationMessage on an AccessDenied from a
   * policy decision). SDKs keep unknown Error elements; none depends on them.
   */
  details?: Record<string, string>;
  /** The message for the audit log, when the message quotes request values that may be secret (a TokenCode). */
  auditMessage?: string;

  /** Built by `errors` only: the code's status and fault come from the catalogue. */
  constructor(code: ErrorCode, message: string, entry: ErrorEntry = CATALOGUE[code]) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = entry.status;
    this.type = entry.type;
  }
}

/** One constructor per error the server emits, so codes, statuses and messages live in one place. */
export const errors = {
  // The HTTP layer
  malformedHttpRequest: (reason: string, status: number) =>
    new AwsError(
      'MalformedHttpRequest',
      `The HTTP request is malformed: ${reason}`,
      status === CATALOGUE.MalformedHttpRequest.status
        ? CATALOGUE.MalformedHttpRequest
        : status >= 500
          ? receiver(status)
          : sender(status),
    ),
  requestHeadersTooLarge: (limit: number) =>
    new AwsError('RequestHeaderSectionTooLarge', `Request headers must not exceed ${limit} bytes`),
  requestTimeout: () => new AwsError('RequestTimeout', 'The request was not received in time'),
  requestTooLarge: (limit: number) =>
    new AwsError('RequestEntityTooLarge', `Request body must not exceed ${limit} bytes`),
  methodNotAllowed: (method: string) =>
    new AwsError('MethodNotAllowed', `The HTTP method ${method} is not allowed; use GET or POST`),
  tooManyConnections: () => new AwsError('ServiceUnavailable', 'Too many connections; try again later'),

  // Dispatch
  missingAction: () => new AwsError('MissingAction', 'Missing Action'),
  invalidAction: (action: string, version: string) =>
    new AwsError('InvalidAction', `Could not find operation ${echoed(action)} for version ${echoed(version)}`),
  // UNCONFIRMED code and wording: AWS documents only that such an operation is not available on the global endpoint.
  notOnGlobalEndpoint: (operation: string) =>
    new AwsError(
      'InvalidAction',
      `${operation} is not available on the STS global endpoint. Call a regional endpoint (sts.REGION.amazonaws.com).`,
    ),
  malformedQueryString: (message: string) => new AwsError('MalformedQueryString', message),

  // Authentication
  missingAuthenticationToken: () =>
    new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token'),
  incompleteSignature: (message: string) => new AwsError('IncompleteSignature', message),
  invalidClientTokenId: () =>
    new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
  signatureDoesNotMatch: (
    message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  ) => new AwsError('SignatureDoesNotMatch', message),
  expiredToken: () => new AwsError('ExpiredToken', 'The security token included in the request is expired'),

  // Authorization
  accessDenied: (message: string) => new AwsError('AccessDenied', message),

  // Validation
  validation: (message: string) => new AwsError('ValidationError', message),
  malformedPolicyDocument: (message: string) => new AwsError('MalformedPolicyDocument', message),
  packedPolicyTooLarge: (percent: number) =>
    new AwsError(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`,
    ),
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValue', message),
  invalidAuthorizationMessage: (message: string) => new AwsError('InvalidAuthorizationMessageException', message),

  // Federation: web identity and SAML
  invalidIdentityToken: (message: string) => new AwsError('InvalidIdentityToken', message),
  expiredTokenException: (message: string) => new AwsError('ExpiredTokenException', message),
  // UNCONFIRMED wording: the model's description of IDPCommunicationErrorException.
  idpCommunicationError: () =>
    new AwsError(
      'IDPCommunicationError',
      'The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached. This is often a transient error caused by network conditions. Retry the request a limited number of times and wait between attempts.',
    ),
  idpRejectedClaim: (message: string) => new AwsError('IDPRejectedClaim', message),
  regionDisabled: (message: string) => new AwsError('RegionDisabledException', message),

  // IAM
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message),
  entityAlreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message),
  invalidInput: (message: string) => new AwsError('InvalidInput', message),
  invalidAuthenticationCode: (message: string) => new AwsError('InvalidAuthenticationCode', message),
  entityTemporarilyUnmodifiable: (message: string) => new AwsError('EntityTemporarilyUnmodifiable', message),
  unmodifiableEntity: (message: string) => new AwsError('UnmodifiableEntity', message),
  policyNotAttachable: (message: string) => new AwsError('PolicyNotAttachable', message),

  // Outbound identity federation (the model's exceptions; UNCONFIRMED wording of every message)
  featureEnabled: () =>
    new AwsError('FeatureEnabled', 'Outbound identity federation is already enabled for this account.'),
  featureDisabled: () =>
    new AwsError('FeatureDisabled', 'Outbound identity federation is not enabled for this account.'),
  outboundFederationDisabled: () =>
    new AwsError(
      'OutboundWebIdentityFederationDisabledException',
      'Outbound web identity federation is not enabled for this account. Enable it with EnableOutboundWebIdentityFederation.',
    ),
  sessionDurationEscalation: () =>
    new AwsError(
      'SessionDurationEscalationException',
      'The requested token duration would extend the session beyond its original expiration time.',
    ),
  jwtPayloadSizeExceeded: (limit: number) =>
    new AwsError(
      'JWTPayloadSizeExceededException',
      `The token payload exceeds the maximum size of ${limit} bytes. Pass fewer or shorter tags or audiences.`,
    ),

  // Throttling
  throttling: () => new AwsError('Throttling', 'Rate exceeded'),

  // Faults
  internalFailure: () =>
    new AwsError(
      'InternalFailure',
      'The request processing has failed because of an unknown error, exception or failure.',
    ),
  serviceUnavailable: () => new AwsError('ServiceUnavailable', 'Service is unavailable. Please try again later.'),
} as const;
