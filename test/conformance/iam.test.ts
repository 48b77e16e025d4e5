/**
 * IAM answers checked against responses recorded from AWS (issue 13, item 1). Sources: LocalStack's snapshots
 * recorded against AWS (tests/aws/services/iam/test_iam.snapshot.json and resource_providers/*.snapshot.json,
 * Apache-2.0), moto's tests marked aws_verified (tests/test_iam/test_iam_response_attributes.py), the AWS API
 * reference's examples (botocore's iam/2010-05-08/examples-1.json), and the botocore model for member order.
 *
 * | operation / case                                                | source                                         | result |
 * | --------------------------------------------------------------- | ---------------------------------------------- | ------ |
 * | CreateUser/GetUser: Path, UserName, UserId, Arn, CreateDate     | LocalStack aws_iam_user test_basic_user; API ref GetUser | pass |
 * | Create/GetUser: Tags, PermissionsBoundary only when set;        | moto aws_verified test_user_resource_returns_subset | FIXED (ListUsers sent Tags) |
 * |   ListUsers: neither                                            |                                                |        |
 * | GetUser of no user: 404 NoSuchEntity                            | LocalStack test_create_service_specific_credential_invalid_user | pass |
 * | CreateAccessKey, ListAccessKeys, UpdateAccessKey                | LocalStack resource_providers test_iam_user_access_key; API ref | pass |
 * | CreateRole: no MaxSessionDuration, no RoleLastUsed              | LocalStack test_create_describe_role; API ref CreateRole | FIXED (sent MaxSessionDuration) |
 * | GetRole: MaxSessionDuration 3600, empty RoleLastUsed            | LocalStack test_create_describe_role, test_role_with_path_lifecycle | pass |
 * | ListRoles: MaxSessionDuration, no RoleLastUsed/Tags/Boundary     | LocalStack test_create_describe_role, test_role_with_tags; moto aws_verified | pass |
 * | Create/GetRole: Tags and PermissionsBoundary only when set      | LocalStack test_role_with_tags; moto aws_verified test_role_resource_returns_subset | pass |
 * | CreateRole with invalid JSON: MalformedPolicyDocument           | LocalStack test_create_role_with_malformed_assume_role_policy_document | pass |
 * | UpdateAssumeRolePolicy, DeleteRole: empty answers               | LocalStack test_update_assume_role_policy, test_role_with_path_lifecycle | pass |
 * | CreatePolicy shape; Attach{User,Role}Policy: valid ARN of no     | LocalStack test_user_attach_policy, test_role_attach_policy | pass |
 * |   policy 404, success empty                                     |                                                |        |
 * | DeletePolicy of no policy: 404 "was not found."                 | LocalStack test_delete_non_existent_policy_returns_no_such_entity | pass |
 * | CreatePolicy: no Description; GetPolicy: Description, Tags      | moto aws_verified test_policy_resource_returns_subset; LocalStack | FIXED (GetPolicy left out an |
 * |   always (empty too); ListPolicies: neither                     |   resource_providers test_managed_policy_with_empty_resource | empty Tags; ListPolicies sent Tags) |
 * | Put/Get{User,Role,Group}Policy: document with %3A round trips   | LocalStack TestIAMPolicyEncoding               | pass   |
 * | ListRolePolicies empty list; ListAttachedRolePolicies members   | LocalStack test_service_role_lifecycle         | pass   |
 * | policy versions: Get/Create/ListPolicyVersions shapes           | model; API reference (order newest first UNCONFIRMED) | pass |
 * | CreateGroup, GetGroup, ListGroupsForUser                        | API ref CreateGroup; model                     | pass   |
 * | CreateInstanceProfile, GetInstanceProfile (role's short form)   | API ref; LocalStack test_iam_instance_profiles.py (2026) | pass (GetInstanceProfile's empty Tags: recorded) |
 * | instance profiles, recorded 2026: a second role, deleting one with a role, missing and duplicate profiles | LocalStack test_iam_instance_profiles.py | pass |
 * | TagRole/ListRoleTags                                            | API ref ListRoleTags                           | pass   |
 * | OIDC provider: Create, Get (Url without scheme), List           | API ref CreateOpenIDConnectProvider; model     | pass   |
 * | SAML provider: Create, Get, List                                | model                                          | pass   |
 * | Virtual MFA: Create, List                                       | API ref ListVirtualMFADevices; model           | pass   |
 * | GetAccountSummary: the example's keys                           | API ref GetAccountSummary                      | pass   |
 * | users, recorded 2026 (LocalStack test_iam_users.py snapshots): DeleteUser with an attached / an inline policy, | pass |
 * |   Update/Delete/Tag/UntagUser of no user, CreateAccessKey for no user, UpdateAccessKey of no key, DeleteAccessKey |  |
 * |   without UserName by a role session, DetachUserPolicy of a policy not attached, empty ListUserTags/ListAccessKeys |  |
 * | roles, recorded 2026 (LocalStack test_iam_roles.py snapshots): errors of GetRole/UpdateRole/DeleteRole of no | pass |
 * |   role, DeleteRole with an inline policy, trust policies with other actions or a Resource, inline policy 404s |  |
 * | UpdateRoleDescription: the Role without MaxSessionDuration    | LocalStack test_iam_roles.py::test_update_role | FIXED (sent MaxSessionDuration) |
 * | OIDC, recorded 2026 (LocalStack test_iam_oidc.py snapshots): duplicate, too many thumbprints, 101 client ids, | pass |
 * |   Get of no provider                                            |                                                |        |
 * | OIDC: Url without a scheme: 400 ValidationError (no period)    | LocalStack test_create_open_id_connect_provider_invalid_url | FIXED (was InvalidInput) |
 * | OIDC: GetOpenIDConnectProvider sends Tags even when empty      | LocalStack test_get_open_id_connect_provider   | FIXED (left out) |
 * | OIDC: deleting a provider that is not there: 404               | LocalStack test_delete_open_id_connect_provider | FIXED (was 200, as documented) |
 * | a list of structures in a validation message                   | recorded: list values are left out             | FIXED ("[object Object]") |
 * | groups, recorded 2026 (LocalStack test_iam_groups.py snapshots): missing groups and users, UpdateGroup to a | pass |
 * |   name taken, DetachGroupPolicy of a policy not attached, GetGroupPolicy of none, an empty Users |  |
 * | RemoveUserFromGroup naming neither: the user is named          | LocalStack test_remove_user_from_unknown_group | FIXED (named the group) |
 * | MFA, recorded 2026 (LocalStack test_iam_mfa.py snapshots): Enable/Deactivate for no user, a device in use, | pass |
 * |   an invalid marker, ListMFADevices before and after                                                   |  |
 * | MFA: an invalid Path: AWS's own words                          | LocalStack test_virtual_mfa_device_errors      | NOT FIXED (validation layer, item 2) |
 * | ListVirtualMFADevices with a marker never issued: 400           | LocalStack test_list_virtual_mfa_devices       | deliberate (markers are keys) |
 * | MFA: no such device / a duplicate device: AWS's words          | LocalStack test_virtual_mfa_device_errors, test_enable_mfa_device_errors | FIXED (other words) |
 * | SAML, recorded 2026 (LocalStack test_iam_saml_providers.py): Get/Delete of no provider ("Manifest not found") | pass |
 * | GetSAMLProvider: Tags and PrivateKeyList sent empty            | LocalStack test_get_saml_provider              | FIXED (left out) |
 * | GetSAMLProvider: SAMLProviderUUID, AssertionEncryptionMode "Allowed", a ValidUntil always | same | deliberate (see saml-providers.ts) |
 * | GetAccessKeyLastUsed of no key: 403 AccessDenied             | LocalStack test_iam_users.py::test_access_key_errors | FIXED (was 404 NoSuchEntity) |
 * | SimulatePrincipalPolicy for a user, a group, a role: shape,    | LocalStack test_simulate_principle_policy[user,group,role] | FIXED (StartPosition one column |
 * |   SourcePolicyType "IAM Policy", positions, per-resource results|                                                |  early; user-managed; EvalDecisionDetails in ResourceSpecificResults) |
 * | Create/Delete/ListAccountAliases: empty answers, the one alias  | LocalStack test_iam_account_aliases.py (2026)  | FIXED (were not served) |
 * | DeleteUser with keys / in a group, DeleteGroup and DeleteRole   | issue threads quoting AWS (409 and the text)   | pass   |
 * |   with attached policies, DeletePolicy attached: DeleteConflict |                                                |        |
 * | sixth policy version: LimitExceeded; role name taken: 409       | issue threads quoting AWS                      | pass   |
 *
 * deliberate: members are sent in the botocore model's order, not AWS's own XML order (see sts.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountOf, credentialsOf, iam, ok, policy, totp } from '../helpers/iam.js';
import { call, createUserWithKey } from '../helpers/query.js';
import { makeTestIdp } from '../helpers/saml-idp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  ACCESS_KEY_ID,
  assertError,
  assertTexts,
  at,
  DATE,
  empty,
  type Element,
  names,
  result,
  SECRET_ACCESS_KEY,
  uniqueId,
} from './wire.js';

let s: TestServer;
let account: string;

before(async () => {
  s = await startTestServer();
  s.clock.freeze(Date.parse('2026-05-06T12:00:00.000Z'));
  account = accountOf(s);
});
after(async () => {
  await s.close();
});

const tag = (n: number, key: string, value: string) => ({
  [`Tags.member.${n}.Key`]: key,
  [`Tags.member.${n}.Value`]: value,
});
const ec2Trust = policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
const boundaryDocument = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
/** Documents travel URL-encoded in the XML (the SDKs decode them): the decoded text is the one sent. */
const decoded = (e: Element, name: string) => decodeURIComponent(at(e, name).text);
const members = (e: Element) => e.children.map((m) => names(m));

