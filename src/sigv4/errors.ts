/**
 * Why SigV4 refused a request's authentication, as typed errors (jose's `util/errors.ts` is the model): the server
 * maps them to AWS's wire errors in one place (src/server/wire-error.ts), the messages are AWS's words already.
 */

/** Any refusal of a request's SigV4 authentication. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The authentication is malformed or lacks a part: algorithm, Credential, SignedHeaders, Signature, a date, X-Amz-Expires. */
export class IncompleteSignature extends SignatureError {}

/** The credential scope cannot be right for this request (its terminator, or a date other than the request's). */
export class SignatureDoesNotMatch extends SignatureError {}

/** The request time is outside the window the server accepts (15 minutes, or a presigned URL's X-Amz-Expires). */
export class RequestExpired extends SignatureError {
  constructor(
    message: string,
    readonly reason: 'expired' | 'not-yet-current',
  ) {
    super(message);
  }
}

/** The access key id is not a key id at all (not 1 to 128 ASCII word characters), so it names no key. */
export class MalformedAccessKeyId extends SignatureError {
  constructor() {
    super('The access key id is not 1 to 128 ASCII letters, digits or underscores.');
  }
}
