/**
 * Every failure leaves the server as an AwsError: the code, HTTP status and fault type that AWS uses,
 * and a message in AWS's words. Anything else thrown is a bug and is answered as InternalFailure.
 */
export type FaultType = 'Sender' | 'Receiver';

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: FaultType;
  /**
   * Extra elements of the error document, after Message (e.g. EncodedAuthorizationMessage on an AccessDenied from a
   * policy decision). SDKs keep unknown Error elements; none depends on them.
   */
  details?: Record<string, string>;
  /** The message for the audit log, when the message quotes request values that may be secret (a TokenCode). */
  auditMessage?: string;

  constructor(code: string, message: string, status = 400, type: FaultType = status >= 500 ? 'Receiver' : 'Sender') {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
    this.type = type;
  }
}

/**
 * Longest request value an error message repeats (UNCONFIRMED whether and where AWS cuts): enough for any name, ARN
 * or URL a person would read, while a 500 KB parameter is not sent back. Escaping happens where the XML is written.
 */
export const MAX_ECHOED = 512;

/** A request value as an error message quotes it: cut to MAX_ECHOED (never inside a surrogate pair), saying how long it was. */
export function echoed(value: string): string {
  if (value.length <= MAX_ECHOED) return value;
  const end =
    value.charCodeAt(MAX_ECHOED - 1) >= 0xd800 && value.charCodeAt(MAX_ECHOED - 1) <= 0xdbff
      ? MAX_ECHOED - 1
      : MAX_ECHOED;
  return `${value.slice(0, end)}...(${value.length} characters)`;
}

/** The catalogue: one constructor per error the server emits, so codes, statuses and messages live in one place. */
export const errors = {
  // Dispatch
  missingAction: () => new AwsError('MissingAction', 'Missing Action', 400),
  invalidAction: (action: string, version: string) =>
    new AwsError('InvalidAction', `Could not find operation ${echoed(action)} for version ${echoed(version)}`, 400),
  malformedQueryString: (message: string) => new AwsError('MalformedQueryString', message, 400),
  requestTooLarge: (limit: number) =>
    new AwsError('RequestEntityTooLarge', `Request body must not exceed ${limit} bytes`, 413),
  methodNotAllowed: (method: string) =>
    new AwsError('MethodNotAllowed', `The HTTP method ${method} is not allowed; use GET or POST`, 405),

  // Authentication
  missingAuthenticationToken: () =>
    new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  incompleteSignature: (message: string) => new AwsError('IncompleteSignature', message, 400),
  invalidClientTokenId: () =>
    new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
  signatureDoesNotMatch: (
    message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  ) => new AwsError('SignatureDoesNotMatch', message, 403),
  expiredToken: () => new AwsError('ExpiredToken', 'The security token included in the request is expired', 403),

  // Authorization
  accessDenied: (message: string) => new AwsError('AccessDenied', message, 403),

  // Validation
  validation: (message: string) => new AwsError('ValidationError', message, 400),
  malformedPolicyDocument: (message: string) => new AwsError('MalformedPolicyDocument', message, 400),
  packedPolicyTooLarge: (percent: number) =>
    new AwsError(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`,
      400,
    ),
  invalidParameterValue: (message: string) => new AwsError('InvalidParameterValue', message, 400),
  invalidAuthorizationMessage: (message: string) => new AwsError('InvalidAuthorizationMessageException', message, 400),

  // IAM
  noSuchEntity: (message: string) => new AwsError('NoSuchEntity', message, 404),
  entityAlreadyExists: (message: string) => new AwsError('EntityAlreadyExists', message, 409),
  limitExceeded: (message: string) => new AwsError('LimitExceeded', message, 409),
  deleteConflict: (message: string) => new AwsError('DeleteConflict', message, 409),
  invalidInput: (message: string) => new AwsError('InvalidInput', message, 400),
  invalidAuthenticationCode: (message: string) => new AwsError('InvalidAuthenticationCode', message, 403),
  entityTemporarilyUnmodifiable: (message: string) => new AwsError('EntityTemporarilyUnmodifiable', message, 409),
  unmodifiableEntity: (message: string) => new AwsError('UnmodifiableEntity', message, 400),
  policyNotAttachable: (message: string) => new AwsError('PolicyNotAttachable', message, 400),

  // Outbound identity federation (the model's exceptions; UNCONFIRMED wording of every message)
  featureEnabled: () =>
    new AwsError('FeatureEnabled', 'Outbound identity federation is already enabled for this account.', 409),
  featureDisabled: () =>
    new AwsError('FeatureDisabled', 'Outbound identity federation is not enabled for this account.', 404),
  outboundFederationDisabled: () =>
    new AwsError(
      'OutboundWebIdentityFederationDisabledException',
      'Outbound web identity federation is not enabled for this account. Enable it with EnableOutboundWebIdentityFederation.',
      403,
    ),
  sessionDurationEscalation: () =>
    new AwsError(
      'SessionDurationEscalationException',
      'The requested token duration would extend the session beyond its original expiration time.',
      403,
    ),
  jwtPayloadSizeExceeded: (limit: number) =>
    new AwsError(
      'JWTPayloadSizeExceededException',
      `The token payload exceeds the maximum size of ${limit} bytes. Pass fewer or shorter tags or audiences.`,
      400,
    ),

  // Throttling (throttle.ts): botocore and the AWS SDKs retry this code with backoff
  throttling: () => new AwsError('Throttling', 'Rate exceeded', 400),

  // Faults
  internalFailure: () =>
    new AwsError(
      'InternalFailure',
      'The request processing has failed because of an unknown error, exception or failure.',
      500,
    ),
  serviceUnavailable: () => new AwsError('ServiceUnavailable', 'Service is unavailable. Please try again later.', 503),
} as const;
