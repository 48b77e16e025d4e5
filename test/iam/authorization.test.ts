/**
 * Authorization of every IAM and STS action by the policy engine: identity policies of users and their groups,
 * managed and inline, explicit deny, policy variables, AWS's AccessDenied messages, the encoded authorization
 * message and DecodeAuthorizationMessage, and caches that see a policy change on the very next request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, sessionFor, xmlText } from '../helpers/query.js';
import { accountOf, allow, deny, iam, ok, policy } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);
const bob = await createUserWithKey(s, 'bob');

const message = (body: string) => xmlText(body, 'Message');

test("a user without policies is refused with AWS's message; GetCallerIdentity needs no permission", async () => {
  const r = await iam(s, 'ListRoles', {}, bob);
  assert.equal(r.status, 403);
  assert.equal(errorCode(r), 'AccessDenied');
  assert.equal(
    message(r.body),
    `User: arn:aws:iam::${account}:user/bob is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${account}:role/ because no identity-based policy allows the iam:ListRoles action`,
  );
  assert.match(xmlText(r.body, 'EncodedAuthorizationMessage')!, /^[A-Za-z0-9_-]{40,}$/);
  assert.equal((await call(s, 'GetCallerIdentity', {}, bob)).status, 200);
});

test('an inline policy allows at once, and its removal denies at once', async () => {
  await ok(
    iam(s, 'PutUserPolicy', { UserName: 'bob', PolicyName: 'roles', PolicyDocument: policy(allow('iam:ListRoles')) }),
  );
  assert.equal((await iam(s, 'ListRoles', {}, bob)).status, 200);
  assert.equal(errorCode(await iam(s, 'ListUsers', {}, bob)), 'AccessDenied');
  await ok(iam(s, 'DeleteUserPolicy', { UserName: 'bob', PolicyName: 'roles' }));
  assert.equal(errorCode(await iam(s, 'ListRoles', {}, bob)), 'AccessDenied');
});

test('an explicit deny wins over an allow, with the deny message', async () => {
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'bob',
      PolicyName: 'mixed',
      PolicyDocument: policy(allow('iam:*'), deny('iam:ListUsers')),
    }),
  );
  const r = await iam(s, 'ListUsers', {}, bob);
  assert.equal(
    message(r.body),
    `User: arn:aws:iam::${account}:user/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ with an explicit deny in an identity-based policy`,
  );
  assert.equal((await iam(s, 'ListRoles', {}, bob)).status, 200);
  await ok(iam(s, 'DeleteUserPolicy', { UserName: 'bob', PolicyName: 'mixed' }));
});

test("policies reach users through groups and managed policies, AWS's included", async () => {
  await ok(iam(s, 'CreateGroup', { GroupName: 'readers' }));
  await ok(
    iam(s, 'AttachGroupPolicy', { GroupName: 'readers', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }),
  );
  assert.equal(errorCode(await iam(s, 'ListGroups', {}, bob)), 'AccessDenied');
  await ok(iam(s, 'AddUserToGroup', { GroupName: 'readers', UserName: 'bob' }));
  assert.equal((await iam(s, 'ListGroups', {}, bob)).status, 200);
  assert.equal(errorCode(await iam(s, 'CreateGroup', { GroupName: 'x' }, bob)), 'AccessDenied');
  await ok(
    iam(s, 'PutGroupPolicy', {
      GroupName: 'readers',
      PolicyName: 'no-users',
      PolicyDocument: policy(deny('iam:ListUsers')),
    }),
  );
  assert.match(
    message((await iam(s, 'ListUsers', {}, bob)).body)!,
    /with an explicit deny in an identity-based policy$/,
  );
  await ok(iam(s, 'RemoveUserFromGroup', { GroupName: 'readers', UserName: 'bob' }));
  assert.equal(errorCode(await iam(s, 'ListGroups', {}, bob)), 'AccessDenied');
});

test("resources carry paths and policy variables resolve: self-service on one's own user", async () => {
  await ok(iam(s, 'CreateUser', { UserName: 'carol', Path: '/staff/' }));
  const carol = await createUserKey('carol');
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'carol',
      PolicyName: 'self',
      PolicyDocument: policy(allow(['iam:GetUser', 'iam:ListAccessKeys'], 'arn:aws:iam::*:user/staff/${aws:username}')),
    }),
  );
  assert.equal((await iam(s, 'GetUser', {}, carol)).status, 200);
  assert.equal((await iam(s, 'ListAccessKeys', { UserName: 'carol' }, carol)).status, 200);
  const other = await iam(s, 'GetUser', { UserName: 'bob' }, carol);
  assert.equal(
    message(other.body),
    `User: arn:aws:iam::${account}:user/staff/carol is not authorized to perform: iam:GetUser on resource: arn:aws:iam::${account}:user/bob because no identity-based policy allows the iam:GetUser action`,
  );
});

test('conditions see the request: aws:SourceIp and aws:RequestTag', async () => {
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'bob',
      PolicyName: 'cond',
      PolicyDocument: policy(
        allow('iam:ListPolicies', '*', { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }),
        allow('iam:ListRoles', '*', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
        allow('iam:CreateRole', '*', { StringEquals: { 'aws:RequestTag/team': 'blue' } }),
      ),
    }),
  );
  assert.equal((await iam(s, 'ListPolicies', {}, bob)).status, 200);
  assert.equal(errorCode(await iam(s, 'ListRoles', {}, bob)), 'AccessDenied');
  const trustDoc = policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' });
  assert.equal(
    errorCode(await iam(s, 'CreateRole', { RoleName: 'tagged', AssumeRolePolicyDocument: trustDoc }, bob)),
    'AccessDenied',
  );
  const r = await iam(
    s,
    'CreateRole',
    {
      RoleName: 'tagged',
      AssumeRolePolicyDocument: trustDoc,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'blue',
    },
    bob,
  );
  assert.equal(r.status, 200, r.body);
  await ok(iam(s, 'DeleteUserPolicy', { UserName: 'bob', PolicyName: 'cond' }));
});

test('GetSessionToken credentials: IAM refuses them without MFA; of STS only AssumeRole and GetCallerIdentity', async () => {
  await ok(iam(s, 'PutUserPolicy', { UserName: 'bob', PolicyName: 'all', PolicyDocument: policy(allow('*')) }));
  const session = await sessionFor(s, bob);
  assert.equal(errorCode(await iam(s, 'ListRoles', {}, session)), 'InvalidClientTokenId');
  const decode = await call(s, 'DecodeAuthorizationMessage', { EncodedMessage: 'x' }, session);
  assert.equal(errorCode(decode), 'AccessDenied');
  assert.equal(message(decode.body), 'Cannot call DecodeAuthorizationMessage with session credentials');
  assert.equal((await call(s, 'GetCallerIdentity', {}, session)).status, 200);
  await ok(iam(s, 'DeleteUserPolicy', { UserName: 'bob', PolicyName: 'all' }));
});

test('DecodeAuthorizationMessage reveals the details to callers allowed to decode', async () => {
  const refused = await iam(s, 'ListUsers', { PathPrefix: '/x/' }, bob);
  const encoded = xmlText(refused.body, 'EncodedAuthorizationMessage')!;
  const notAllowed = await call(s, 'DecodeAuthorizationMessage', { EncodedMessage: encoded }, bob);
  assert.equal(
    message(notAllowed.body),
    `User: arn:aws:iam::${account}:user/bob is not authorized to perform: sts:DecodeAuthorizationMessage on resource: * because no identity-based policy allows the sts:DecodeAuthorizationMessage action`,
  );
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'bob',
      PolicyName: 'decode',
      PolicyDocument: policy(allow('sts:DecodeAuthorizationMessage')),
    }),
  );
  const r = await call(s, 'DecodeAuthorizationMessage', { EncodedMessage: encoded }, bob);
  assert.equal(r.status, 200, r.body);
  const decoded = JSON.parse(xmlText(r.body, 'DecodedMessage')!);
  assert.equal(decoded.allowed, false);
  assert.equal(decoded.explicitDeny, false);
  assert.deepEqual(decoded.context.principal, {
    id: xmlText((await call(s, 'GetCallerIdentity', {}, bob)).body, 'UserId'),
    name: 'bob',
    arn: `arn:aws:iam::${account}:user/bob`,
  });
  assert.equal(decoded.context.action, 'iam:ListUsers');
  assert.equal(decoded.context.resource, `arn:aws:iam::${account}:user/`);
  const keys = decoded.context.conditions.items.map((i: { key: string }) => i.key);
  assert.ok(
    keys.includes('aws:SourceIp') && keys.includes('aws:CurrentTime') && keys.includes('aws:username'),
    keys.join(),
  );
  const root = await call(s, 'DecodeAuthorizationMessage', { EncodedMessage: encoded }, s.root);
  assert.equal(root.status, 200);
  const forged = await call(
    s,
    'DecodeAuthorizationMessage',
    { EncodedMessage: encoded.slice(0, -2) + (encoded.endsWith('AA') ? 'BB' : 'AA') },
    bob,
  );
  assert.equal(forged.status, 400);
  assert.equal(errorCode(forged), 'InvalidAuthorizationMessageException');
});

test('the root may do everything but assume a role', async () => {
  assert.equal((await iam(s, 'ListRoles', {})).status, 200);
  const r = await call(
    s,
    'AssumeRole',
    { RoleArn: `arn:aws:iam::${account}:role/tagged`, RoleSessionName: 'root' },
    s.root,
  );
  assert.equal(r.status, 403);
  assert.equal(message(r.body), 'Roles may not be assumed by root accounts.');
});

async function createUserKey(userName: string): Promise<Credentials> {
  const k = await ok(iam(s, 'CreateAccessKey', { UserName: userName }));
  return { accessKeyId: xmlText(k.body, 'AccessKeyId')!, secretAccessKey: xmlText(k.body, 'SecretAccessKey')! };
}