describe('users', () => {
  // LocalStack resource_providers/aws_iam_user/test_basic_user.py snapshots (GetUser); API reference GetUser example.
  test('CreateUser, GetUser: Path, UserName, UserId, Arn, CreateDate and nothing else when nothing else was set', async () => {
    const created = at(result(await iam(s, 'CreateUser', { UserName: 'plain' }), 'CreateUser'), 'User');
    const fetched = at(result(await iam(s, 'GetUser', { UserName: 'plain' }), 'GetUser'), 'User');
    for (const user of [created, fetched]) {
      assert.deepEqual(names(user), ['Path', 'UserName', 'UserId', 'Arn', 'CreateDate']);
      assertTexts(user, {
        Path: '/',
        UserName: 'plain',
        UserId: uniqueId('AIDA'),
        Arn: `arn:aws:iam::${account}:user/plain`,
        CreateDate: DATE,
      });
    }
  });

  // moto tests/test_iam/test_iam_response_attributes.py::test_user_resource_returns_subset_of_available_attributes
  // (aws_verified): CreateUser and GetUser show the tags and boundary given; ListUsers never does.
  test('Tags and PermissionsBoundary: in CreateUser and GetUser when set, never in ListUsers', async () => {
    const boundary = at(
      result(
        await iam(s, 'CreatePolicy', { PolicyName: 'user-boundary', PolicyDocument: boundaryDocument }),
        'CreatePolicy',
      ),
      'Policy',
    );
    const boundaryArn = at(boundary, 'Arn').text;
    const params = {
      UserName: 'full',
      Path: '/guid/',
      PermissionsBoundary: boundaryArn,
      ...tag(1, 'somekey', 'somevalue'),
    };
    const created = at(result(await iam(s, 'CreateUser', params), 'CreateUser'), 'User');
    const fetched = at(result(await iam(s, 'GetUser', { UserName: 'full' }), 'GetUser'), 'User');
    for (const user of [created, fetched]) {
      assert.deepEqual(names(user), ['Path', 'UserName', 'UserId', 'Arn', 'CreateDate', 'PermissionsBoundary', 'Tags']);
      assert.equal(at(user, 'Arn').text, `arn:aws:iam::${account}:user/guid/full`);
      assert.deepEqual(
        at(user, 'PermissionsBoundary').children.map((c) => [c.name, c.text]),
        [
          ['PermissionsBoundaryType', 'PermissionsBoundaryPolicy'],
          ['PermissionsBoundaryArn', boundaryArn],
        ],
      );
      assert.deepEqual(
        at(user, 'Tags').children.map((m) => m.children.map((c) => [c.name, c.text])),
        [
          [
            ['Key', 'somekey'],
            ['Value', 'somevalue'],
          ],
        ],
      );
    }
    const listed = at(result(await iam(s, 'ListUsers', { PathPrefix: '/guid/' }), 'ListUsers'));
    assert.deepEqual(names(listed), ['Users', 'IsTruncated']);
    assert.deepEqual(members(at(listed, 'Users')), [['Path', 'UserName', 'UserId', 'Arn', 'CreateDate']]);
    assert.equal(at(listed, 'IsTruncated').text, 'false');
  });

  // LocalStack test_iam.py::TestIAMServiceSpecificCredentials::test_create_service_specific_credential_invalid_user.
  test('a user that does not exist: 404 NoSuchEntity', async () => {
    assertError(
      await iam(s, 'GetUser', { UserName: 'non-existent-user' }),
      404,
      'NoSuchEntity',
      'The user with name non-existent-user cannot be found.',
    );
  });

  // UNCONFIRMED by a recording: the text Terraform users report from AWS.
  test('CreateUser of a name taken: 409 EntityAlreadyExists', async () => {
    assertError(
      await iam(s, 'CreateUser', { UserName: 'plain' }),
      409,
      'EntityAlreadyExists',
      'User with name plain already exists.',
    );
  });
});

describe('access keys', () => {
  // LocalStack resource_providers/test_iam.py::test_iam_user_access_key snapshot (AccessKeyId, CreateDate, Status
  // Active then Inactive, UserName); API reference CreateAccessKey and ListAccessKeys examples; the model's order.
  test('CreateAccessKey, ListAccessKeys, UpdateAccessKey', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'keyed' }));
    const key = at(result(await iam(s, 'CreateAccessKey', { UserName: 'keyed' }), 'CreateAccessKey'), 'AccessKey');
    assert.deepEqual(names(key), ['UserName', 'AccessKeyId', 'Status', 'SecretAccessKey', 'CreateDate']);
    assertTexts(key, {
      UserName: 'keyed',
      AccessKeyId: ACCESS_KEY_ID,
      Status: 'Active',
      SecretAccessKey: SECRET_ACCESS_KEY,
      CreateDate: DATE,
    });
    const id = at(key, 'AccessKeyId').text;
    empty(
      await iam(s, 'UpdateAccessKey', { UserName: 'keyed', AccessKeyId: id, Status: 'Inactive' }),
      'UpdateAccessKey',
    );
    const listed = result(await iam(s, 'ListAccessKeys', { UserName: 'keyed' }), 'ListAccessKeys');
    assert.deepEqual(names(listed), ['AccessKeyMetadata', 'IsTruncated']);
    const [metadata] = at(listed, 'AccessKeyMetadata').children;
    assert.deepEqual(names(metadata!), ['UserName', 'AccessKeyId', 'Status', 'CreateDate']);
    assertTexts(metadata!, { UserName: 'keyed', AccessKeyId: id, Status: 'Inactive', CreateDate: DATE });
  });

  // moto tests/test_iam/test_iam.py (the quota's text; UNCONFIRMED by a recording).
  test('a third key: 409 LimitExceeded', async () => {
    await ok(iam(s, 'CreateAccessKey', { UserName: 'keyed' }));
    assertError(
      await iam(s, 'CreateAccessKey', { UserName: 'keyed' }),
      409,
      'LimitExceeded',
      'Cannot exceed quota for AccessKeysPerUser: 2',
    );
  });
});

describe('roles', () => {
  const ROLE = ['Path', 'RoleName', 'RoleId', 'Arn', 'CreateDate', 'AssumeRolePolicyDocument'];

  // LocalStack test_iam.py::TestIAMIntegrations::test_create_describe_role snapshot; API reference CreateRole example.
  test('CreateRole has no MaxSessionDuration; GetRole adds it and an empty RoleLastUsed; ListRoles has it alone', async () => {
    const created = at(
      result(
        await iam(s, 'CreateRole', { RoleName: 'described', Path: '/prefix/', AssumeRolePolicyDocument: ec2Trust }),
        'CreateRole',
      ),
      'Role',
    );
    assert.deepEqual(names(created), ROLE);
    assertTexts(created, {
      Path: '/prefix/',
      RoleName: 'described',
      RoleId: uniqueId('AROA'),
      Arn: `arn:aws:iam::${account}:role/prefix/described`,
      CreateDate: DATE,
    });
    assert.equal(decoded(created, 'AssumeRolePolicyDocument'), ec2Trust);

    const fetched = at(result(await iam(s, 'GetRole', { RoleName: 'described' }), 'GetRole'), 'Role');
    assert.deepEqual(names(fetched), [...ROLE, 'MaxSessionDuration', 'RoleLastUsed']);
    assert.equal(at(fetched, 'MaxSessionDuration').text, '3600');
    assert.deepEqual(names(at(fetched, 'RoleLastUsed')), []);

    const listed = result(await iam(s, 'ListRoles', { PathPrefix: '/prefix/' }), 'ListRoles');
    assert.deepEqual(names(listed), ['Roles', 'IsTruncated']);
    assert.deepEqual(members(at(listed, 'Roles')), [[...ROLE, 'MaxSessionDuration']]);
    assert.equal(at(listed, 'IsTruncated').text, 'false');
  });

  // LocalStack test_iam.py::TestRoles::test_role_with_tags snapshot; moto aws_verified
  // test_role_resource_returns_subset_of_available_attributes (Description, boundary and tags).
  test('Tags and PermissionsBoundary: in CreateRole and GetRole when set, never in ListRoles', async () => {
    const boundaryArn = at(
      at(
        result(
          await iam(s, 'CreatePolicy', { PolicyName: 'role-boundary', PolicyDocument: boundaryDocument }),
          'CreatePolicy',
        ),
        'Policy',
      ),
      'Arn',
    ).text;
    const params = {
      RoleName: 'tagged',
      Path: '/role-with-tags/',
      AssumeRolePolicyDocument: ec2Trust,
      Description: 'test',
      PermissionsBoundary: boundaryArn,
      ...tag(1, 'test', 'value'),
    };
    const created = at(result(await iam(s, 'CreateRole', params), 'CreateRole'), 'Role');
    assert.deepEqual(names(created), [...ROLE, 'Description', 'PermissionsBoundary', 'Tags']);
    const fetched = at(result(await iam(s, 'GetRole', { RoleName: 'tagged' }), 'GetRole'), 'Role');
    assert.deepEqual(names(fetched), [
      ...ROLE,
      'Description',
      'MaxSessionDuration',
      'PermissionsBoundary',
      'Tags',
      'RoleLastUsed',
    ]);
    assert.equal(at(fetched, 'PermissionsBoundary', 'PermissionsBoundaryType').text, 'PermissionsBoundaryPolicy');
    const listed = result(await iam(s, 'ListRoles', { PathPrefix: '/role-with-tags/' }), 'ListRoles');
    assert.deepEqual(members(at(listed, 'Roles')), [[...ROLE, 'Description', 'MaxSessionDuration']]);
  });

  // LocalStack test_iam.py::TestIAMExtensions::test_create_role_with_malformed_assume_role_policy_document snapshot.
  test('CreateRole with a trust policy that is no JSON: 400 MalformedPolicyDocument', async () => {
    assertError(
      await iam(s, 'CreateRole', { RoleName: 'malformed', AssumeRolePolicyDocument: '{"Version": "2012-10-17", ' }),
      400,
      'MalformedPolicyDocument',
      'This policy contains invalid Json',
    );
  });

  // LocalStack test_update_assume_role_policy and test_role_with_path_lifecycle snapshots: both answer nothing but
  // the request id. The 404 afterwards is UNCONFIRMED by a recording (the text Terraform users report).
  test('UpdateAssumeRolePolicy and DeleteRole answer no result; the role is gone', async () => {
    await ok(iam(s, 'CreateRole', { RoleName: 'lifecycle', Path: '/a/b/', AssumeRolePolicyDocument: ec2Trust }));
    empty(
      await iam(s, 'UpdateAssumeRolePolicy', { RoleName: 'lifecycle', PolicyDocument: ec2Trust }),
      'UpdateAssumeRolePolicy',
    );
    empty(await iam(s, 'DeleteRole', { RoleName: 'lifecycle' }), 'DeleteRole');
    assertError(
      await iam(s, 'GetRole', { RoleName: 'lifecycle' }),
      404,
      'NoSuchEntity',
      'The role with name lifecycle cannot be found.',
    );
  });

  // LocalStack TestIAMPolicyEncoding::test_put_role_policy_encoding: a condition value holding %3A sequences
  // comes back as sent.
  test('a trust policy holding percent-escapes comes back as sent', async () => {
    const document = policy({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceArn': 'arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Faaeeieije' },
      },
    });
    await ok(iam(s, 'CreateRole', { RoleName: 'encoded', AssumeRolePolicyDocument: document }));
    const fetched = at(result(await iam(s, 'GetRole', { RoleName: 'encoded' }), 'GetRole'), 'Role');
    assert.equal(decoded(fetched, 'AssumeRolePolicyDocument'), document);
  });

  // LocalStack test_service_role_lifecycle snapshots: ListRolePolicies of a role with none sends an empty
  // PolicyNames; ListAttachedRolePolicies' members are PolicyName, PolicyArn.
  test('ListRolePolicies with none, ListAttachedRolePolicies', async () => {
    await ok(iam(s, 'CreateRole', { RoleName: 'service', AssumeRolePolicyDocument: ec2Trust }));
    const inline = result(await iam(s, 'ListRolePolicies', { RoleName: 'service' }), 'ListRolePolicies');
    assert.deepEqual(names(inline), ['PolicyNames', 'IsTruncated']);
    assert.deepEqual(names(at(inline, 'PolicyNames')), []);
    const arn = `arn:aws:iam::${account}:policy/role-boundary`;
    empty(await iam(s, 'AttachRolePolicy', { RoleName: 'service', PolicyArn: arn }), 'AttachRolePolicy');
    const attached = result(
      await iam(s, 'ListAttachedRolePolicies', { RoleName: 'service' }),
      'ListAttachedRolePolicies',
    );
    assert.deepEqual(names(attached), ['AttachedPolicies', 'IsTruncated']);
    assert.deepEqual(
      at(attached, 'AttachedPolicies').children.map((m) => m.children.map((c) => [c.name, c.text])),
      [
        [
          ['PolicyName', 'role-boundary'],
          ['PolicyArn', arn],
        ],
      ],
    );
  });
});

