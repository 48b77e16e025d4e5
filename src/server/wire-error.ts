/**
 * The one place where the library layers' typed errors become AWS wire errors: SigV4's refusals (src/sigv4/errors.ts)
 * and the policy parser's (src/policy/errors.ts) keep their messages and get the code, status and fault of the
 * catalogue (src/protocol/errors.ts).
 */
import { PolicySyntaxError } from '../policy/errors.js';
import { AwsError, errors } from '../protocol/errors.js';
import { IncompleteSignature, MalformedAccessKeyId, SignatureError } from '../sigv4/errors.js';

/** The wire error for a failure, or undefined when it is none of ours (a bug, or the store out of reach). */
export function toWireError(err: unknown): AwsError | undefined {
  if (err instanceof AwsError) return err;
  if (err instanceof SignatureError) {
    if (err instanceof IncompleteSignature) return errors.incompleteSignature(err.message);
    // UNCONFIRMED: AWS's answer for an id that is no key id; an unknown key's is InvalidClientTokenId.
    if (err instanceof MalformedAccessKeyId) return errors.invalidClientTokenId();
    // A wrong scope and a request outside its time window: AWS answers both as a signature that does not match.
    return errors.signatureDoesNotMatch(err.message);
  }
  if (err instanceof PolicySyntaxError) return errors.malformedPolicyDocument(err.message);
  return undefined;
}
