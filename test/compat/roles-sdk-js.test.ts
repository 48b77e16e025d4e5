/** The AWS SDK for JavaScript v3 with roles: IAM administration, AssumeRole with session policies and tags, errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Credentials } from '../../src/sigv4/index.js';
import { createUserWithKey } from '../helpers/query.js';
import { allow, policy, trust } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = s.running.app.accountId;
const alice = await createUserWithKey(s, 'alice');

const sts = (credentials: Credentials) =>
  new STSClient({ region: 'eu-north-1', endpoint: s.url, credentials, maxAttempts: 1 });
const iam = (credentials: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: s.url, credentials, maxAttempts: 1 });

test('create a role with policies, assume it with a session policy and tags, use the session', async () => {
  const role = await iam(s.root).send(
    new CreateRoleCommand({
      RoleName: 'js-role',
      AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:TagSession']),
    }),
  );
  assert.equal(role.Role!.Arn, `arn:aws:iam::${account}:role/js-role`);
  assert.ok(role.Role!.CreateDate instanceof Date);
  const doc = policy(allow(['iam:ListRoles', 'iam:GetRolePolicy']));
  await iam(s.root).send(new PutRolePolicyCommand({ RoleName: 'js-role', PolicyName: 'inline', PolicyDocument: doc }));
  const managed = await iam(s.root).send(
    new CreatePolicyCommand({ PolicyName: 'js-managed', PolicyDocument: policy(allow('iam:ListUsers')) }),
  );
  await iam(s.root).send(new AttachRolePolicyCommand({ RoleName: 'js-role', PolicyArn: managed.Policy!.Arn }));
  // The JS SDK does not decode policy documents: they arrive URL-encoded, as AWS sends them.
  const got = await iam(s.root).send(new GetRolePolicyCommand({ RoleName: 'js-role', PolicyName: 'inline' }));
  assert.equal(decodeURIComponent(got.PolicyDocument!), doc);

  const r = await sts(alice).send(
    new AssumeRoleCommand({
      RoleArn: role.Role!.Arn,
      RoleSessionName: 'js',
      DurationSeconds: 900,
      Policy: policy(allow('iam:ListRoles')),
      Tags: [{ Key: 'k', Value: 'v' }],
      TransitiveTagKeys: ['k'],
    }),
  );
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${account}:assumed-role/js-role/js`);
  assert.ok(r.Credentials!.Expiration instanceof Date);
  assert.ok((r.PackedPolicySize ?? 0) > 0);
  const session = {
    accessKeyId: r.Credentials!.AccessKeyId!,
    secretAccessKey: r.Credentials!.SecretAccessKey!,
    sessionToken: r.Credentials!.SessionToken!,
  };
  const who = await sts(session).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, r.AssumedRoleUser!.Arn);
  assert.equal(who.UserId, r.AssumedRoleUser!.AssumedRoleId);
  const roles = await iam(session).send(new ListRolesCommand({}));
  assert.deepEqual(
    roles.Roles!.map((x) => x.RoleName),
    ['js-role'],
  );
});

test("refusals reach the SDK as AccessDenied with AWS's message", async () => {
  const other = await createUserWithKey(s, 'other');
  try {
    await sts(other).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/js-role`, RoleSessionName: 'js' }),
    );
    assert.fail('expected AccessDenied');
  } catch (err) {
    const e = err as STSServiceException;
    assert.equal(e.name, 'AccessDenied');
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(
      e.message,
      `User: arn:aws:iam::${account}:user/other is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${account}:role/js-role`,
    );
  }
  try {
    await sts(alice).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${account}:role/js-role`,
        RoleSessionName: 'js',
        Policy: '{"Statement": 3}',
      }),
    );
    assert.fail('expected MalformedPolicyDocument');
  } catch (err) {
    assert.equal((err as STSServiceException).name, 'MalformedPolicyDocumentException');
  }
});
