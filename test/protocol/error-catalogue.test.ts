/**
 * The error catalogue (src/protocol/errors.ts) against the botocore models: a code a model declares keeps the model's
 * HTTP status and fault, and nothing but the catalogue module builds a wire error.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { CATALOGUE, errors, type FaultType } from '../../src/protocol/errors.js';
import { models } from '../../src/protocol/model.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Every error shape of both models, by wire code: its status and fault. */
function modelErrors(): Map<string, { status: number; type: FaultType; where: string }> {
  const out = new Map<string, { status: number; type: FaultType; where: string }>();
  for (const service of ['sts', 'iam'] as const) {
    for (const [name, shape] of Object.entries(models()[service].shapes)) {
      const error = shape.error;
      if (error?.code === undefined || error.httpStatusCode === undefined) continue;
      const declared = {
        status: error.httpStatusCode,
        type: error.senderFault ? ('Sender' as const) : ('Receiver' as const),
        where: `${service} ${name}`,
      };
      const other = out.get(error.code);
      if (other) assert.deepEqual([other.status, other.type], [declared.status, declared.type], error.code);
      out.set(error.code, declared);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('error catalogue', () => {
  test("an entry whose code a model declares has the model's status and fault", () => {
    const declared = modelErrors();
    const checked: string[] = [];
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      const model = declared.get(code);
      if (!model) continue;
      checked.push(code);
      assert.deepEqual(
        { status: entry.status, type: entry.type },
        { status: model.status, type: model.type },
        `${code} disagrees with ${model.where}`,
      );
    }
    // The model's codes the server sends: a model that stopped declaring one (or a renamed entry) shows up here.
    assert.deepEqual(checked.sort(), [
      'DeleteConflict',
      'EntityAlreadyExists',
      'EntityTemporarilyUnmodifiable',
      'ExpiredTokenException',
      'FeatureDisabled',
      'FeatureEnabled',
      'IDPCommunicationError',
      'IDPRejectedClaim',
      'InvalidAuthenticationCode',
      'InvalidAuthorizationMessageException',
      'InvalidIdentityToken',
      'InvalidInput',
      'JWTPayloadSizeExceededException',
      'LimitExceeded',
      'MalformedPolicyDocument',
      'NoSuchEntity',
      'OutboundWebIdentityFederationDisabledException',
      'PackedPolicyTooLarge',
      'PolicyNotAttachable',
      'RegionDisabledException',
      'SessionDurationEscalationException',
      'UnmodifiableEntity',
    ]);
  });

  test('every other entry is a Sender fault below 500 and a Receiver fault from 500', () => {
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      assert.equal(entry.type, entry.status >= 500 ? 'Receiver' : 'Sender', code);
    }
  });

  test('every constructor builds an error of the catalogue, with its status and fault', () => {
    for (const [name, make] of Object.entries(errors)) {
      const args = name === 'malformedHttpRequest' ? ['why', 400] : ['x', 'y'];
      const err = (make as (...args: unknown[]) => ReturnType<typeof errors.internalFailure>)(...args);
      const entry = CATALOGUE[err.code];
      assert.ok(entry, `${name}: ${err.code} is not in the catalogue`);
      assert.deepEqual([err.status, err.type], [entry.status, entry.type], name);
    }
  });

  test("the HTTP layer's refusals keep the parser's status, a Receiver fault from 500", () => {
    const refusals = [400, 417, 501].map((s) => errors.malformedHttpRequest('why', s));
    assert.deepEqual(
      refusals.map((e) => [e.code, e.status, e.type, e.message]),
      [
        ['MalformedHttpRequest', 400, 'Sender', 'The HTTP request is malformed: why'],
        ['MalformedHttpRequest', 417, 'Sender', 'The HTTP request is malformed: why'],
        ['MalformedHttpRequest', 501, 'Receiver', 'The HTTP request is malformed: why'],
      ],
    );
  });

  test('only the catalogue module builds an AwsError', () => {
    const builders = sourceFiles(join(root, 'src'))
      .filter((file) => readFileSync(file, 'utf8').includes('new AwsError('))
      .map((file) => file.slice(root.length));
    assert.deepEqual(builders, ['src/protocol/errors.ts']);
  });

  test('the library layers throw their own errors: sigv4 and policy do not import the wire errors', () => {
    for (const folder of ['sigv4', 'policy']) {
      for (const file of sourceFiles(join(root, 'src', folder))) {
        assert.doesNotMatch(readFileSync(file, 'utf8'), /protocol\/errors\.js/, file.slice(root.length));
      }
    }
  });
});
