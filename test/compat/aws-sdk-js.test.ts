/** The AWS SDK for JavaScript v3 (@aws-sdk/client-sts, client-iam) against the server, given only the endpoint. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserCommand,
  IAMClient,
  IAMServiceException,
} from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { Credentials } from '../../src/sigv4/index.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const sts = (credentials: Credentials, region = 'eu-north-1', maxAttempts = 1) =>
  new STSClient({ region, endpoint: s.url, credentials, maxAttempts });
const iam = (credentials: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: s.url, credentials, maxAttempts: 1 });

async function rejects(
  p: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<STSServiceException | IAMServiceException> {
  try {
    await p;
  } catch (err) {
    const e = err as STSServiceException;
    assert.equal(e.name, code, String(err));
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

let alice: Credentials;

test('user, key, session and identity', async () => {
  const account = s.running.app.accountId;
  const user = await iam(s.root).send(new CreateUserCommand({ UserName: 'alice' }));
  assert.equal(user.User!.Arn, `arn:aws:iam::${account}:user/alice`);
  assert.ok(user.User!.CreateDate instanceof Date);
  const key = await iam(s.root).send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const gst = await sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 1800 }));
  const c = gst.Credentials!;
  assert.ok(c.Expiration instanceof Date);
  assert.ok(Math.abs(c.Expiration!.getTime() - (Date.now() + 1_800_000)) < 5000);
  assert.ok(gst.$metadata.requestId);
  const who = await sts(
    { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    'ap-south-1',
  ).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:iam::${account}:user/alice`);
  assert.equal(who.UserId, user.User!.UserId);
  const info = await sts(s.root).send(new GetAccessKeyInfoCommand({ AccessKeyId: c.AccessKeyId! }));
  assert.equal(info.Account, account);
});

test('bad durations reach the server (the JS SDK does not check ranges)', async () => {
  await rejects(
    sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 600 })),
    'ValidationError',
    /Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900/,
  );
  await rejects(sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 200_000 })), 'ValidationError');
});

test('modeled and unmodeled errors', async () => {
  const e = await rejects(iam(s.root).send(new DeleteUserCommand({ UserName: 'ghost' })), 'NoSuchEntityException');
  assert.equal(e.$metadata.httpStatusCode, 404);
  await rejects(
    sts({ ...alice, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})),
    'SignatureDoesNotMatch',
  );
  await rejects(iam(alice).send(new CreateUserCommand({ UserName: 'x' })), 'AccessDenied');
});

test('the SDK corrects its clock from the Date header and retries', async () => {
  s.clock.advance(30 * 60_000);
  try {
    const who = await sts(alice, 'eu-north-1', 3).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn?.endsWith(':user/alice'), true);
  } finally {
    s.clock.advance(-30 * 60_000);
  }
});