describe('managed policies', () => {
  const POLICY = [
    'PolicyName',
    'PolicyId',
    'Arn',
    'Path',
    'DefaultVersionId',
    'AttachmentCount',
    'PermissionsBoundaryUsageCount',
    'IsAttachable',
  ];

  // LocalStack test_iam.py::TestIAMIntegrations::test_user_attach_policy and test_role_attach_policy snapshots (the
  // malformed ARNs are in test/protocol/answers.test.ts).
  test('CreatePolicy; attaching a well-formed ARN of no policy is 404, of one is an empty answer', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'attached' }));
    await ok(iam(s, 'CreateRole', { RoleName: 'attached', AssumeRolePolicyDocument: ec2Trust }));
    const created = at(
      result(
        await iam(s, 'CreatePolicy', { PolicyName: 'attachable', PolicyDocument: boundaryDocument }),
        'CreatePolicy',
      ),
      'Policy',
    );
    assert.deepEqual(names(created), [...POLICY, 'CreateDate', 'UpdateDate']);
    const arn = `arn:aws:iam::${account}:policy/attachable`;
    assertTexts(created, {
      PolicyName: 'attachable',
      PolicyId: uniqueId('ANPA'),
      Arn: arn,
      Path: '/',
      DefaultVersionId: 'v1',
      AttachmentCount: '0',
      PermissionsBoundaryUsageCount: '0',
      IsAttachable: 'true',
      CreateDate: DATE,
      UpdateDate: DATE,
    });
    for (const [action, target] of [
      ['AttachUserPolicy', { UserName: 'attached' }],
      ['AttachRolePolicy', { RoleName: 'attached' }],
    ] as const) {
      assertError(
        await iam(s, action, { ...target, PolicyArn: `${arn}123` }),
        404,
        'NoSuchEntity',
        `Policy ${arn}123 does not exist or is not attachable.`,
      );
      empty(await iam(s, action, { ...target, PolicyArn: arn }), action);
    }
  });

  // LocalStack test_iam.py::TestIAMIntegrations::test_delete_non_existent_policy_returns_no_such_entity snapshot.
  test('DeletePolicy of no policy: 404 "... was not found."', async () => {
    const arn = `arn:aws:iam::${account}:policy/non-existent-policy`;
    assertError(await iam(s, 'DeletePolicy', { PolicyArn: arn }), 404, 'NoSuchEntity', `Policy ${arn} was not found.`);
  });

  // moto test_iam_response_attributes.py::test_policy_resource_returns_subset_of_available_attributes (aws_verified)
  // and LocalStack resource_providers test_managed_policy_with_empty_resource snapshot (GetPolicy, "Tags": []).
  test('CreatePolicy: no Description; GetPolicy: Description and Tags, an empty list too; ListPolicies: neither', async () => {
    const path = '/subset/';
    const described = {
      PolicyName: 'described',
      Path: path,
      PolicyDocument: boundaryDocument,
      Description: 'test description',
      ...tag(1, 'somekey', 'somevalue'),
    };
    const created = at(result(await iam(s, 'CreatePolicy', described), 'CreatePolicy'), 'Policy');
    assert.deepEqual(names(created), [...POLICY, 'CreateDate', 'UpdateDate', 'Tags']);
    const fetched = at(
      result(await iam(s, 'GetPolicy', { PolicyArn: `arn:aws:iam::${account}:policy/subset/described` }), 'GetPolicy'),
      'Policy',
    );
    assert.deepEqual(names(fetched), [...POLICY, 'Description', 'CreateDate', 'UpdateDate', 'Tags']);
    assert.equal(at(fetched, 'Description').text, 'test description');

    await ok(iam(s, 'CreatePolicy', { PolicyName: 'bare', Path: path, PolicyDocument: boundaryDocument }));
    const bare = at(
      result(await iam(s, 'GetPolicy', { PolicyArn: `arn:aws:iam::${account}:policy/subset/bare` }), 'GetPolicy'),
      'Policy',
    );
    assert.deepEqual(names(bare), [...POLICY, 'CreateDate', 'UpdateDate', 'Tags']);
    assert.deepEqual(names(at(bare, 'Tags')), []);

    const listed = result(await iam(s, 'ListPolicies', { Scope: 'Local', PathPrefix: path }), 'ListPolicies');
    assert.deepEqual(names(listed), ['Policies', 'IsTruncated']);
    assert.deepEqual(members(at(listed, 'Policies')), [
      [...POLICY, 'CreateDate', 'UpdateDate'],
      [...POLICY, 'CreateDate', 'UpdateDate'],
    ]);
  });

  // Model (PolicyVersion: Document, VersionId, IsDefaultVersion, CreateDate); API reference: CreatePolicyVersion and
  // ListPolicyVersions carry no Document. ListPolicyVersions newest first is UNCONFIRMED by a recording.
  test('policy versions: GetPolicyVersion with the document, Create and List without', async () => {
    const arn = `arn:aws:iam::${account}:policy/attachable`;
    const v1 = at(
      result(await iam(s, 'GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' }), 'GetPolicyVersion'),
      'PolicyVersion',
    );
    assert.deepEqual(names(v1), ['Document', 'VersionId', 'IsDefaultVersion', 'CreateDate']);
    assert.equal(decoded(v1, 'Document'), boundaryDocument);
    assertTexts(v1, { VersionId: 'v1', IsDefaultVersion: 'true', CreateDate: DATE });
    const v2 = at(
      result(
        await iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: boundaryDocument }),
        'CreatePolicyVersion',
      ),
      'PolicyVersion',
    );
    assert.deepEqual(names(v2), ['VersionId', 'IsDefaultVersion', 'CreateDate']);
    assertTexts(v2, { VersionId: 'v2', IsDefaultVersion: 'false' });
    const listed = result(await iam(s, 'ListPolicyVersions', { PolicyArn: arn }), 'ListPolicyVersions');
    assert.deepEqual(names(listed), ['Versions', 'IsTruncated']);
    assert.deepEqual(
      at(listed, 'Versions').children.map((m) => [names(m), at(m, 'VersionId').text]),
      [
        [['VersionId', 'IsDefaultVersion', 'CreateDate'], 'v2'],
        [['VersionId', 'IsDefaultVersion', 'CreateDate'], 'v1'],
      ],
    );
  });
});

