/** IAM roles, groups, inline and managed policies and tags over raw HTTP: exact wire output and AWS's errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { accountOf, allow, createRole, iam, ok, policy, trust } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);
await createUserWithKey(s, 'alice');

const message = (body: string) => xmlText(body, 'Message');
/** RFC 3986 percent-encoding, as IAM returns policy documents. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const members = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

describe('roles', () => {
  test('CreateRole answers the Role with its trust policy URL-encoded', async () => {
    const doc = trust(`arn:aws:iam::${account}:user/alice`);
    const r = await ok(
      iam(s, 'CreateRole', {
        RoleName: 'reader',
        Path: '/team/',
        AssumeRolePolicyDocument: doc,
        Description: 'Reads things',
      }),
    );
    const roleId = xmlText(r.body, 'RoleId')!;
    assert.match(roleId, /^AROA[A-Z2-7]{17}$/);
    const requestId = r.headers.get('x-amzn-requestid');
    const created = xmlText(r.body, 'CreateDate')!;
    assert.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(
      r.body,
      '<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role>' +
        `<Path>/team/</Path><RoleName>reader</RoleName><RoleId>${roleId}</RoleId><Arn>arn:aws:iam::${account}:role/team/reader</Arn>` +
        `<CreateDate>${created}</CreateDate><AssumeRolePolicyDocument>${rfc3986(doc)}</AssumeRolePolicyDocument>` +
        // No MaxSessionDuration in CreateRole's answer (LocalStack's recorded test_create_describe_role snapshot).
        '<Description>Reads things</Description>' +
        `</Role></CreateRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></CreateRoleResponse>`,
    );
    assert.equal(decodeURIComponent(xmlText(r.body, 'AssumeRolePolicyDocument')!), doc);
  });

  test('GetRole, ListRoles and UpdateRole', async () => {
    const got = await ok(iam(s, 'GetRole', { RoleName: 'READER' }));
    assert.equal(xmlText(got.body, 'RoleName'), 'reader');
    assert.match(got.body, /<RoleLastUsed><\/RoleLastUsed><\/Role>/);
    await ok(iam(s, 'UpdateRole', { RoleName: 'reader', MaxSessionDuration: 7200, Description: 'Reads more' }));
    const after = await ok(iam(s, 'GetRole', { RoleName: 'reader' }));
    assert.equal(xmlText(after.body, 'MaxSessionDuration'), '7200');
    assert.equal(xmlText(after.body, 'Description'), 'Reads more');
    const list = await ok(iam(s, 'ListRoles', { PathPrefix: '/team/' }));
    assert.deepEqual(members(list.body, 'RoleName'), ['reader']);
    assert.equal(xmlText(list.body, 'IsTruncated'), 'false');
  });

  test('UpdateRole keeps MaxSessionDuration within 3600..43200', async () => {
    const r = await iam(s, 'UpdateRole', { RoleName: 'reader', MaxSessionDuration: 43201 });
    assert.equal(r.status, 400);
    assert.equal(
      message(r.body),
      "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  test('role names are unique regardless of case; unknown roles are NoSuchEntity', async () => {
    const r = await iam(s, 'CreateRole', { RoleName: 'Reader', AssumeRolePolicyDocument: trust(account) });
    assert.equal(r.status, 409);
    assert.equal(errorCode(r), 'EntityAlreadyExists');
    assert.equal(message(r.body), 'Role with name Reader already exists.');
    const missing = await iam(s, 'GetRole', { RoleName: 'ghost' });
    assert.equal(missing.status, 404);
    assert.equal(message(missing.body), 'The role with name ghost cannot be found.');
  });

  test("trust policies are validated with AWS's messages", async () => {
    const bad = async (doc: string, expected: string) => {
      const r = await iam(s, 'CreateRole', { RoleName: 'bad', AssumeRolePolicyDocument: doc });
      assert.equal(errorCode(r), 'MalformedPolicyDocument', r.body);
      assert.equal(message(r.body), expected);
    };
    await bad('{', 'This policy contains invalid Json');
    await bad(
      policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 's3:GetObject' }),
      'AssumeRole policy may only specify STS AssumeRole actions.',
    );
    await bad(policy({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'Missing required field Principal');
    await bad(
      trust(`arn:aws:iam::${account}:user/nobody`),
      `Invalid principal in policy: "AWS":"arn:aws:iam::${account}:user/nobody"`,
    );
    const update = await iam(s, 'UpdateAssumeRolePolicy', { RoleName: 'reader', PolicyDocument: '[]' });
    assert.equal(errorCode(update), 'MalformedPolicyDocument');
    await ok(iam(s, 'UpdateAssumeRolePolicy', { RoleName: 'reader', PolicyDocument: trust(account) }));
    const got = await ok(iam(s, 'GetRole', { RoleName: 'reader' }));
    assert.equal(decodeURIComponent(xmlText(got.body, 'AssumeRolePolicyDocument')!), trust(account));
  });

  test('tags: TagRole, ListRoleTags, UntagRole; keys are case-insensitive', async () => {
    await ok(
      iam(s, 'TagRole', {
        RoleName: 'reader',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'blue',
        'Tags.member.2.Key': 'cost',
        'Tags.member.2.Value': '7',
      }),
    );
    await ok(iam(s, 'TagRole', { RoleName: 'reader', 'Tags.member.1.Key': 'Team', 'Tags.member.1.Value': 'red' }));
    const list = await ok(iam(s, 'ListRoleTags', { RoleName: 'reader' }));
    // A re-tagged key takes the new spelling and moves to the end.
    assert.match(
      list.body,
      /<Tags><member><Key>cost<\/Key><Value>7<\/Value><\/member><member><Key>Team<\/Key><Value>red<\/Value><\/member><\/Tags>/,
    );
    const dup = await iam(s, 'TagRole', {
      RoleName: 'reader',
      'Tags.member.1.Key': 'a',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'A',
      'Tags.member.2.Value': '2',
    });
    assert.equal(errorCode(dup), 'InvalidInput');
    assert.equal(message(dup.body), 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    await ok(iam(s, 'UntagRole', { RoleName: 'reader', 'TagKeys.member.1': 'TEAM' }));
    assert.deepEqual(members((await ok(iam(s, 'ListRoleTags', { RoleName: 'reader' }))).body, 'Key'), ['cost']);
  });

  test('user tags: TagUser, ListUserTags, UntagUser', async () => {
    await ok(iam(s, 'TagUser', { UserName: 'alice', 'Tags.member.1.Key': 'dept', 'Tags.member.1.Value': 'ops' }));
    assert.deepEqual(members((await ok(iam(s, 'ListUserTags', { UserName: 'alice' }))).body, 'Value'), ['ops']);
    await ok(iam(s, 'UntagUser', { UserName: 'alice', 'TagKeys.member.1': 'dept' }));
    assert.match((await ok(iam(s, 'ListUserTags', { UserName: 'alice' }))).body, /<Tags><\/Tags>/);
  });

  test('DeleteRole refuses while policies remain', async () => {
    await createRole(s, 'temp', trust(account));
    await ok(
      iam(s, 'PutRolePolicy', { RoleName: 'temp', PolicyName: 'p', PolicyDocument: policy(allow('iam:ListUsers')) }),
    );
    const r = await iam(s, 'DeleteRole', { RoleName: 'temp' });
    assert.equal(r.status, 409);
    assert.equal(message(r.body), 'Cannot delete entity, must delete policies first.');
    await ok(iam(s, 'DeleteRolePolicy', { RoleName: 'temp', PolicyName: 'p' }));
    await ok(iam(s, 'AttachRolePolicy', { RoleName: 'temp', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    assert.equal(
      message((await iam(s, 'DeleteRole', { RoleName: 'temp' })).body),
      'Cannot delete entity, must detach all policies first.',
    );
    await ok(iam(s, 'DetachRolePolicy', { RoleName: 'temp', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await ok(iam(s, 'DeleteRole', { RoleName: 'temp' }));
    assert.equal((await iam(s, 'GetRole', { RoleName: 'temp' })).status, 404);
  });
});

describe('inline policies', () => {
  const doc = policy(allow(['iam:ListUsers', 'iam:GetUser']));
  for (const [kind, create] of [
    ['User', () => iam(s, 'CreateUser', { UserName: 'inline-user' })],
    ['Group', () => iam(s, 'CreateGroup', { GroupName: 'inline-group' })],
    ['Role', () => iam(s, 'CreateRole', { RoleName: 'inline-role', AssumeRolePolicyDocument: trust(account) })],
  ] as const) {
    const owner = `inline-${kind.toLowerCase()}`;
    const name = { [`${kind}Name`]: owner };
    test(`Put/Get/List/Delete${kind}Policy`, async () => {
      await ok(create());
      await ok(iam(s, `Put${kind}Policy`, { ...name, PolicyName: 'ListThem', PolicyDocument: doc }));
      await ok(iam(s, `Put${kind}Policy`, { ...name, PolicyName: 'other', PolicyDocument: doc }));
      const got = await ok(iam(s, `Get${kind}Policy`, { ...name, PolicyName: 'listthem' }));
      assert.equal(xmlText(got.body, `${kind}Name`), owner);
      assert.equal(xmlText(got.body, 'PolicyName'), 'ListThem');
      assert.equal(xmlText(got.body, 'PolicyDocument'), rfc3986(doc));
      assert.deepEqual(members((await ok(iam(s, `List${kind}Policies`, name))).body, 'member'), ['ListThem', 'other']);
      await ok(iam(s, `Delete${kind}Policy`, { ...name, PolicyName: 'other' }));
      const gone = await iam(s, `Get${kind}Policy`, { ...name, PolicyName: 'other' });
      assert.equal(gone.status, 404);
      assert.equal(message(gone.body), `The ${kind.toLowerCase()} policy with name other cannot be found.`);
      const malformed = await iam(s, `Put${kind}Policy`, {
        ...name,
        PolicyName: 'x',
        PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:*' }] }),
      });
      assert.equal(errorCode(malformed), 'MalformedPolicyDocument');
      assert.equal(message(malformed.body), 'Policy statement must contain resources.');
    });
  }

  test('inline user policies are limited to 2,048 characters without whitespace', async () => {
    const big = policy(allow(Array.from({ length: 150 }, (_, i) => `iam:GetUser${i}`)));
    const r = await iam(s, 'PutUserPolicy', { UserName: 'inline-user', PolicyName: 'big', PolicyDocument: big });
    assert.equal(errorCode(r), 'LimitExceeded');
    assert.equal(message(r.body), 'Maximum policy size of 2048 bytes exceeded for user inline-user');
    await ok(iam(s, 'PutRolePolicy', { RoleName: 'inline-role', PolicyName: 'big', PolicyDocument: big }));
  });

  test('a policy owner that does not exist', async () => {
    const r = await iam(s, 'PutUserPolicy', { UserName: 'nobody', PolicyName: 'p', PolicyDocument: doc });
    assert.equal(r.status, 404);
    assert.equal(message(r.body), 'The user with name nobody cannot be found.');
  });
});

describe('managed policies', () => {
  let arn: string;
  const v1 = policy(allow('iam:ListRoles'));
  const v2 = policy(allow(['iam:ListRoles', 'iam:GetRole']));

  test('CreatePolicy, GetPolicy, GetPolicyVersion', async () => {
    const r = await ok(
      iam(s, 'CreatePolicy', {
        PolicyName: 'RoleReader',
        Path: '/ops/',
        PolicyDocument: v1,
        Description: 'read roles',
      }),
    );
    arn = xmlText(r.body, 'Arn')!;
    assert.equal(arn, `arn:aws:iam::${account}:policy/ops/RoleReader`);
    assert.match(xmlText(r.body, 'PolicyId')!, /^ANPA[A-Z2-7]{17}$/);
    assert.equal(xmlText(r.body, 'DefaultVersionId'), 'v1');
    assert.equal(xmlText(r.body, 'AttachmentCount'), '0');
    assert.equal(xmlText(r.body, 'IsAttachable'), 'true');
    const got = await ok(iam(s, 'GetPolicy', { PolicyArn: arn }));
    assert.equal(xmlText(got.body, 'Description'), 'read roles');
    const version = await ok(iam(s, 'GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' }));
    assert.equal(xmlText(version.body, 'Document'), rfc3986(v1));
    assert.equal(xmlText(version.body, 'IsDefaultVersion'), 'true');
    const dup = await iam(s, 'CreatePolicy', { PolicyName: 'rolereader', PolicyDocument: v1 });
    assert.equal(errorCode(dup), 'EntityAlreadyExists');
    assert.equal(message(dup.body), 'A policy called rolereader already exists. Duplicate names are not allowed.');
  });

  test('CreatePolicyVersion, at most five versions, SetAsDefault', async () => {
    const r = await ok(iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: v2, SetAsDefault: 'true' }));
    assert.equal(xmlText(r.body, 'VersionId'), 'v2');
    assert.equal(xmlText(r.body, 'IsDefaultVersion'), 'true');
    assert.equal(xmlText((await ok(iam(s, 'GetPolicy', { PolicyArn: arn }))).body, 'DefaultVersionId'), 'v2');
    for (let i = 0; i < 3; i++) await ok(iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: v1 }));
    const full = await iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: v1 });
    assert.equal(errorCode(full), 'LimitExceeded');
    assert.equal(
      message(full.body),
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    );
    assert.deepEqual(members((await ok(iam(s, 'ListPolicyVersions', { PolicyArn: arn }))).body, 'VersionId'), [
      'v5',
      'v4',
      'v3',
      'v2',
      'v1',
    ]);
    const missing = await iam(s, 'GetPolicyVersion', { PolicyArn: arn, VersionId: 'v9' });
    assert.equal(message(missing.body), `Policy ${arn} version v9 does not exist or is not attachable.`);
    const isDefault = await iam(s, 'DeletePolicyVersion', { PolicyArn: arn, VersionId: 'v2' });
    assert.equal(message(isDefault.body), 'Cannot delete the default version of a policy.');
  });

  test('attach to users, groups and roles; AttachmentCount; DeletePolicy refuses while attached', async () => {
    await ok(iam(s, 'CreateGroup', { GroupName: 'ops' }));
    await createRole(s, 'ops-role', trust(account));
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'alice', PolicyArn: arn }));
    await ok(iam(s, 'AttachGroupPolicy', { GroupName: 'ops', PolicyArn: arn }));
    await ok(iam(s, 'AttachRolePolicy', { RoleName: 'ops-role', PolicyArn: arn }));
    await ok(iam(s, 'AttachRolePolicy', { RoleName: 'ops-role', PolicyArn: arn }));
    assert.equal(xmlText((await ok(iam(s, 'GetPolicy', { PolicyArn: arn }))).body, 'AttachmentCount'), '3');
    const listed = await ok(iam(s, 'ListAttachedRolePolicies', { RoleName: 'ops-role' }));
    assert.match(
      listed.body,
      new RegExp(
        `<AttachedPolicies><member><PolicyName>RoleReader</PolicyName><PolicyArn>${arn}</PolicyArn></member></AttachedPolicies>`,
      ),
    );
    const attachedOnly = await ok(iam(s, 'ListPolicies', { Scope: 'Local', OnlyAttached: 'true' }));
    assert.deepEqual(members(attachedOnly.body, 'PolicyName'), ['RoleReader']);
    const del = await iam(s, 'DeletePolicy', { PolicyArn: arn });
    assert.equal(errorCode(del), 'DeleteConflict');
    assert.equal(message(del.body), 'Cannot delete a policy attached to entities.');
    for (const [action, name] of [
      ['DetachUserPolicy', { UserName: 'alice' }],
      ['DetachGroupPolicy', { GroupName: 'ops' }],
      ['DetachRolePolicy', { RoleName: 'ops-role' }],
    ] as const) {
      await ok(iam(s, action, { ...name, PolicyArn: arn }));
    }
    const again = await iam(s, 'DetachUserPolicy', { UserName: 'alice', PolicyArn: arn });
    assert.equal(message(again.body), `Policy ${arn} was not found.`);
    const versions = await iam(s, 'DeletePolicy', { PolicyArn: arn });
    assert.match(message(versions.body)!, /^This policy has more than one version\./);
    for (const v of ['v1', 'v3', 'v4', 'v5']) await ok(iam(s, 'DeletePolicyVersion', { PolicyArn: arn, VersionId: v }));
    await ok(iam(s, 'DeletePolicy', { PolicyArn: arn }));
    assert.equal((await iam(s, 'GetPolicy', { PolicyArn: arn })).status, 404);
  });

  test('AWS managed policies are listed with Scope AWS and can be attached, not changed', async () => {
    const r = await ok(iam(s, 'ListPolicies', { Scope: 'AWS', PathPrefix: '/', MaxItems: 1000 }));
    for (const name of ['AdministratorAccess', 'IAMFullAccess', 'IAMReadOnlyAccess'])
      assert.ok(members(r.body, 'PolicyName').includes(name), name);
    const changed = await iam(s, 'CreatePolicyVersion', {
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      PolicyDocument: v1,
    });
    assert.equal(errorCode(changed), 'InvalidInput');
    const unknown = await iam(s, 'AttachUserPolicy', {
      UserName: 'alice',
      PolicyArn: `arn:aws:iam::${account}:policy/nope`,
    });
    assert.equal(unknown.status, 404);
    assert.equal(
      message(unknown.body),
      `Policy arn:aws:iam::${account}:policy/nope does not exist or is not attachable.`,
    );
  });
});

describe('groups', () => {
  test('CreateGroup, AddUserToGroup, GetGroup, ListGroupsForUser, RemoveUserFromGroup, DeleteGroup', async () => {
    const created = await ok(iam(s, 'CreateGroup', { GroupName: 'devs', Path: '/eng/' }));
    assert.match(xmlText(created.body, 'GroupId')!, /^AGPA[A-Z2-7]{17}$/);
    assert.equal(xmlText(created.body, 'Arn'), `arn:aws:iam::${account}:group/eng/devs`);
    await ok(iam(s, 'AddUserToGroup', { GroupName: 'devs', UserName: 'alice' }));
    await ok(iam(s, 'AddUserToGroup', { GroupName: 'devs', UserName: 'alice' }));
    const group = await ok(iam(s, 'GetGroup', { GroupName: 'devs' }));
    assert.deepEqual(members(group.body, 'UserName'), ['alice']);
    assert.deepEqual(members((await ok(iam(s, 'ListGroupsForUser', { UserName: 'alice' }))).body, 'GroupName'), [
      'devs',
    ]);
    const del = await iam(s, 'DeleteGroup', { GroupName: 'devs' });
    assert.equal(message(del.body), 'Cannot delete entity, must remove users from group first.');
    const delUser = await iam(s, 'DeleteUser', { UserName: 'alice' });
    assert.equal(errorCode(delUser), 'DeleteConflict');
    await ok(iam(s, 'RemoveUserFromGroup', { GroupName: 'devs', UserName: 'alice' }));
    await ok(iam(s, 'DeleteGroup', { GroupName: 'devs' }));
    const gone = await iam(s, 'GetGroup', { GroupName: 'devs' });
    assert.equal(message(gone.body), 'The group with name devs cannot be found.');
    const dup = await iam(s, 'CreateGroup', { GroupName: 'OPS' });
    assert.equal(message(dup.body), 'Group with name OPS already exists.');
    assert.deepEqual(members((await ok(iam(s, 'ListGroups', {}))).body, 'GroupName'), ['inline-group', 'ops']);
  });

  test('a user belongs to at most ten groups', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'joiner' }));
    for (let i = 0; i < 10; i++) {
      await ok(iam(s, 'CreateGroup', { GroupName: `g${i}` }));
      await ok(iam(s, 'AddUserToGroup', { GroupName: `g${i}`, UserName: 'joiner' }));
    }
    await ok(iam(s, 'AddUserToGroup', { GroupName: 'g3', UserName: 'joiner' }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'g10' }));
    const r = await iam(s, 'AddUserToGroup', { GroupName: 'g10', UserName: 'joiner' });
    assert.equal(r.status, 409);
    assert.equal(errorCode(r), 'LimitExceeded');
    assert.equal(message(r.body), 'Cannot exceed quota for GroupsPerUser: 10');
  });

  test('DeleteUser refuses while the user still has policies', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'holder' }));
    await ok(
      iam(s, 'PutUserPolicy', { UserName: 'holder', PolicyName: 'p', PolicyDocument: policy(allow('iam:GetUser')) }),
    );
    assert.equal(
      message((await iam(s, 'DeleteUser', { UserName: 'holder' })).body),
      'Cannot delete entity, must delete policies first.',
    );
    await ok(iam(s, 'DeleteUserPolicy', { UserName: 'holder', PolicyName: 'p' }));
    await ok(iam(s, 'DeleteUser', { UserName: 'holder' }));
  });
});
