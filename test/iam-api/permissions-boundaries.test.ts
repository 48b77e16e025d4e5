/**
 * Permissions boundaries over raw HTTP: Put/Get/Delete round trips with the exact XML, the checks on the boundary
 * policy, GetPolicy's usage count and DeletePolicy's conflict, and the boundary limiting a user, its AssumeRole, a
 * role session and a federated user, with AWS's messages; and the delegation pattern on iam:PermissionsBoundary
 * (creating users, setting and removing boundaries, changing the permissions of users under a boundary).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, xmlText, type RawReply } from '../helpers/query.js';
import {
  accountOf,
  allow,
  allowed,
  assumeRole,
  assumed,
  createRole,
  credentialsOf,
  deny,
  iam,
  ok,
  policy,
  trust,
} from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);

const refusal = (r: RawReply) => [r.status, errorCode(r), xmlText(r.body, 'Message')];
const requestId = (r: RawReply) => r.headers.get('x-amzn-requestid');
const boundaryXml = (arn: string) =>
  `<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType><PermissionsBoundaryArn>${arn}</PermissionsBoundaryArn></PermissionsBoundary>`;

async function createPolicy(name: string, document: string): Promise<string> {
  return xmlText((await ok(iam(s, 'CreatePolicy', { PolicyName: name, PolicyDocument: document }))).body, 'Arn')!;
}

describe('managing boundaries', () => {
  test('CreateUser with a boundary, GetUser, Put and Delete round trips with the exact XML; lists leave it out', async () => {
    const first = await createPolicy('FirstBoundary', policy(allow('iam:ListRoles')));
    const created = await ok(iam(s, 'CreateUser', { UserName: 'bounded', PermissionsBoundary: first }));
    const userId = xmlText(created.body, 'UserId')!;
    const date = xmlText(created.body, 'CreateDate')!;
    const userXml = (boundary: string) =>
      `<User><Path>/</Path><UserName>bounded</UserName><UserId>${userId}</UserId>` +
      `<Arn>arn:aws:iam::${account}:user/bounded</Arn><CreateDate>${date}</CreateDate>${boundary}</User>`;
    assert.equal(
      created.body,
      '<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult>' +
        `${userXml(boundaryXml(first))}</CreateUserResult><ResponseMetadata><RequestId>${requestId(created)}</RequestId></ResponseMetadata></CreateUserResponse>`,
    );

    const put = await ok(
      iam(s, 'PutUserPermissionsBoundary', {
        UserName: 'BOUNDED',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
      }),
    );
    assert.equal(
      put.body,
      '<PutUserPermissionsBoundaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        `<ResponseMetadata><RequestId>${requestId(put)}</RequestId></ResponseMetadata></PutUserPermissionsBoundaryResponse>`,
    );
    const got = await ok(iam(s, 'GetUser', { UserName: 'bounded' }));
    assert.equal(
      got.body,
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>' +
        `${userXml(boundaryXml('arn:aws:iam::aws:policy/IAMReadOnlyAccess'))}</GetUserResult>` +
        `<ResponseMetadata><RequestId>${requestId(got)}</RequestId></ResponseMetadata></GetUserResponse>`,
    );
    assert.doesNotMatch(
      (await ok(iam(s, 'ListUsers', {}))).body,
      /PermissionsBoundary/,
      'ListUsers leaves it out, as AWS does',
    );

    const del = await ok(iam(s, 'DeleteUserPermissionsBoundary', { UserName: 'bounded' }));
    assert.equal(
      del.body,
      '<DeleteUserPermissionsBoundaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        `<ResponseMetadata><RequestId>${requestId(del)}</RequestId></ResponseMetadata></DeleteUserPermissionsBoundaryResponse>`,
    );
    const gone = await ok(iam(s, 'GetUser', { UserName: 'bounded' }));
    assert.equal(
      gone.body,
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>' +
        `${userXml('')}</GetUserResult><ResponseMetadata><RequestId>${requestId(gone)}</RequestId></ResponseMetadata></GetUserResponse>`,
    );
  });

  test('roles: CreateRole with a boundary, GetRole shows it, ListRoles does not, Put and Delete change it', async () => {
    const b = await createPolicy('RoleBoundary', policy(allow('iam:ListRoles')));
    const created = await ok(
      iam(s, 'CreateRole', {
        RoleName: 'capped',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
        PermissionsBoundary: b,
      }),
    );
    assert.ok(
      // CreateRole sends no MaxSessionDuration (LocalStack's recorded test_create_describe_role snapshot).
      created.body.includes(`</AssumeRolePolicyDocument>${boundaryXml(b)}</Role>`),
      created.body,
    );
    assert.ok(
      (await ok(iam(s, 'GetRole', { RoleName: 'capped' }))).body.includes(
        `</MaxSessionDuration>${boundaryXml(b)}<RoleLastUsed></RoleLastUsed></Role>`,
      ),
    );
    assert.doesNotMatch((await ok(iam(s, 'ListRoles', {}))).body, /PermissionsBoundary/);
    await ok(
      iam(s, 'PutRolePermissionsBoundary', {
        RoleName: 'capped',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
      }),
    );
    assert.ok(
      (await ok(iam(s, 'GetRole', { RoleName: 'capped' }))).body.includes(
        boundaryXml('arn:aws:iam::aws:policy/IAMReadOnlyAccess'),
      ),
    );
    await ok(iam(s, 'DeleteRolePermissionsBoundary', { RoleName: 'capped' }));
    assert.doesNotMatch((await ok(iam(s, 'GetRole', { RoleName: 'capped' }))).body, /PermissionsBoundary/);
  });

  test('bad boundaries and missing entities get AWS errors, and nothing is created', async () => {
    const ghost = `arn:aws:iam::${account}:policy/Ghost`;
    assert.deepEqual(refusal(await iam(s, 'CreateUser', { UserName: 'nope', PermissionsBoundary: ghost })), [
      404,
      'NoSuchEntity',
      `Scope ARN: ${ghost} does not exist or is not attachable.`,
    ]);
    assert.equal((await iam(s, 'GetUser', { UserName: 'nope' })).status, 404);
    assert.deepEqual(
      refusal(
        await iam(s, 'CreateRole', {
          RoleName: 'nope',
          AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
          PermissionsBoundary: 'arn:aws:s3:::not-a-policy',
        }),
      ),
      [400, 'InvalidInput', 'ARN arn:aws:s3:::not-a-policy is not valid.'],
    );
    assert.equal((await iam(s, 'GetRole', { RoleName: 'nope' })).status, 404);
    const foreign = 'arn:aws:iam::999999999999:policy/Theirs';
    await ok(iam(s, 'CreateUser', { UserName: 'plain' }));
    assert.deepEqual(
      refusal(await iam(s, 'PutUserPermissionsBoundary', { UserName: 'plain', PermissionsBoundary: foreign })),
      [404, 'NoSuchEntity', `Scope ARN: ${foreign} does not exist or is not attachable.`],
    );
    assert.deepEqual(
      refusal(
        await iam(s, 'PutUserPermissionsBoundary', {
          UserName: 'ghost',
          PermissionsBoundary: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
        }),
      ),
      [404, 'NoSuchEntity', 'The user with name ghost cannot be found.'],
    );
    assert.deepEqual(refusal(await iam(s, 'DeleteRolePermissionsBoundary', { RoleName: 'ghost' })), [
      404,
      'NoSuchEntity',
      'The role with name ghost cannot be found.',
    ]);
    const missing = await iam(s, 'PutRolePermissionsBoundary', { RoleName: 'capped' });
    assert.deepEqual([missing.status, errorCode(missing)], [400, 'ValidationError']);
    const short = await iam(s, 'PutUserPermissionsBoundary', { UserName: 'plain', PermissionsBoundary: 'arn:x' });
    assert.deepEqual([short.status, errorCode(short)], [400, 'ValidationError']);
  });

  test('GetPolicy counts boundary uses apart from attachments; DeletePolicy refuses while the policy is a boundary', async () => {
    const arn = await createPolicy('Counted', policy(allow('iam:ListRoles')));
    await ok(iam(s, 'CreateUser', { UserName: 'counted-user', PermissionsBoundary: arn }));
    await ok(
      iam(s, 'CreateRole', {
        RoleName: 'counted-role',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
        PermissionsBoundary: arn,
      }),
    );
    const got = (await ok(iam(s, 'GetPolicy', { PolicyArn: arn }))).body;
    assert.ok(
      got.includes(
        '<AttachmentCount>0</AttachmentCount><PermissionsBoundaryUsageCount>2</PermissionsBoundaryUsageCount>',
      ),
      got,
    );
    assert.deepEqual(refusal(await iam(s, 'DeletePolicy', { PolicyArn: arn })), [
      409,
      'DeleteConflict',
      'Cannot delete a policy attached to entities.',
    ]);
    // A boundary does not keep its user or role from being deleted.
    await ok(iam(s, 'DeleteRole', { RoleName: 'counted-role' }));
    assert.equal(
      xmlText((await ok(iam(s, 'GetPolicy', { PolicyArn: arn }))).body, 'PermissionsBoundaryUsageCount'),
      '1',
    );
    assert.equal(errorCode(await iam(s, 'DeletePolicy', { PolicyArn: arn })), 'DeleteConflict');
    await ok(iam(s, 'DeleteUserPermissionsBoundary', { UserName: 'counted-user' }));
    await ok(iam(s, 'DeletePolicy', { PolicyArn: arn }));
  });
});

describe('enforcement', () => {
  test("a boundary limits a user: AWS's messages, policy changes and removal apply on the next request", async () => {
    const carl = await createUserWithKey(s, 'carl');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'carl',
        PolicyName: 'all',
        PolicyDocument: policy(allow(['iam:*', 'sts:*'])),
      }),
    );
    assert.equal((await iam(s, 'ListUsers', {}, carl)).status, 200);
    const b = await createPolicy(
      'CarlBoundary',
      policy(allow(['iam:ListRoles', 'iam:ListGroups']), deny('iam:ListGroups')),
    );
    await ok(iam(s, 'PutUserPermissionsBoundary', { UserName: 'carl', PermissionsBoundary: b }));
    assert.equal((await iam(s, 'ListRoles', {}, carl)).status, 200);
    assert.deepEqual(refusal(await iam(s, 'ListUsers', {}, carl)), [
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:user/carl is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ because no permissions boundary allows the iam:ListUsers action`,
    ]);
    assert.deepEqual(refusal(await iam(s, 'ListGroups', {}, carl)), [
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:user/carl is not authorized to perform: iam:ListGroups on resource: arn:aws:iam::${account}:group/ with an explicit deny in a permissions boundary`,
    ]);
    // The boundary allows what the identity policies do not: still refused, for want of an identity-based policy.
    await ok(iam(s, 'PutUserPolicy', { UserName: 'carl', PolicyName: 'all', PolicyDocument: policy(allow('sts:*')) }));
    assert.match(
      xmlText((await iam(s, 'ListRoles', {}, carl)).body, 'Message')!,
      /because no identity-based policy allows the iam:ListRoles action$/,
    );
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'carl',
        PolicyName: 'all',
        PolicyDocument: policy(allow(['iam:*', 'sts:*'])),
      }),
    );
    await ok(
      iam(s, 'CreatePolicyVersion', {
        PolicyArn: b,
        PolicyDocument: policy(allow(['iam:ListRoles', 'iam:ListUsers'])),
        SetAsDefault: 'true',
      }),
    );
    assert.equal(
      (await iam(s, 'ListUsers', {}, carl)).status,
      200,
      'a new default version of the boundary applies at once',
    );
    assert.equal(errorCode(await iam(s, 'GetUser', {}, carl)), 'AccessDenied');
    await ok(iam(s, 'DeleteUserPermissionsBoundary', { UserName: 'carl' }));
    assert.equal(
      (await iam(s, 'GetUser', {}, carl)).status,
      200,
      'without the boundary, the identity policies alone decide',
    );
  });

  test("AssumeRole: the user's boundary must allow sts:AssumeRole too; the role session is limited by the role's boundary", async () => {
    const dora = await createUserWithKey(s, 'dora');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'dora',
        PolicyName: 'assume',
        PolicyDocument: policy(allow('sts:AssumeRole')),
      }),
    );
    const noAssume = await createPolicy('NoAssume', policy(allow('iam:ListRoles')));
    await ok(iam(s, 'PutUserPermissionsBoundary', { UserName: 'dora', PermissionsBoundary: noAssume }));
    const readOnly = await createPolicy('ListRolesOnly', policy(allow('iam:ListRoles')));
    const worker = await createRole(s, 'worker', trust(`arn:aws:iam::${account}:root`), {
      PermissionsBoundary: readOnly,
    });
    await ok(
      iam(s, 'PutRolePolicy', { RoleName: 'worker', PolicyName: 'all', PolicyDocument: policy(allow('iam:*')) }),
    );
    assert.deepEqual(refusal(await assumeRole(s, dora, worker)), [
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:user/dora is not authorized to perform: sts:AssumeRole on resource: ${worker}`,
    ]);
    await ok(
      iam(s, 'CreatePolicyVersion', {
        PolicyArn: noAssume,
        PolicyDocument: policy(allow('sts:AssumeRole')),
        SetAsDefault: 'true',
      }),
    );
    const session = await assumed(s, dora, worker);

    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 200);
    assert.deepEqual(refusal(await iam(s, 'ListUsers', {}, session)), [
      403,
      'AccessDenied',
      `User: arn:aws:sts::${account}:assumed-role/worker/test-session is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ because no permissions boundary allows the iam:ListUsers action`,
    ]);
    await ok(iam(s, 'DeleteRolePermissionsBoundary', { RoleName: 'worker' }));
    assert.equal(
      (await iam(s, 'ListUsers', {}, session)).status,
      200,
      'the session sees the role without its boundary at once',
    );
    await ok(iam(s, 'PutRolePermissionsBoundary', { RoleName: 'worker', PermissionsBoundary: readOnly }));
    assert.equal(errorCode(await iam(s, 'ListUsers', {}, session)), 'AccessDenied');
  });

  test("a federated user is limited by its federating user's boundary", async () => {
    const erin = await createUserWithKey(s, 'erin');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'erin',
        PolicyName: 'fed',
        PolicyDocument: policy(allow(['sts:GetFederationToken', 's3:*'])),
      }),
    );
    const b = await createPolicy(
      'FedBoundary',
      policy(allow('sts:GetFederationToken', `arn:aws:sts::${account}:federated-user/partner`), allow('s3:GetObject')),
    );
    await ok(iam(s, 'PutUserPermissionsBoundary', { UserName: 'erin', PermissionsBoundary: b }));
    assert.match(
      xmlText((await call(s, 'GetFederationToken', { Name: 'other' }, erin)).body, 'Message')!,
      /because no permissions boundary allows the sts:GetFederationToken action$/,
    );
    const r = await ok(call(s, 'GetFederationToken', { Name: 'partner', Policy: policy(allow('s3:*')) }, erin));
    const fed = credentialsOf(r.body);
    assert.equal(await allowed(s, fed, 's3:GetObject', 'arn:aws:s3:::shared/x'), true);
    assert.equal(
      await allowed(s, fed, 's3:PutObject', 'arn:aws:s3:::shared/x'),
      `User: arn:aws:sts::${account}:federated-user/partner is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::shared/x because no permissions boundary allows the s3:PutObject action`,
    );
  });

  test('the root has no boundary to respect', async () => {
    assert.equal((await iam(s, 'ListUsers', {})).status, 200);
  });
});

describe('delegation with iam:PermissionsBoundary', () => {
  test('an administrator allowed to create users only with a given boundary can do just that', async () => {
    const required = await createPolicy('DelegatedBoundary', policy(allow('iam:ListRoles')));
    const other = await createPolicy('OtherBoundary', policy(allow('iam:*')));
    const onlyWithBoundary = { StringEquals: { 'iam:PermissionsBoundary': required } };
    const admin = await createUserWithKey(s, 'delegate');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'delegate',
        PolicyName: 'delegation',
        PolicyDocument: policy(
          allow(
            ['iam:CreateUser', 'iam:PutUserPermissionsBoundary', 'iam:AttachUserPolicy', 'iam:PutUserPolicy'],
            `arn:aws:iam::${account}:user/*`,
            onlyWithBoundary,
          ),
          allow('iam:DeleteUserPermissionsBoundary', `arn:aws:iam::${account}:user/*`, {
            StringNotEquals: { 'iam:PermissionsBoundary': required },
          }),
        ),
      }),
    );
    assert.deepEqual(refusal(await iam(s, 'CreateUser', { UserName: 'free' }, admin)), [
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:user/delegate is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${account}:user/free because no identity-based policy allows the iam:CreateUser action`,
    ]);
    assert.equal(
      errorCode(await iam(s, 'CreateUser', { UserName: 'free', PermissionsBoundary: other }, admin)),
      'AccessDenied',
    );
    await ok(iam(s, 'CreateUser', { UserName: 'managed', PermissionsBoundary: required }, admin));
    assert.equal(
      xmlText((await ok(iam(s, 'GetUser', { UserName: 'managed' }))).body, 'PermissionsBoundaryArn'),
      required,
    );
    // Changes to a user's permissions carry its current boundary: only users under the required one.
    const admins = 'arn:aws:iam::aws:policy/AdministratorAccess';
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'managed', PolicyArn: admins }, admin));
    await ok(
      iam(s, 'PutUserPolicy', { UserName: 'managed', PolicyName: 'p', PolicyDocument: policy(allow('iam:*')) }, admin),
    );
    await ok(iam(s, 'CreateUser', { UserName: 'unbounded' }));
    assert.equal(
      errorCode(await iam(s, 'AttachUserPolicy', { UserName: 'unbounded', PolicyArn: admins }, admin)),
      'AccessDenied',
    );
    assert.equal(
      errorCode(
        await iam(
          s,
          'PutUserPolicy',
          { UserName: 'unbounded', PolicyName: 'p', PolicyDocument: policy(allow('iam:*')) },
          admin,
        ),
      ),
      'AccessDenied',
    );
    assert.equal(
      errorCode(await iam(s, 'AttachUserPolicy', { UserName: 'delegate', PolicyArn: admins }, admin)),
      'AccessDenied',
      'not even to itself',
    );
    assert.equal(
      errorCode(await iam(s, 'PutUserPermissionsBoundary', { UserName: 'managed', PermissionsBoundary: other }, admin)),
      'AccessDenied',
    );
    await ok(iam(s, 'PutUserPermissionsBoundary', { UserName: 'managed', PermissionsBoundary: required }, admin));
    // The key is the boundary being removed: the required one may not be.
    assert.equal(
      errorCode(await iam(s, 'DeleteUserPermissionsBoundary', { UserName: 'managed' }, admin)),
      'AccessDenied',
    );
    await ok(iam(s, 'PutUserPermissionsBoundary', { UserName: 'managed', PermissionsBoundary: other }));
    await ok(iam(s, 'DeleteUserPermissionsBoundary', { UserName: 'managed' }, admin));
  });
});