describe('inline policies', () => {
  // LocalStack test_iam.py::TestIAMPolicyEncoding::test_put_{user,role,group}_policy_encoding snapshots: the entity's
  // name, PolicyName, and the document as put, its %3A sequences intact.
  test('Put/Get{User,Role,Group}Policy: the document comes back as put', async () => {
    const document = policy({
      Effect: 'Allow',
      Action: ['apigatway:PUT'],
      Resource: ['arn:aws:apigateway:us-east-1::/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Faaeeieije'],
    });
    await ok(iam(s, 'CreateUser', { UserName: 'encoding' }));
    await ok(iam(s, 'CreateRole', { RoleName: 'encoding', AssumeRolePolicyDocument: ec2Trust }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'encoding' }));
    for (const [entity, key] of [
      ['User', 'UserName'],
      ['Role', 'RoleName'],
      ['Group', 'GroupName'],
    ] as const) {
      empty(
        await iam(s, `Put${entity}Policy`, { [key]: 'encoding', PolicyName: 'p', PolicyDocument: document }),
        `Put${entity}Policy`,
      );
      const got = result(
        await iam(s, `Get${entity}Policy`, { [key]: 'encoding', PolicyName: 'p' }),
        `Get${entity}Policy`,
      );
      assert.deepEqual(names(got), [key, 'PolicyName', 'PolicyDocument']);
      assert.equal(decoded(got, 'PolicyDocument'), document);
    }
  });
});

describe('groups', () => {
  // API reference CreateGroup example; model (GetGroup: Group, Users, IsTruncated).
  test('CreateGroup, GetGroup with its users, ListGroupsForUser', async () => {
    const group = at(result(await iam(s, 'CreateGroup', { GroupName: 'Admins' }), 'CreateGroup'), 'Group');
    const GROUP = ['Path', 'GroupName', 'GroupId', 'Arn', 'CreateDate'];
    assert.deepEqual(names(group), GROUP);
    assertTexts(group, {
      Path: '/',
      GroupName: 'Admins',
      GroupId: uniqueId('AGPA'),
      Arn: `arn:aws:iam::${account}:group/Admins`,
      CreateDate: DATE,
    });
    empty(await iam(s, 'AddUserToGroup', { GroupName: 'Admins', UserName: 'full' }), 'AddUserToGroup');
    const got = result(await iam(s, 'GetGroup', { GroupName: 'Admins' }), 'GetGroup');
    assert.deepEqual(names(got), ['Group', 'Users', 'IsTruncated']);
    // A tagged user's tags stay out of the group's list.
    assert.deepEqual(members(at(got, 'Users')), [['Path', 'UserName', 'UserId', 'Arn', 'CreateDate']]);
    const forUser = result(await iam(s, 'ListGroupsForUser', { UserName: 'full' }), 'ListGroupsForUser');
    assert.deepEqual(names(forUser), ['Groups', 'IsTruncated']);
    assert.deepEqual(members(at(forUser, 'Groups')), [GROUP]);
    // UNCONFIRMED by a recording: the text follows the user's and the role's.
    assertError(
      await iam(s, 'GetGroup', { GroupName: 'nobody' }),
      404,
      'NoSuchEntity',
      'The group with name nobody cannot be found.',
    );
  });
});

describe('instance profiles', () => {
  // API reference CreateInstanceProfile (Roles empty) and GetInstanceProfile (the role without MaxSessionDuration)
  // examples; LocalStack test_iam_instance_profiles.py::test_add_remove_role_from_instance_profile (2026): Get sends
  // an empty Tags, Create none.
  test('CreateInstanceProfile, AddRoleToInstanceProfile, GetInstanceProfile, ListInstanceProfilesForRole', async () => {
    const PROFILE = ['Path', 'InstanceProfileName', 'InstanceProfileId', 'Arn', 'CreateDate', 'Roles'];
    const created = at(
      result(await iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'Webserver' }), 'CreateInstanceProfile'),
      'InstanceProfile',
    );
    assert.deepEqual(names(created), PROFILE);
    assertTexts(created, {
      InstanceProfileId: uniqueId('AIPA'),
      Arn: `arn:aws:iam::${account}:instance-profile/Webserver`,
      CreateDate: DATE,
    });
    assert.deepEqual(names(at(created, 'Roles')), []);
    await ok(iam(s, 'CreateRole', { RoleName: 'Test-Role', AssumeRolePolicyDocument: ec2Trust }));
    empty(
      await iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'Webserver', RoleName: 'Test-Role' }),
      'AddRoleToInstanceProfile',
    );
    const got = at(
      result(await iam(s, 'GetInstanceProfile', { InstanceProfileName: 'Webserver' }), 'GetInstanceProfile'),
      'InstanceProfile',
    );
    assert.deepEqual(names(got), [...PROFILE, 'Tags']);
    assert.deepEqual(members(at(got, 'Roles')), [
      ['Path', 'RoleName', 'RoleId', 'Arn', 'CreateDate', 'AssumeRolePolicyDocument'],
    ]);
    const forRole = result(
      await iam(s, 'ListInstanceProfilesForRole', { RoleName: 'Test-Role' }),
      'ListInstanceProfilesForRole',
    );
    assert.deepEqual(names(forRole), ['InstanceProfiles', 'IsTruncated']);
    assert.deepEqual(members(at(forRole, 'InstanceProfiles')), [PROFILE]);
  });
});

describe('tags', () => {
  // API reference ListRoleTags example: Tags then IsTruncated; TagRole answers nothing.
  test('TagRole, ListRoleTags', async () => {
    empty(
      await iam(s, 'TagRole', { RoleName: 'service', ...tag(1, 'Dept', '12345'), ...tag(2, 'Team', 'Accounting') }),
      'TagRole',
    );
    const listed = result(await iam(s, 'ListRoleTags', { RoleName: 'service' }), 'ListRoleTags');
    assert.deepEqual(names(listed), ['Tags', 'IsTruncated']);
    assert.deepEqual(
      at(listed, 'Tags').children.map((m) => [at(m, 'Key').text, at(m, 'Value').text]),
      [
        ['Dept', '12345'],
        ['Team', 'Accounting'],
      ],
    );
  });
});

describe('identity providers', () => {
  // API reference CreateOpenIDConnectProvider example (the ARN's resource is the host); model for Get and List.
  test('OpenID Connect providers: Create, Get (Url without its scheme), List', async () => {
    const created = result(
      await iam(s, 'CreateOpenIDConnectProvider', {
        Url: 'https://server.example.com',
        'ClientIDList.member.1': 'my-application-id',
        'ThumbprintList.member.1': '3768084dfb3d2b68b7897bf5f565da8efEXAMPLE'
          .toLowerCase()
          .replace('example', 'abcde12'),
      }),
      'CreateOpenIDConnectProvider',
    );
    assert.deepEqual(names(created), ['OpenIDConnectProviderArn']);
    const arn = `arn:aws:iam::${account}:oidc-provider/server.example.com`;
    assert.equal(at(created, 'OpenIDConnectProviderArn').text, arn);
    const got = result(
      await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }),
      'GetOpenIDConnectProvider',
    );
    assert.deepEqual(names(got).slice(0, 4), ['Url', 'ClientIDList', 'ThumbprintList', 'CreateDate']);
    assertTexts(got, { Url: 'server.example.com', CreateDate: DATE });
    const listed = result(await iam(s, 'ListOpenIDConnectProviders', {}), 'ListOpenIDConnectProviders');
    assert.deepEqual(names(listed), ['OpenIDConnectProviderList']);
    assert.deepEqual(members(at(listed, 'OpenIDConnectProviderList')), [['Arn']]);
  });

  // Model: CreateSAMLProviderResponse (SAMLProviderArn), GetSAMLProviderResponse, ListSAMLProviders' entries.
  test('SAML providers: Create, Get, List', async () => {
    const idp = makeTestIdp();
    const created = result(
      await iam(s, 'CreateSAMLProvider', { Name: 'MyUniversity', SAMLMetadataDocument: idp.metadata() }),
      'CreateSAMLProvider',
    );
    assert.equal(names(created)[0], 'SAMLProviderArn');
    const arn = `arn:aws:iam::${account}:saml-provider/MyUniversity`;
    assert.equal(at(created, 'SAMLProviderArn').text, arn);
    const got = result(await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arn }), 'GetSAMLProvider');
    assert.ok(names(got).includes('SAMLMetadataDocument'));
    assertTexts(got, { CreateDate: DATE });
    const listed = result(await iam(s, 'ListSAMLProviders', {}), 'ListSAMLProviders');
    assert.deepEqual(names(listed), ['SAMLProviderList']);
    const [entry] = at(listed, 'SAMLProviderList').children;
    assert.equal(at(entry!, 'Arn').text, arn);
  });
});

