/**
 * GetFederationToken over raw HTTP: the exact answer, who the federated user is, what it may do (the intersection of
 * the federating user's policies and the session policies; nothing without a session policy), what its credentials
 * can never call, and the session ending with the key it came from.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, sessionFor, xmlText, type RawReply } from '../helpers/query.js';
import { accountOf, allow, allowed, createRole, credentialsOf, iam, ok, policy, trust } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);
const bob = await createUserWithKey(s, 'bob');
const carol = await createUserWithKey(s, 'carol');
await ok(
  iam(s, 'PutUserPolicy', {
    UserName: 'bob',
    PolicyName: 'federate',
    PolicyDocument: policy(
      allow('sts:GetFederationToken', `arn:aws:sts::${account}:federated-user/*`),
      allow('s3:GetObject', 'arn:aws:s3:::shared/*'),
      allow('s3:PutObject', '*'),
    ),
  }),
);

const message = (body: string) => xmlText(body, 'Message');
const federate = (creds: Credentials, params: Record<string, string | number>) =>
  call(s, 'GetFederationToken', params, creds);
const refusal = (r: RawReply) => [r.status, errorCode(r), message(r.body)];
const HOUR = 3_600_000;

describe('issuing', () => {
  test("the exact answer; the credentials are the federated user's", async () => {
    const t = s.clock.now();
    const r = await ok(federate(bob, { Name: 'partner', Policy: policy(allow('s3:*', 'arn:aws:s3:::shared/*')) }));
    const c = {
      ak: xmlText(r.body, 'AccessKeyId')!,
      sk: xmlText(r.body, 'SecretAccessKey')!,
      st: xmlText(r.body, 'SessionToken')!,
      exp: xmlText(r.body, 'Expiration')!,
    };
    const packed = xmlText(r.body, 'PackedPolicySize')!;
    assert.match(c.ak, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(Math.abs(Date.parse(c.exp) - (t + 12 * HOUR)) < 2000, 'default 43,200 seconds');
    assert.ok(Number(packed) > 0 && Number(packed) <= 100);
    assert.equal(
      r.body,
      '<GetFederationTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetFederationTokenResult>' +
        `<Credentials><AccessKeyId>${c.ak}</AccessKeyId><SecretAccessKey>${c.sk}</SecretAccessKey><SessionToken>${c.st}</SessionToken><Expiration>${c.exp}</Expiration></Credentials>` +
        `<FederatedUser><FederatedUserId>${account}:partner</FederatedUserId><Arn>arn:aws:sts::${account}:federated-user/partner</Arn></FederatedUser>` +
        `<PackedPolicySize>${packed}</PackedPolicySize>` +
        `</GetFederationTokenResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></GetFederationTokenResponse>`,
    );
    const who = await ok(call(s, 'GetCallerIdentity', {}, credentialsOf(r.body)));
    assert.deepEqual(
      [xmlText(who.body, 'UserId'), xmlText(who.body, 'Account'), xmlText(who.body, 'Arn')],
      [`${account}:partner`, account, `arn:aws:sts::${account}:federated-user/partner`],
    );
  });

  test('durations: 900 to 129,600 seconds for a user; the root is clamped to one hour', async () => {
    const t = s.clock.now();
    const long = await ok(federate(bob, { Name: 'long', DurationSeconds: 129_600 }));
    assert.ok(Math.abs(Date.parse(xmlText(long.body, 'Expiration')!) - (t + 36 * HOUR)) < 2000);
    assert.equal(
      message((await federate(bob, { Name: 'short', DurationSeconds: 600 })).body),
      "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    const root = await ok(federate(s.root, { Name: 'rootfed', DurationSeconds: 7200 }));
    assert.ok(Math.abs(Date.parse(xmlText(root.body, 'Expiration')!) - (t + HOUR)) < 2000);
    // AWS sends 0 with no session policy and no tags (LocalStack's recorded test_get_federation_token snapshot).
    assert.equal(xmlText(root.body, 'PackedPolicySize'), '0', 'no session policy, no tags: PackedPolicySize 0');
  });

  test('the name follows the model; a bad session policy is MalformedPolicyDocument', async () => {
    for (const Name of ['x', 'a'.repeat(33), 'has space'])
      assert.equal(errorCode(await federate(bob, { Name })), 'ValidationError', Name);
    assert.equal(
      errorCode(await federate(bob, { Name: 'p', Policy: '{"Statement": 5}' })),
      'ValidationError',
      'a one-character name',
    );
    assert.equal(errorCode(await federate(bob, { Name: 'pp', Policy: '{"Statement": 5}' })), 'MalformedPolicyDocument');
    assert.equal(
      errorCode(await federate(bob, { Name: 'pp', 'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/NoSuchPolicy' })),
      'MalformedPolicyDocument',
    );
  });

  test('a user needs sts:GetFederationToken on the federated user; session tags need sts:TagSession', async () => {
    assert.deepEqual(refusal(await federate(carol, { Name: 'partner' })), [
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:user/carol is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::${account}:federated-user/partner because no identity-based policy allows the sts:GetFederationToken action`,
    ]);
    const tags = { 'Tags.member.1.Key': 'project', 'Tags.member.1.Value': 'apollo' };
    assert.equal(errorCode(await federate(bob, { Name: 'tagged', ...tags })), 'AccessDenied');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'carol',
        PolicyName: 'federate',
        PolicyDocument: policy(allow(['sts:GetFederationToken', 'sts:TagSession'])),
      }),
    );
    const r = await ok(federate(carol, { Name: 'tagged', ...tags }));
    assert.ok(Number(xmlText(r.body, 'PackedPolicySize')) > 0, 'tags are packed');
    const dup = await federate(carol, {
      Name: 'tagged',
      ...tags,
      'Tags.member.2.Key': 'PROJECT',
      'Tags.member.2.Value': 'x',
    });
    // AssumeRole's recorded code and words (UNCONFIRMED for GetFederationToken).
    assert.deepEqual(refusal(dup), [
      400,
      'InvalidParameterValue',
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    ]);
  });

  test('session credentials cannot call it', async () => {
    const session = await sessionFor(s, bob);
    assert.deepEqual(refusal(await federate(session, { Name: 'partner' })), [
      403,
      'AccessDenied',
      'Cannot call GetFederationToken with session credentials',
    ]);
    const fed = credentialsOf((await ok(federate(bob, { Name: 'partner' }))).body);
    assert.deepEqual(refusal(await federate(fed, { Name: 'again' })), [
      403,
      'AccessDenied',
      'Cannot call GetFederationToken with session credentials',
    ]);
  });
});

describe('the federated user', () => {
  test("may do what both the user's policies and the session policies allow", async () => {
    const fed = credentialsOf(
      (await ok(federate(bob, { Name: 'partner', Policy: policy(allow('s3:*', 'arn:aws:s3:::shared/*')) }))).body,
    );
    assert.equal(await allowed(s, fed, 's3:GetObject', 'arn:aws:s3:::shared/report.csv'), true);
    assert.equal(await allowed(s, fed, 's3:PutObject', 'arn:aws:s3:::shared/report.csv'), true);
    assert.equal(
      await allowed(s, fed, 's3:PutObject', 'arn:aws:s3:::private/x'),
      `User: arn:aws:sts::${account}:federated-user/partner is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::private/x because no session policy allows the s3:PutObject action`,
    );
    assert.equal(
      await allowed(s, fed, 's3:DeleteObject', 'arn:aws:s3:::shared/report.csv'),
      `User: arn:aws:sts::${account}:federated-user/partner is not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::shared/report.csv because no identity-based policy allows the s3:DeleteObject action`,
    );
  });

  test('a managed policy passed as a session policy limits the same way', async () => {
    const r = await ok(
      iam(s, 'CreatePolicy', {
        PolicyName: 'shared-read',
        PolicyDocument: policy(allow('s3:GetObject', 'arn:aws:s3:::shared/*')),
      }),
    );
    const fed = credentialsOf(
      (await ok(federate(bob, { Name: 'reader', 'PolicyArns.member.1.arn': xmlText(r.body, 'Arn')! }))).body,
    );
    assert.equal(await allowed(s, fed, 's3:GetObject', 'arn:aws:s3:::shared/a'), true);
    assert.notEqual(await allowed(s, fed, 's3:PutObject', 'arn:aws:s3:::shared/a'), true);
  });

  test("without a session policy it may do nothing; the root's federated user may do what its session policy allows", async () => {
    const bare = credentialsOf((await ok(federate(bob, { Name: 'bare' }))).body);
    assert.equal(
      await allowed(s, bare, 's3:GetObject', 'arn:aws:s3:::shared/a'),
      `User: arn:aws:sts::${account}:federated-user/bare is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::shared/a because no session policy allows the s3:GetObject action`,
    );
    const rootFed = credentialsOf(
      (await ok(federate(s.root, { Name: 'ops', Policy: policy(allow('ec2:Describe*')) }))).body,
    );
    assert.equal(await allowed(s, rootFed, 'ec2:DescribeInstances', '*'), true);
    assert.notEqual(await allowed(s, rootFed, 'ec2:RunInstances', '*'), true);
  });

  test('its credentials call no IAM operation and, of STS, only GetCallerIdentity', async () => {
    const fed = credentialsOf((await ok(federate(bob, { Name: 'partner', Policy: policy(allow('*')) }))).body);
    assert.deepEqual(refusal(await iam(s, 'ListUsers', {}, fed)), [
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    ]);
    assert.deepEqual(refusal(await call(s, 'GetSessionToken', {}, fed)), [
      403,
      'AccessDenied',
      'Cannot call GetSessionToken with session credentials',
    ]);
    const roleArn = await createRole(s, 'fed-target', trust(`arn:aws:sts::${account}:federated-user/partner`));
    assert.deepEqual(refusal(await call(s, 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'fed' }, fed)), [
      403,
      'AccessDenied',
      'Cannot call AssumeRole with session credentials',
    ]);
    assert.deepEqual(refusal(await call(s, 'GetAccessKeyInfo', { AccessKeyId: bob.accessKeyId }, fed)), [
      403,
      'AccessDenied',
      'Cannot call GetAccessKeyInfo with session credentials',
    ]);
  });

  test("deactivating the federating user's key ends the session at once", async () => {
    const fed = credentialsOf((await ok(federate(bob, { Name: 'partner' }))).body);
    await ok(call(s, 'GetCallerIdentity', {}, fed));
    await ok(iam(s, 'UpdateAccessKey', { UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Inactive' }));
    try {
      assert.deepEqual(refusal(await call(s, 'GetCallerIdentity', {}, fed)), [
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      ]);
    } finally {
      await ok(iam(s, 'UpdateAccessKey', { UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Active' }));
    }
    s.clock.advance(12 * HOUR + 1000);
    try {
      assert.equal(errorCode(await call(s, 'GetCallerIdentity', {}, fed)), 'ExpiredToken');
    } finally {
      s.clock.advance(-(12 * HOUR + 1000));
    }
  });
});
