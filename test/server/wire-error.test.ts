/** The library layers' typed errors as the server answers them: the code, status, fault and message of today's wire. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicySyntaxError } from '../../src/policy/errors.js';
import { errors } from '../../src/protocol/errors.js';
import { toWireError } from '../../src/server/wire-error.js';
import {
  IncompleteSignature,
  MalformedAccessKeyId,
  RequestExpired,
  SignatureDoesNotMatch,
} from '../../src/sigv4/errors.js';

const wire = (err: unknown) => {
  const e = toWireError(err);
  return e && [e.code, e.status, e.type, e.message];
};

describe('toWireError', () => {
  test("SigV4's refusals keep their message under AWS's code", () => {
    assert.deepEqual(wire(new IncompleteSignature('Missing parts')), [
      'IncompleteSignature',
      400,
      'Sender',
      'Missing parts',
    ]);
    assert.deepEqual(wire(new SignatureDoesNotMatch('Wrong scope')), [
      'SignatureDoesNotMatch',
      403,
      'Sender',
      'Wrong scope',
    ]);
    assert.deepEqual(wire(new RequestExpired('Signature expired: ...', 'expired')), [
      'SignatureDoesNotMatch',
      403,
      'Sender',
      'Signature expired: ...',
    ]);
    assert.deepEqual(wire(new MalformedAccessKeyId()), [
      'InvalidClientTokenId',
      403,
      'Sender',
      'The security token included in the request is invalid.',
    ]);
  });

  test("the policy parser's refusal is MalformedPolicyDocument with its message", () => {
    assert.deepEqual(wire(new PolicySyntaxError('Syntax errors in policy.')), [
      'MalformedPolicyDocument',
      400,
      'Sender',
      'Syntax errors in policy.',
    ]);
  });

  test('an AWS error is itself, and anything else is not a wire error', () => {
    const denied = errors.accessDenied('no');
    assert.equal(toWireError(denied), denied);
    assert.equal(toWireError(new TypeError('bug')), undefined);
    assert.equal(toWireError('thrown string'), undefined);
  });
});