describe('MFA devices and the account', () => {
  // Model (VirtualMFADevice: SerialNumber, Base32StringSeed, QRCodePNG); API reference ListVirtualMFADevices example.
  test('CreateVirtualMFADevice, ListVirtualMFADevices', async () => {
    const device = at(
      result(
        await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'ExampleMFADevice' }),
        'CreateVirtualMFADevice',
      ),
      'VirtualMFADevice',
    );
    assert.deepEqual(names(device), ['SerialNumber', 'Base32StringSeed', 'QRCodePNG']);
    assert.equal(at(device, 'SerialNumber').text, `arn:aws:iam::${account}:mfa/ExampleMFADevice`);
    const listed = result(await iam(s, 'ListVirtualMFADevices', {}), 'ListVirtualMFADevices');
    assert.deepEqual(names(listed), ['VirtualMFADevices', 'IsTruncated']);
    assert.deepEqual(members(at(listed, 'VirtualMFADevices')), [['SerialNumber']]);
  });

  // LocalStack test_iam_account_aliases.py::test_account_alias_lifecycle (recorded 2026): Create and Delete answer
  // no result; List before, after create and after delete. The refusals' wording is UNCONFIRMED (no recording).
  test('account aliases: create, list, delete', async () => {
    const listed = async () => {
      const r = result(await iam(s, 'ListAccountAliases', {}), 'ListAccountAliases');
      assert.deepEqual(names(r), ['AccountAliases', 'IsTruncated']);
      assert.equal(at(r, 'IsTruncated').text, 'false');
      return at(r, 'AccountAliases').children.map((m) => m.text);
    };
    assert.deepEqual(await listed(), []);
    empty(await iam(s, 'CreateAccountAlias', { AccountAlias: 'alias-conformance' }), 'CreateAccountAlias');
    assert.deepEqual(await listed(), ['alias-conformance']);
    empty(await iam(s, 'CreateAccountAlias', { AccountAlias: 'alias-replaced' }), 'CreateAccountAlias');
    assert.deepEqual(await listed(), ['alias-replaced'], 'one alias: the new one replaces the old');
    assertError(
      await iam(s, 'DeleteAccountAlias', { AccountAlias: 'alias-conformance' }),
      404,
      'NoSuchEntity',
      'The account alias alias-conformance cannot be found.',
    );
    const bad = await iam(s, 'CreateAccountAlias', { AccountAlias: 'Not_An-Alias' });
    assert.equal(bad.status, 400, 'the model pattern: lower-case letters, digits and single dashes');
    empty(await iam(s, 'DeleteAccountAlias', { AccountAlias: 'alias-replaced' }), 'DeleteAccountAlias');
    assert.deepEqual(await listed(), []);
  });

  // API reference GetAccountSummary example: a SummaryMap of entry/key/value with (at least) these keys.
  test('GetAccountSummary: the keys of the API reference example', async () => {
    const summary = at(result(await iam(s, 'GetAccountSummary', {}), 'GetAccountSummary'), 'SummaryMap');
    const keys = summary.children.map((e) => {
      assert.deepEqual(names(e), ['key', 'value']);
      assert.match(at(e, 'value').text, /^\d+$/);
      return at(e, 'key').text;
    });
    for (const key of [
      'AccessKeysPerUserQuota',
      'AccountAccessKeysPresent',
      'AccountMFAEnabled',
      'AccountSigningCertificatesPresent',
      'AttachedPoliciesPerGroupQuota',
      'AttachedPoliciesPerRoleQuota',
      'AttachedPoliciesPerUserQuota',
      'GlobalEndpointTokenVersion',
      'GroupPolicySizeQuota',
      'Groups',
      'GroupsPerUserQuota',
      'GroupsQuota',
      'MFADevices',
      'MFADevicesInUse',
      'Policies',
      'PoliciesQuota',
      'PolicySizeQuota',
      'PolicyVersionsInUse',
      'PolicyVersionsInUseQuota',
      'ServerCertificates',
      'ServerCertificatesQuota',
      'SigningCertificatesPerUserQuota',
      'UserPolicySizeQuota',
      'Users',
      'UsersQuota',
      'VersionsPerPolicyQuota',
    ])
      assert.ok(keys.includes(key), key);
  });
});

