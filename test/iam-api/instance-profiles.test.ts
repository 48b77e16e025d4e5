/**
 * Instance profiles over raw HTTP: exact wire output and AWS's errors. The shapes and messages follow LocalStack's
 * snapshots recorded against AWS (tests/aws/services/iam/test_iam_instance_profiles.snapshot.json) unless a line
 * says UNCONFIRMED.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { accountOf, allow, createRole, iam, ok, policy, type Params } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);

const message = (body: string) => xmlText(body, 'Message');
const rfc3986 = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const members = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

async function expectError(
  p: Promise<{ status: number; body: string; headers: Headers }>,
  status: number,
  code: string,
  text: string,
) {
  const r = await p;
  assert.equal(r.status, status, r.body);
  assert.equal(errorCode(r), code);
  assert.equal(message(r.body), text);
}

describe('instance profiles', () => {
  test('CreateInstanceProfile answers the profile with an empty Roles list and no Tags', async () => {
    const r = await ok(iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'web', Path: '/apps/' }));
    const id = xmlText(r.body, 'InstanceProfileId')!;
    assert.match(id, /^AIPA[A-Z2-7]{17}$/);
    const created = xmlText(r.body, 'CreateDate')!;
    assert.equal(
      r.body,
      '<CreateInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateInstanceProfileResult><InstanceProfile>' +
        `<Path>/apps/</Path><InstanceProfileName>web</InstanceProfileName><InstanceProfileId>${id}</InstanceProfileId>` +
        `<Arn>arn:aws:iam::${account}:instance-profile/apps/web</Arn><CreateDate>${created}</CreateDate><Roles></Roles>` +
        `</InstanceProfile></CreateInstanceProfileResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId>` +
        '</ResponseMetadata></CreateInstanceProfileResponse>',
    );
    await expectError(
      iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'WEB' }),
      409,
      'EntityAlreadyExists',
      'Instance Profile WEB already exists.',
    );
  });

  test('AddRoleToInstanceProfile: GetInstanceProfile then shows the role (in its short form) and the Tags list', async () => {
    const roleArn = await createRole(s, 'web-role', ec2Trust, {
      Description: 'not shown in profiles',
      MaxSessionDuration: 7200,
    });
    await ok(iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web-role' }));
    const r = await ok(iam(s, 'GetInstanceProfile', { InstanceProfileName: 'Web' }));
    const roleId = xmlText(r.body, 'RoleId');
    const roleCreated = [...r.body.matchAll(/<CreateDate>([^<]*)<\/CreateDate>/g)][1]![1];
    assert.match(
      r.body,
      new RegExp(
        `<Roles><member><Path>/</Path><RoleName>web-role</RoleName><RoleId>${roleId}</RoleId><Arn>${roleArn}</Arn>` +
          `<CreateDate>${roleCreated}</CreateDate><AssumeRolePolicyDocument>${rfc3986(ec2Trust).replace(/[.*]/g, '\\$&')}</AssumeRolePolicyDocument>` +
          '</member></Roles><Tags></Tags></InstanceProfile></GetInstanceProfileResult>',
      ),
    );
    await expectError(
      iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'ghost' }),
      404,
      'NoSuchEntity',
      'The role with name ghost cannot be found.',
    );
    await expectError(
      iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'ghost', RoleName: 'web-role' }),
      404,
      'NoSuchEntity',
      'Instance Profile ghost cannot be found.',
    );
    await createRole(s, 'other-role', ec2Trust);
    await expectError(
      iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'other-role' }),
      409,
      'LimitExceeded',
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    );
    // UNCONFIRMED: the same role a second time is refused by the quota too.
    assert.equal(
      errorCode(await iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web-role' })),
      'LimitExceeded',
    );
  });

  test('a profile holding a role cannot be deleted, nor can the role', async () => {
    await expectError(
      iam(s, 'DeleteInstanceProfile', { InstanceProfileName: 'web' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must remove roles from instance profile first.',
    );
    await expectError(
      iam(s, 'DeleteRole', { RoleName: 'web-role' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must remove roles from instance profile first.',
    );
  });

  test('ListInstanceProfiles: path prefix, pages, no Tags; GetAccountSummary counts the profiles', async () => {
    for (const n of ['b', 'a', 'c'])
      await ok(
        iam(s, 'CreateInstanceProfile', {
          InstanceProfileName: `p-${n}`,
          Path: '/pages/',
          'Tags.member.1.Key': 'k',
          'Tags.member.1.Value': n,
        }),
      );
    const first = await ok(iam(s, 'ListInstanceProfiles', { PathPrefix: '/pages/', MaxItems: 2 }));
    assert.deepEqual(members(first.body, 'InstanceProfileName'), ['p-a', 'p-b']);
    assert.equal(xmlText(first.body, 'IsTruncated'), 'true');
    assert.doesNotMatch(first.body, /<Tags>/);
    const rest = await ok(
      iam(s, 'ListInstanceProfiles', { PathPrefix: '/pages/', MaxItems: 2, Marker: xmlText(first.body, 'Marker')! }),
    );
    assert.deepEqual(members(rest.body, 'InstanceProfileName'), ['p-c']);
    assert.equal(xmlText(rest.body, 'IsTruncated'), 'false');
    assert.equal(xmlText(rest.body, 'Marker'), undefined);
    const all = await ok(iam(s, 'ListInstanceProfiles', {}));
    assert.deepEqual(members(all.body, 'InstanceProfileName'), ['p-a', 'p-b', 'p-c', 'web']);
    assert.match(
      all.body,
      /<InstanceProfileName>p-c<\/InstanceProfileName>.*<Roles><\/Roles><\/member><member><Path>\/apps\/<\/Path>/,
    );
    const none = await ok(iam(s, 'ListInstanceProfiles', { PathPrefix: '/nothing/' }));
    assert.match(none.body, /<InstanceProfiles><\/InstanceProfiles><IsTruncated>false<\/IsTruncated>/);
    const summary = await ok(iam(s, 'GetAccountSummary', {}));
    assert.match(summary.body, /<entry><key>InstanceProfiles<\/key><value>4<\/value><\/entry>/);
  });

  test('ListInstanceProfilesForRole: the profiles holding the role', async () => {
    await ok(iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'p-b', RoleName: 'web-role' }));
    const r = await ok(iam(s, 'ListInstanceProfilesForRole', { RoleName: 'web-role' }));
    assert.deepEqual(members(r.body, 'InstanceProfileName'), ['p-b', 'web']);
    assert.deepEqual(members(r.body, 'RoleName'), ['web-role', 'web-role']);
    const page = await ok(iam(s, 'ListInstanceProfilesForRole', { RoleName: 'web-role', MaxItems: 1 }));
    assert.deepEqual(members(page.body, 'InstanceProfileName'), ['p-b']);
    const next = await ok(
      iam(s, 'ListInstanceProfilesForRole', { RoleName: 'web-role', Marker: xmlText(page.body, 'Marker')! }),
    );
    assert.deepEqual(members(next.body, 'InstanceProfileName'), ['web']);
    const empty = await ok(iam(s, 'ListInstanceProfilesForRole', { RoleName: 'other-role' }));
    assert.match(empty.body, /<InstanceProfiles><\/InstanceProfiles><IsTruncated>false<\/IsTruncated>/);
    await expectError(
      iam(s, 'ListInstanceProfilesForRole', { RoleName: 'ghost' }),
      404,
      'NoSuchEntity',
      'The role with name ghost cannot be found.',
    );
  });

  test('RemoveRoleFromInstanceProfile, then both can be deleted', async () => {
    await expectError(
      iam(s, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'web', RoleName: 'other-role' }),
      404,
      'NoSuchEntity',
      'Role other-role in Instance Profile web cannot be found.',
    );
    await expectError(
      iam(s, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'ghost', RoleName: 'web-role' }),
      404,
      'NoSuchEntity',
      'Instance Profile ghost cannot be found.',
    );
    await expectError(
      iam(s, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'web', RoleName: 'ghost' }),
      404,
      'NoSuchEntity',
      'The role with name ghost cannot be found.',
    );
    await ok(iam(s, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web-role' }));
    await ok(iam(s, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'p-b', RoleName: 'web-role' }));
    assert.match(
      (await ok(iam(s, 'GetInstanceProfile', { InstanceProfileName: 'web' }))).body,
      /<Roles><\/Roles><Tags><\/Tags>/,
    );
    await ok(iam(s, 'DeleteInstanceProfile', { InstanceProfileName: 'web' }));
    await expectError(
      iam(s, 'GetInstanceProfile', { InstanceProfileName: 'web' }),
      404,
      'NoSuchEntity',
      'Instance Profile web cannot be found.',
    );
    await expectError(
      iam(s, 'DeleteInstanceProfile', { InstanceProfileName: 'web' }),
      404,
      'NoSuchEntity',
      'Instance Profile web cannot be found.',
    );
    await ok(iam(s, 'DeleteRole', { RoleName: 'web-role' }));
  });

  test('tags: Create with tags, TagInstanceProfile, ListInstanceProfileTags, UntagInstanceProfile', async () => {
    const created = await ok(
      iam(s, 'CreateInstanceProfile', {
        InstanceProfileName: 'tagged',
        'Tags.member.1.Key': 'InitialKey',
        'Tags.member.1.Value': 'InitialValue',
      }),
    );
    assert.match(
      created.body,
      /<Roles><\/Roles><Tags><member><Key>InitialKey<\/Key><Value>InitialValue<\/Value><\/member><\/Tags><\/InstanceProfile>/,
    );
    await ok(
      iam(s, 'TagInstanceProfile', {
        InstanceProfileName: 'tagged',
        'Tags.member.1.Key': 'MyKey',
        'Tags.member.1.Value': 'myValue',
      }),
    );
    const listed = await ok(iam(s, 'ListInstanceProfileTags', { InstanceProfileName: 'tagged' }));
    assert.match(
      listed.body,
      /<ListInstanceProfileTagsResult><Tags><member><Key>InitialKey<\/Key><Value>InitialValue<\/Value><\/member><member><Key>MyKey<\/Key><Value>myValue<\/Value><\/member><\/Tags><IsTruncated>false<\/IsTruncated><\/ListInstanceProfileTagsResult>/,
    );
    await ok(iam(s, 'UntagInstanceProfile', { InstanceProfileName: 'tagged', 'TagKeys.member.1': 'initialkey' }));
    assert.deepEqual(members((await ok(iam(s, 'GetInstanceProfile', { InstanceProfileName: 'tagged' }))).body, 'Key'), [
      'MyKey',
    ]);
    const dup = await iam(s, 'TagInstanceProfile', {
      InstanceProfileName: 'tagged',
      'Tags.member.1.Key': 'a',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'A',
      'Tags.member.2.Value': '2',
    });
    assert.equal(errorCode(dup), 'InvalidInput');
    const calls: [string, Params][] = [
      ['TagInstanceProfile', { 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }],
      ['UntagInstanceProfile', { 'TagKeys.member.1': 'k' }],
      ['ListInstanceProfileTags', {}],
    ];
    for (const [action, params] of calls) {
      await expectError(
        iam(s, action, { InstanceProfileName: 'nonexistent-profile', ...params }),
        404,
        'NoSuchEntity',
        'Instance Profile nonexistent-profile cannot be found.',
      );
    }
  });

  test('permissions: the profile ARN with its path; adding a role needs iam:PassRole on it', async () => {
    const bob = await createUserWithKey(s, 'bob');
    await createRole(s, 'passed', ec2Trust);
    await ok(iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'delegated', Path: '/team/' }));
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'bob',
        PolicyName: 'profiles',
        PolicyDocument: policy(
          allow('iam:AddRoleToInstanceProfile', `arn:aws:iam::${account}:instance-profile/team/*`),
          allow('iam:GetInstanceProfile'),
        ),
      }),
    );
    const denied = await iam(
      s,
      'AddRoleToInstanceProfile',
      { InstanceProfileName: 'delegated', RoleName: 'passed' },
      bob,
    );
    assert.equal(denied.status, 403);
    assert.match(
      message(denied.body)!,
      new RegExp(`not authorized to perform: iam:PassRole on resource: arn:aws:iam::${account}:role/passed`),
    );
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'bob',
        PolicyName: 'pass',
        PolicyDocument: policy(allow('iam:PassRole', `arn:aws:iam::${account}:role/passed`)),
      }),
    );
    await ok(iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'delegated', RoleName: 'passed' }, bob));
    const other = await iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'x' }, bob);
    assert.equal(other.status, 403);
    assert.match(
      message(other.body)!,
      new RegExp(`iam:CreateInstanceProfile on resource: arn:aws:iam::${account}:instance-profile/x`),
    );
  });
});