describe('refusals as AWS words them (texts and statuses from AWS answers quoted in public issue threads)', () => {
  test('DeleteUser with access keys, DeleteUser of a group member, DeleteGroup with an attached policy: 409 DeleteConflict', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'leaving' }));
    await ok(iam(s, 'CreateAccessKey', { UserName: 'leaving' }));
    // aws-controllers-k8s/community#2229 ("status code: 409").
    assertError(
      await iam(s, 'DeleteUser', { UserName: 'leaving' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must delete access keys first.',
    );
    await ok(iam(s, 'CreateUser', { UserName: 'member' }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'crew' }));
    await ok(iam(s, 'AddUserToGroup', { GroupName: 'crew', UserName: 'member' }));
    // mozilla-services/userplex#17 (DeleteUser of a user still in a group).
    assertError(
      await iam(s, 'DeleteUser', { UserName: 'member' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must remove users from group first.',
    );
    await ok(iam(s, 'RemoveUserFromGroup', { GroupName: 'crew', UserName: 'member' }));
    await ok(
      iam(s, 'AttachGroupPolicy', { GroupName: 'crew', PolicyArn: `arn:aws:iam::${account}:policy/attachable` }),
    );
    // hashicorp/terraform-provider-aws#44357 (DeleteGroup, StatusCode: 409).
    assertError(
      await iam(s, 'DeleteGroup', { GroupName: 'crew' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must detach all policies first.',
    );
  });

  test('DeleteRole with an attached policy, DeletePolicy of an attached policy: 409 DeleteConflict', async () => {
    await ok(iam(s, 'CreateRole', { RoleName: 'holding', AssumeRolePolicyDocument: ec2Trust }));
    const arn = `arn:aws:iam::${account}:policy/attachable`;
    await ok(iam(s, 'AttachRolePolicy', { RoleName: 'holding', PolicyArn: arn }));
    // hashicorp/terraform#2761 (DeleteRole, status code: 409).
    assertError(
      await iam(s, 'DeleteRole', { RoleName: 'holding' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must detach all policies first.',
    );
    // hashicorp/terraform-provider-aws#39818 and #32906 (DeletePolicy, StatusCode: 409).
    assertError(
      await iam(s, 'DeletePolicy', { PolicyArn: arn }),
      409,
      'DeleteConflict',
      'Cannot delete a policy attached to entities.',
    );
  });

  test('a sixth policy version: LimitExceeded; a role name taken: 409 EntityAlreadyExists', async () => {
    await ok(iam(s, 'CreatePolicy', { PolicyName: 'versioned', PolicyDocument: boundaryDocument }));
    const arn = `arn:aws:iam::${account}:policy/versioned`;
    for (let i = 0; i < 4; i++)
      await ok(iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: boundaryDocument }));
    // 99designs/iamy#21 quotes the text; the status is the model's for LimitExceeded (409).
    assertError(
      await iam(s, 'CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: boundaryDocument }),
      409,
      'LimitExceeded',
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    );
    // aws-ia/terraform-aws-control_tower_account_factory#529 (CreateRole, StatusCode: 409).
    assertError(
      await iam(s, 'CreateRole', { RoleName: 'holding', AssumeRolePolicyDocument: ec2Trust }),
      409,
      'EntityAlreadyExists',
      'Role with name holding already exists.',
    );
  });
});

describe('policy simulator', () => {
  // LocalStack test_iam.py::TestIAMIntegrations::test_simulate_principle_policy[user|group|role] snapshots: the
  // policy as json.dumps writes it, attached to each kind of principal; s3:PutObject allowed by the statement from
  // Line 1 Column 41 to Line 1 Column 113, s3:GetObjectVersion an implicit deny with empty lists.
  // deliberate: no OrganizationsDecisionDetail. The recording's account belongs to an organization; AWS sends the
  // member only then, and an OpenSTS account belongs to none.
  test('SimulatePrincipalPolicy: the recorded answer for a user, a group and a role', async () => {
    const document =
      '{"Version": "2012-10-17", "Statement": {"Sid": "", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}}';
    await ok(iam(s, 'CreatePolicy', { PolicyName: 'simulated', PolicyDocument: document }));
    const arn = `arn:aws:iam::${account}:policy/simulated`;
    await ok(iam(s, 'CreateUser', { UserName: 'simulated' }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'simulated' }));
    const apigateway = policy({
      Sid: '',
      Effect: 'Allow',
      Principal: { Service: 'apigateway.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    await ok(iam(s, 'CreateRole', { RoleName: 'simulated', AssumeRolePolicyDocument: apigateway }));
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'simulated', PolicyArn: arn }));
    await ok(iam(s, 'AttachGroupPolicy', { GroupName: 'simulated', PolicyArn: arn }));
    await ok(iam(s, 'AttachRolePolicy', { RoleName: 'simulated', PolicyArn: arn }));
    const statement = [
      ['SourcePolicyId', 'simulated'], // UNCONFIRMED: the recording hides the id
      ['SourcePolicyType', 'IAM Policy'],
      ['StartPosition', '1,41'],
      ['EndPosition', '1,113'],
    ];
    const matched = (e: Element) =>
      e.children.map((m) =>
        m.children.map((c) => [c.name, c.children.length ? `${at(c, 'Line').text},${at(c, 'Column').text}` : c.text]),
      );
    for (const kind of ['user', 'group', 'role']) {
      const r = result(
        await iam(s, 'SimulatePrincipalPolicy', {
          PolicySourceArn: `arn:aws:iam::${account}:${kind}/simulated`,
          'ActionNames.member.1': 's3:PutObject',
          'ActionNames.member.2': 's3:GetObjectVersion',
          'ResourceArns.member.1': 'arn:aws:s3:::bucket',
        }),
        'SimulatePrincipalPolicy',
      );
      assert.deepEqual(names(r), ['EvaluationResults', 'IsTruncated']);
      assert.equal(at(r, 'IsTruncated').text, 'false');
      const [put, get] = at(r, 'EvaluationResults').children;
      for (const [evaluation, action, decision, statements] of [
        [put!, 's3:PutObject', 'allowed', [statement]],
        [get!, 's3:GetObjectVersion', 'implicitDeny', []],
      ] as const) {
        assert.deepEqual(
          names(evaluation),
          [
            'EvalActionName',
            'EvalResourceName',
            'EvalDecision',
            'MatchedStatements',
            'MissingContextValues',
            'EvalDecisionDetails',
            'ResourceSpecificResults',
          ],
          kind,
        );
        assertTexts(evaluation, {
          EvalActionName: action,
          EvalResourceName: 'arn:aws:s3:::bucket',
          EvalDecision: decision,
        });
        assert.deepEqual(matched(at(evaluation, 'MatchedStatements')), statements, kind);
        assert.deepEqual(names(at(evaluation, 'MissingContextValues')), []);
        assert.deepEqual(names(at(evaluation, 'EvalDecisionDetails')), []);
        const [specific] = at(evaluation, 'ResourceSpecificResults').children;
        assert.deepEqual(names(specific!), [
          'EvalResourceName',
          'EvalResourceDecision',
          'MatchedStatements',
          'MissingContextValues',
        ]);
        assertTexts(specific!, { EvalResourceName: 'arn:aws:s3:::bucket', EvalResourceDecision: decision });
        assert.deepEqual(matched(at(specific!, 'MatchedStatements')), statements, kind);
      }
    }
  });
});

describe('the other operations we serve: shapes by the model and the API reference examples', () => {
  // No recording of these answers: the members and their order are the botocore model's, the empty answers those of
  // the API reference's examples (UpdateUser, UpdateGroup, DeleteAccessKey, TagRole... show no output).
  test('each answer has the members the model gives, in its order', async () => {
    const policyArn = `arn:aws:iam::${account}:policy/listed`;
    await ok(iam(s, 'CreateUser', { UserName: 'other' }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'others' }));
    await ok(iam(s, 'CreateRole', { RoleName: 'other', AssumeRolePolicyDocument: ec2Trust }));
    await ok(iam(s, 'CreatePolicy', { PolicyName: 'listed', PolicyDocument: boundaryDocument }));
    const steps: [string, Record<string, string>, string[] | 'empty'][] = [
      ['AttachUserPolicy', { UserName: 'other', PolicyArn: policyArn }, 'empty'],
      ['AttachGroupPolicy', { GroupName: 'others', PolicyArn: policyArn }, 'empty'],
      ['AttachRolePolicy', { RoleName: 'other', PolicyArn: policyArn }, 'empty'],
      [
        'ListEntitiesForPolicy',
        { PolicyArn: policyArn },
        ['PolicyGroups', 'PolicyUsers', 'PolicyRoles', 'IsTruncated'],
      ],
      ['ListAttachedUserPolicies', { UserName: 'other' }, ['AttachedPolicies', 'IsTruncated']],
      ['ListAttachedGroupPolicies', { GroupName: 'others' }, ['AttachedPolicies', 'IsTruncated']],
      ['ListUserPolicies', { UserName: 'other' }, ['PolicyNames', 'IsTruncated']],
      ['ListGroupPolicies', { GroupName: 'others' }, ['PolicyNames', 'IsTruncated']],
      ['DetachUserPolicy', { UserName: 'other', PolicyArn: policyArn }, 'empty'],
      ['DetachGroupPolicy', { GroupName: 'others', PolicyArn: policyArn }, 'empty'],
      ['DetachRolePolicy', { RoleName: 'other', PolicyArn: policyArn }, 'empty'],
      ['ListGroups', {}, ['Groups', 'IsTruncated']],
      ['UpdateUser', { UserName: 'other', NewPath: '/moved/' }, 'empty'],
      ['UpdateGroup', { GroupName: 'others', NewPath: '/moved/' }, 'empty'],
      // The model gives UpdateRole an output with no members: an empty UpdateRoleResult.
      ['UpdateRole', { RoleName: 'other', MaxSessionDuration: '7200' }, []],
      ['UpdateRoleDescription', { RoleName: 'other', Description: 'd' }, ['Role']],
      ['TagUser', { UserName: 'other', ...tag(1, 'k', 'v') }, 'empty'],
      ['ListUserTags', { UserName: 'other' }, ['Tags', 'IsTruncated']],
      ['UntagUser', { UserName: 'other', 'TagKeys.member.1': 'k' }, 'empty'],
      ['UntagRole', { RoleName: 'service', 'TagKeys.member.1': 'Dept' }, 'empty'],
      ['TagPolicy', { PolicyArn: policyArn, ...tag(1, 'k', 'v') }, 'empty'],
      ['ListPolicyTags', { PolicyArn: policyArn }, ['Tags', 'IsTruncated']],
      [
        'CreatePolicyVersion',
        { PolicyArn: policyArn, PolicyDocument: boundaryDocument, SetAsDefault: 'true' },
        ['PolicyVersion'],
      ],
      ['SetDefaultPolicyVersion', { PolicyArn: policyArn, VersionId: 'v1' }, 'empty'],
      ['DeletePolicyVersion', { PolicyArn: policyArn, VersionId: 'v2' }, 'empty'],
      ['CreateInstanceProfile', { InstanceProfileName: 'other' }, ['InstanceProfile']],
      ['ListInstanceProfiles', { PathPrefix: '/' }, ['InstanceProfiles', 'IsTruncated']],
      ['DeleteInstanceProfile', { InstanceProfileName: 'other' }, 'empty'],
      ['GetContextKeysForCustomPolicy', { 'PolicyInputList.member.1': boundaryDocument }, ['ContextKeyNames']],
      [
        'GetContextKeysForPrincipalPolicy',
        { PolicySourceArn: `arn:aws:iam::${account}:user/other` },
        ['ContextKeyNames'],
      ],
      [
        'GetAccountAuthorizationDetails',
        { 'Filter.member.1': 'Role' },
        ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies', 'IsTruncated'],
      ],
      ['DeleteUserPolicy', { UserName: 'encoding', PolicyName: 'p' }, 'empty'],
      ['DeleteRolePolicy', { RoleName: 'encoding', PolicyName: 'p' }, 'empty'],
      ['DeleteGroupPolicy', { GroupName: 'encoding', PolicyName: 'p' }, 'empty'],
      ['DeleteUser', { UserName: 'other' }, 'empty'],
      ['DeleteGroup', { GroupName: 'others' }, 'empty'],
      ['DeletePolicy', { PolicyArn: policyArn }, 'empty'],
    ];
    for (const [operation, params, want] of steps) {
      const r = await iam(s, operation, params);
      if (want === 'empty') empty(r, operation);
      else assert.deepEqual(names(result(r, operation)), want, operation);
    }
  });

  // The API reference: AccessKeyLastUsed of a key never used has ServiceName and Region "N/A" and no LastUsedDate.
  test('GetAccessKeyLastUsed of a key never used; DeleteAccessKey', async () => {
    await ok(iam(s, 'CreateUser', { UserName: 'unused' }));
    const id = at(
      at(result(await iam(s, 'CreateAccessKey', { UserName: 'unused' }), 'CreateAccessKey'), 'AccessKey'),
      'AccessKeyId',
    ).text;
    const r = result(await iam(s, 'GetAccessKeyLastUsed', { AccessKeyId: id }), 'GetAccessKeyLastUsed');
    assert.deepEqual(names(r), ['UserName', 'AccessKeyLastUsed']);
    assert.deepEqual(
      at(r, 'AccessKeyLastUsed').children.map((c) => [c.name, c.text]),
      [
        ['ServiceName', 'N/A'],
        ['Region', 'N/A'],
      ],
    );
    empty(await iam(s, 'DeleteAccessKey', { UserName: 'unused', AccessKeyId: id }), 'DeleteAccessKey');
    // UNCONFIRMED by a recording: the text moto and Terraform users quote.
    assertError(
      await iam(s, 'DeleteAccessKey', { UserName: 'unused', AccessKeyId: id }),
      404,
      'NoSuchEntity',
      `The Access Key with id ${id} cannot be found.`,
    );
  });

  // Model: OIDC and SAML provider updates; UpdateSAMLProvider answers the ARN. The SAML 404's text ("Manifest not
  // found") is the one Terraform users quote from AWS (UNCONFIRMED by a recording).
  test('identity provider updates and deletes', async () => {
    const oidc = `arn:aws:iam::${account}:oidc-provider/server.example.com`;
    for (const [operation, params] of [
      ['AddClientIDToOpenIDConnectProvider', { ClientID: 'second' }],
      ['RemoveClientIDFromOpenIDConnectProvider', { ClientID: 'second' }],
      ['UpdateOpenIDConnectProviderThumbprint', { 'ThumbprintList.member.1': 'c'.repeat(40) }],
      ['TagOpenIDConnectProvider', tag(1, 'k', 'v')],
      ['UntagOpenIDConnectProvider', { 'TagKeys.member.1': 'k' }],
      ['DeleteOpenIDConnectProvider', {}],
    ] as const)
      empty(await iam(s, operation, { OpenIDConnectProviderArn: oidc, ...params }), operation);
    const saml = `arn:aws:iam::${account}:saml-provider/MyUniversity`;
    const updated = result(
      await iam(s, 'UpdateSAMLProvider', { SAMLProviderArn: saml, SAMLMetadataDocument: makeTestIdp().metadata() }),
      'UpdateSAMLProvider',
    );
    assert.deepEqual(names(updated), ['SAMLProviderArn']);
    empty(await iam(s, 'DeleteSAMLProvider', { SAMLProviderArn: saml }), 'DeleteSAMLProvider');
    assertError(
      await iam(s, 'GetSAMLProvider', { SAMLProviderArn: saml }),
      404,
      'NoSuchEntity',
      `Manifest not found for arn ${saml}`,
    );
  });
});

describe('users and their keys, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_users.snapshot.json)', () => {
  // TestUserLifecycle::test_delete_user_with_attached_policy and test_delete_user_with_inline_policy, test_user_errors.
  test('DeleteUser with an attached or an inline policy: 409; users that do not exist: 404', async () => {
    const policyArn = `arn:aws:iam::${account}:policy/attachable`;
    await ok(iam(s, 'CreateUser', { UserName: 'with-attached' }));
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'with-attached', PolicyArn: policyArn }));
    assertError(
      await iam(s, 'DeleteUser', { UserName: 'with-attached' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must detach all policies first.',
    );
    await ok(iam(s, 'CreateUser', { UserName: 'with-inline' }));
    await ok(iam(s, 'PutUserPolicy', { UserName: 'with-inline', PolicyName: 'p', PolicyDocument: boundaryDocument }));
    assertError(
      await iam(s, 'DeleteUser', { UserName: 'with-inline' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must delete policies first.',
    );
    const missing = 'The user with name nonexistent-user cannot be found.';
    for (const [operation, params] of [
      ['UpdateUser', { NewUserName: 'renamed' }],
      ['DeleteUser', {}],
      ['CreateAccessKey', {}],
      ['TagUser', tag(1, 'k', 'v')],
      ['UntagUser', { 'TagKeys.member.1': 'k' }],
      ['ListUserTags', {}],
    ] as const)
      assertError(await iam(s, operation, { UserName: 'nonexistent-user', ...params }), 404, 'NoSuchEntity', missing);
  });

  // TestUserAccessKeys::test_access_key_errors, TestUserPolicies::test_user_managed_policy_errors,
  // TestUserTags::test_user_tag_operations, TestUserAccessKeys::test_access_key_lifecycle.
  test('key and policy refusals; empty lists are sent empty', async () => {
    const bob = await createUserWithKey(s, 'key-errors');
    assertError(
      await iam(s, 'UpdateAccessKey', {
        UserName: 'key-errors',
        AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        Status: 'Inactive',
      }),
      404,
      'NoSuchEntity',
      'The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.',
    );
    // A key id of no user: AccessDenied naming the caller, "perform" without a colon.
    assertError(
      await iam(s, 'GetAccessKeyLastUsed', { AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }),
      403,
      'AccessDenied',
      `User: arn:aws:iam::${account}:root is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE`,
    );
    // DeleteAccessKey without UserName from credentials that are no user's (a role session).
    await ok(iam(s, 'PutUserPolicy', { UserName: 'key-errors', PolicyName: 'all', PolicyDocument: boundaryDocument }));
    const trustingAccount = policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' });
    await ok(iam(s, 'CreateRole', { RoleName: 'key-admin', AssumeRolePolicyDocument: trustingAccount }));
    await ok(iam(s, 'PutRolePolicy', { RoleName: 'key-admin', PolicyName: 'all', PolicyDocument: boundaryDocument }));
    const session = credentialsOf(
      (
        await ok(
          call(s, 'AssumeRole', { RoleArn: `arn:aws:iam::${account}:role/key-admin`, RoleSessionName: 'admin' }, bob),
        )
      ).body,
    );
    assertError(
      await iam(s, 'DeleteAccessKey', { AccessKeyId: bob.accessKeyId }, session),
      400,
      'ValidationError',
      'Must specify userName when calling with non-User credentials',
    );
    assertError(
      await iam(s, 'DetachUserPolicy', {
        UserName: 'key-errors',
        PolicyArn: `arn:aws:iam::${account}:policy/attachable`,
      }),
      404,
      'NoSuchEntity',
      `Policy arn:aws:iam::${account}:policy/attachable was not found.`,
    );
    await ok(iam(s, 'CreateUser', { UserName: 'bare' }));
    for (const [operation, list] of [
      ['ListUserTags', 'Tags'],
      ['ListAccessKeys', 'AccessKeyMetadata'],
      ['ListUserPolicies', 'PolicyNames'],
      ['ListAttachedUserPolicies', 'AttachedPolicies'],
      ['ListGroupsForUser', 'Groups'],
    ] as const) {
      const r = result(await iam(s, operation, { UserName: 'bare' }), operation);
      assert.deepEqual(names(r), [list, 'IsTruncated'], operation);
      assert.deepEqual(names(at(r, list)), [], operation);
    }
  });
});

describe('roles, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_roles.snapshot.json)', () => {
  // TestRoleLifecycle::test_role_errors, test_delete_role_with_inline_policy, test_update_role,
  // test_update_assume_role_policy_errors; TestRoleInlinePolicies::test_role_inline_policy_lifecycle.
  test('refusals, and UpdateRoleDescription answering the Role as CreateRole does', async () => {
    const missing = 'The role with name test-nonexistent-role cannot be found.';
    for (const operation of ['GetRole', 'UpdateRole', 'DeleteRole'])
      assertError(await iam(s, operation, { RoleName: 'test-nonexistent-role' }), 404, 'NoSuchEntity', missing);
    await ok(
      iam(s, 'CreateRole', {
        RoleName: 'inline-held',
        AssumeRolePolicyDocument: ec2Trust,
        Description: 'initial description',
      }),
    );
    await ok(
      iam(s, 'PutRolePolicy', { RoleName: 'inline-held', PolicyName: 'kept', PolicyDocument: boundaryDocument }),
    );
    assertError(
      await iam(s, 'DeleteRole', { RoleName: 'inline-held' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must delete policies first.',
    );
    for (const operation of ['GetRolePolicy', 'DeleteRolePolicy'])
      assertError(
        await iam(s, operation, { RoleName: 'inline-held', PolicyName: 'gone' }),
        404,
        'NoSuchEntity',
        'The role policy with name gone cannot be found.',
      );
    const trustWith = (statement: object) =>
      policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...statement });
    for (const [document, message] of [
      ['{"Version": ', 'This policy contains invalid Json'],
      [trustWith({ Action: 's3:GetObject' }), 'AssumeRole policy may only specify STS AssumeRole actions.'],
      [trustWith({ Resource: '*' }), 'Has prohibited field Resource'],
    ])
      assertError(
        await iam(s, 'UpdateAssumeRolePolicy', { RoleName: 'inline-held', PolicyDocument: document! }),
        400,
        'MalformedPolicyDocument',
        message!,
      );
    await ok(iam(s, 'UpdateRole', { RoleName: 'inline-held', MaxSessionDuration: 7200 }));
    const described = at(
      result(
        await iam(s, 'UpdateRoleDescription', {
          RoleName: 'inline-held',
          Description: 'description via update_role_description',
        }),
        'UpdateRoleDescription',
      ),
      'Role',
    );
    assert.deepEqual(names(described), [
      'Path',
      'RoleName',
      'RoleId',
      'Arn',
      'CreateDate',
      'AssumeRolePolicyDocument',
      'Description',
    ]);
    const fetched = at(result(await iam(s, 'GetRole', { RoleName: 'inline-held' }), 'GetRole'), 'Role');
    assertTexts(fetched, { Description: 'description via update_role_description', MaxSessionDuration: '7200' });
  });
});

describe('OpenID Connect providers, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_oidc.snapshot.json)', () => {
  test('refusals and the provider as GetOpenIDConnectProvider shows it', async () => {
    const thumbprints = (n: number) =>
      Object.fromEntries([...'abcdefgh'].slice(0, n).map((c, i) => [`ThumbprintList.member.${i + 1}`, c.repeat(40)]));
    // test_create_open_id_connect_provider_invalid_url
    assertError(
      await iam(s, 'CreateOpenIDConnectProvider', { Url: 'example.org', ...thumbprints(1) }),
      400,
      'ValidationError',
      'Invalid Open ID Connect Provider URL',
    );
    // test_create_open_id_connect_provider_too_many_thumbprints (six)
    assertError(
      await iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://oidc-thumbs.example.com', ...thumbprints(6) }),
      400,
      'InvalidInput',
      'Thumbprint list must contain fewer than 5 entries.',
    );
    // test_create_open_id_connect_provider_quota_error (101 client ids)
    const clients = Object.fromEntries([...Array(101).keys()].map((i) => [`ClientIDList.member.${i + 1}`, String(i)]));
    assertError(
      await iam(s, 'CreateOpenIDConnectProvider', {
        Url: 'https://oidc-clients.example.com',
        ...thumbprints(1),
        ...clients,
      }),
      409,
      'LimitExceeded',
      'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
    );
    // test_create_open_id_connect_provider_duplicate_error
    const url = 'https://oidc-get.example.com';
    await ok(
      iam(s, 'CreateOpenIDConnectProvider', { Url: url, ...thumbprints(2), 'ClientIDList.member.1': 'client-id-1' }),
    );
    assertError(
      await iam(s, 'CreateOpenIDConnectProvider', { Url: url, ...thumbprints(1) }),
      409,
      'EntityAlreadyExists',
      `Provider with url ${url} already exists.`,
    );
    // test_get_open_id_connect_provider: Tags sent empty.
    const arn = `arn:aws:iam::${account}:oidc-provider/oidc-get.example.com`;
    const got = result(
      await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }),
      'GetOpenIDConnectProvider',
    );
    assert.deepEqual(names(got), ['Url', 'ClientIDList', 'ThumbprintList', 'CreateDate', 'Tags']);
    assert.deepEqual(names(at(got, 'Tags')), []);
    assert.deepEqual(
      at(got, 'ClientIDList').children.map((c) => c.text),
      ['client-id-1'],
    );
    // test_get_open_id_connect_provider_not_found, test_delete_open_id_connect_provider.
    const gone = `arn:aws:iam::${account}:oidc-provider/non-existent.example.com`;
    assertError(
      await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: gone }),
      404,
      'NoSuchEntity',
      `OpenIDConnect Provider not found for arn ${gone}`,
    );
    empty(
      await iam(s, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }),
      'DeleteOpenIDConnectProvider',
    );
    assertError(
      await iam(s, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }),
      404,
      'NoSuchEntity',
      `OpenId connect Provider ${arn} cannot be found.`,
    );
  });

  // A list of structures over its length is refused without echoing it (the recordings leave list values out).
  test('51 tags in one request: the list is not quoted', async () => {
    const tags = Object.assign({}, ...[...Array(51).keys()].map((i) => tag(i + 1, `k${i}`, 'v')));
    assertError(
      await iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://oidc-tags.example.com', ...tags }),
      400,
      'ValidationError',
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  });
});

describe('instance profiles, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_instance_profiles.snapshot.json)', () => {
  // test_add_second_role_to_instance_profile_error, test_delete_instance_profile_with_role_error,
  // test_instance_profile_errors.
  test('a second role, deleting a profile holding a role, missing and duplicate profiles', async () => {
    await ok(iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'recorded-profile' }));
    await ok(iam(s, 'CreateRole', { RoleName: 'profile-role-1', AssumeRolePolicyDocument: ec2Trust }));
    await ok(iam(s, 'CreateRole', { RoleName: 'profile-role-2', AssumeRolePolicyDocument: ec2Trust }));
    await ok(
      iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'recorded-profile', RoleName: 'profile-role-1' }),
    );
    assertError(
      await iam(s, 'AddRoleToInstanceProfile', { InstanceProfileName: 'recorded-profile', RoleName: 'profile-role-2' }),
      409,
      'LimitExceeded',
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    );
    assertError(
      await iam(s, 'DeleteInstanceProfile', { InstanceProfileName: 'recorded-profile' }),
      409,
      'DeleteConflict',
      'Cannot delete entity, must remove roles from instance profile first.',
    );
    assertError(
      await iam(s, 'CreateInstanceProfile', { InstanceProfileName: 'recorded-profile' }),
      409,
      'EntityAlreadyExists',
      'Instance Profile recorded-profile already exists.',
    );
    for (const operation of ['GetInstanceProfile', 'DeleteInstanceProfile'])
      assertError(
        await iam(s, operation, { InstanceProfileName: 'nonexistent-profile' }),
        404,
        'NoSuchEntity',
        'Instance Profile nonexistent-profile cannot be found.',
      );
    const forRole = result(
      await iam(s, 'ListInstanceProfilesForRole', { RoleName: 'profile-role-2' }),
      'ListInstanceProfilesForRole',
    );
    assert.deepEqual(names(at(forRole, 'InstanceProfiles')), []);
  });
});

describe('groups, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_groups.snapshot.json)', () => {
  test('missing groups and users, a name taken, a policy not attached', async () => {
    await ok(iam(s, 'CreateGroup', { GroupName: 'recorded-group-1' }));
    await ok(iam(s, 'CreateGroup', { GroupName: 'recorded-group-2' }));
    await ok(iam(s, 'CreateUser', { UserName: 'recorded-member' }));
    const group = (name: string) => `The group with name ${name} cannot be found.`;
    const user = (name: string) => `The user with name ${name} cannot be found.`;
    for (const [operation, params, message] of [
      ['GetGroup', { GroupName: 'non-existent-group' }, group('non-existent-group')], // test_get_group
      ['DeleteGroup', { GroupName: 'unknown-group' }, group('unknown-group')], // test_delete_unknown_group
      ['UpdateGroup', { GroupName: 'nonexisting', NewGroupName: 'x' }, group('nonexisting')], // test_update_group_not_found
      // test_add_unknown_user_to_group, test_add_user_to_unknown_group
      ['AddUserToGroup', { GroupName: 'recorded-group-1', UserName: 'non-existent-user' }, user('non-existent-user')],
      ['AddUserToGroup', { GroupName: 'non-existent-group', UserName: 'recorded-member' }, group('non-existent-group')],
      // test_remove_user_from_unknown_group: neither exists, the user is named.
      ['RemoveUserFromGroup', { GroupName: 'unknown-group', UserName: 'any-user' }, user('any-user')],
      [
        'GetGroupPolicy',
        { GroupName: 'recorded-group-1', PolicyName: 'none' },
        'The group policy with name none cannot be found.',
      ],
    ] as const)
      assertError(await iam(s, operation, params), 404, 'NoSuchEntity', message);
    // test_update_group_duplicate_name
    assertError(
      await iam(s, 'UpdateGroup', { GroupName: 'recorded-group-1', NewGroupName: 'recorded-group-2' }),
      409,
      'EntityAlreadyExists',
      'Group with name recorded-group-2 already exists.',
    );
    // test_detach_unattached_group_policy
    assertError(
      await iam(s, 'DetachGroupPolicy', {
        GroupName: 'recorded-group-1',
        PolicyArn: `arn:aws:iam::${account}:policy/attachable`,
      }),
      404,
      'NoSuchEntity',
      `Policy arn:aws:iam::${account}:policy/attachable was not found.`,
    );
    // test_get_group_with_path: an empty group sends an empty Users.
    const got = result(await iam(s, 'GetGroup', { GroupName: 'recorded-group-2' }), 'GetGroup');
    assert.deepEqual(names(at(got, 'Users')), []);
  });
});

describe('MFA devices, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_mfa.snapshot.json)', () => {
  test('refusals in AWS words; ListMFADevices before and after', async () => {
    const serial = at(
      at(
        result(
          await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'recorded-mfa' }),
          'CreateVirtualMFADevice',
        ),
        'VirtualMFADevice',
      ),
      'SerialNumber',
    ).text;
    // test_virtual_mfa_device_errors
    assertError(
      await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'recorded-mfa' }),
      409,
      'EntityAlreadyExists',
      'MFA device already exists.',
    );
    // NOT FIXED here: AWS answers a bad Path with its own words ("The specified value for path is invalid. It must
    // begin and end with / and contain only alphanumeric characters and/or / characters."); ours is the model's
    // pattern message from the validation layer (issue 13, item 2), asserted here so that a change is seen.
    assertError(
      await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'pathed', Path: 'no-leading-slash/' }),
      400,
      'ValidationError',
      "1 validation error detected: Value 'no-leading-slash/' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
    );
    const missingDevice = `arn:aws:iam::${account}:mfa/nonexistent-device`;
    assertError(
      await iam(s, 'DeleteVirtualMFADevice', { SerialNumber: missingDevice }),
      404,
      'NoSuchEntity',
      `MFA Device with serial number ${missingDevice} does not exist.`,
    );
    // test_enable_mfa_device_errors
    for (const [operation, extra] of [
      ['EnableMFADevice', { AuthenticationCode1: '123456', AuthenticationCode2: '654321' }],
      ['DeactivateMFADevice', {}],
    ] as const)
      assertError(
        await iam(s, operation, { UserName: 'nonexistent-user', SerialNumber: serial, ...extra }),
        404,
        'NoSuchEntity',
        'The user with name nonexistent-user cannot be found.',
      );
    await ok(iam(s, 'CreateUser', { UserName: 'mfa-user' }));
    const missingMfa = `arn:aws:iam::${account}:mfa/nonexistent-mfa`;
    assertError(
      await iam(s, 'DeactivateMFADevice', { UserName: 'mfa-user', SerialNumber: missingMfa }),
      404,
      'NoSuchEntity',
      `MFA Device with serial number ${missingMfa} does not exist.`,
    );
    // test_enable_virtual_mfa_device: MFADevices empty, then UserName, SerialNumber, EnableDate.
    const before = result(await iam(s, 'ListMFADevices', { UserName: 'mfa-user' }), 'ListMFADevices');
    assert.deepEqual(names(before), ['MFADevices', 'IsTruncated']);
    assert.deepEqual(names(at(before, 'MFADevices')), []);
    const created = at(
      result(await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'enabled-mfa' }), 'CreateVirtualMFADevice'),
      'VirtualMFADevice',
    );
    const seed = Buffer.from(at(created, 'Base32StringSeed').text, 'base64').toString('ascii');
    const now = s.clock.now();
    const enabledSerial = at(created, 'SerialNumber').text;
    const codes = { AuthenticationCode1: totp(seed, now - 30_000), AuthenticationCode2: totp(seed, now) };
    empty(
      await iam(s, 'EnableMFADevice', { UserName: 'mfa-user', SerialNumber: enabledSerial, ...codes }),
      'EnableMFADevice',
    );
    const after = result(await iam(s, 'ListMFADevices', { UserName: 'mfa-user' }), 'ListMFADevices');
    assert.deepEqual(members(at(after, 'MFADevices')), [['UserName', 'SerialNumber', 'EnableDate']]);
    // test_enable_mfa_device_already_attached
    await ok(iam(s, 'CreateUser', { UserName: 'mfa-user-2' }));
    assertError(
      await iam(s, 'EnableMFADevice', { UserName: 'mfa-user-2', SerialNumber: enabledSerial, ...codes }),
      409,
      'EntityAlreadyExists',
      'MFA Device is already in use.',
    );
    // test_list_virtual_mfa_devices: AWS refuses a marker it did not issue (400 ValidationError "Invalid Marker.").
    // deliberate: our markers are the last key a page returned, so any text is a place to continue from, and a page
    // after it is answered (lookup.ts, pageOf); making markers opaque is left to the lists' owner.
    const page = result(await iam(s, 'ListVirtualMFADevices', { Marker: 'bogus' }), 'ListVirtualMFADevices');
    assert.deepEqual(names(page), ['VirtualMFADevices', 'IsTruncated']);
  });
});

describe('SAML providers, recorded in 2026 (LocalStack tests/aws/services/iam/test_iam_saml_providers.snapshot.json)', () => {
  test('GetSAMLProvider sends empty Tags and PrivateKeyList; Get and Delete of no provider are 404', async () => {
    const created = result(
      await iam(s, 'CreateSAMLProvider', { Name: 'RecordedProvider', SAMLMetadataDocument: makeTestIdp().metadata() }),
      'CreateSAMLProvider',
    );
    const arn = at(created, 'SAMLProviderArn').text;
    const got = result(await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arn }), 'GetSAMLProvider');
    assert.deepEqual(names(got), ['SAMLMetadataDocument', 'CreateDate', 'Tags', 'PrivateKeyList']);
    assert.deepEqual(names(at(got, 'Tags')), []);
    assert.deepEqual(names(at(got, 'PrivateKeyList')), []);
    const missing = `arn:aws:iam::${account}:saml-provider/NonExistentProvider`;
    for (const operation of ['GetSAMLProvider', 'DeleteSAMLProvider'])
      assertError(
        await iam(s, operation, { SAMLProviderArn: missing }),
        404,
        'NoSuchEntity',
        `Manifest not found for arn ${missing}`,
      );
  });
});
