/**
 * The stock aws CLI with permissions boundaries: put-user-permissions-boundary, get-user showing it, the user's
 * own calls limited by it (with AWS's message as the CLI prints it), create-role --permissions-boundary, and
 * delete-user-permissions-boundary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { aws } from '../helpers/clients.js';
import { allow, policy, trust } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = s.running.app.accountId;

const root = (args: string[]) => aws(s, s.root, args);

test('aws iam put-user-permissions-boundary, get-user, the boundary applied, delete-user-permissions-boundary', async () => {
  const created = await root([
    'iam',
    'create-policy',
    '--policy-name',
    'ReadRoles',
    '--policy-document',
    policy(allow('iam:ListRoles')),
  ]);
  assert.equal(created.code, 0, created.stderr);
  const boundary = created.json.Policy.Arn;
  assert.equal((await root(['iam', 'create-user', '--user-name', 'cli-user'])).code, 0);
  const k = await root(['iam', 'create-access-key', '--user-name', 'cli-user']);
  const user: Credentials = {
    accessKeyId: k.json.AccessKey.AccessKeyId,
    secretAccessKey: k.json.AccessKey.SecretAccessKey,
  };
  assert.equal(
    (
      await root([
        'iam',
        'put-user-policy',
        '--user-name',
        'cli-user',
        '--policy-name',
        'all',
        '--policy-document',
        policy(allow('iam:*')),
      ])
    ).code,
    0,
  );

  const put = await root([
    'iam',
    'put-user-permissions-boundary',
    '--user-name',
    'cli-user',
    '--permissions-boundary',
    boundary,
  ]);
  assert.equal(put.code, 0, put.stderr);
  const got = await root(['iam', 'get-user', '--user-name', 'cli-user']);
  assert.deepEqual(got.json.User.PermissionsBoundary, {
    PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
    PermissionsBoundaryArn: boundary,
  });
  assert.equal(
    (await root(['iam', 'get-policy', '--policy-arn', boundary])).json.Policy.PermissionsBoundaryUsageCount,
    1,
  );

  assert.equal((await aws(s, user, ['iam', 'list-roles'])).code, 0);
  const refused = await aws(s, user, ['iam', 'list-users']);
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    new RegExp(
      `An error occurred \\(AccessDenied\\) when calling the ListUsers operation: User: arn:aws:iam::${account}:user/cli-user ` +
        `is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ because no permissions boundary allows the iam:ListUsers action`,
    ),
  );

  const role = await root([
    'iam',
    'create-role',
    '--role-name',
    'cli-role',
    '--assume-role-policy-document',
    trust(`arn:aws:iam::${account}:root`),
    '--permissions-boundary',
    boundary,
  ]);
  assert.equal(role.code, 0, role.stderr);
  assert.equal(role.json.Role.PermissionsBoundary.PermissionsBoundaryArn, boundary);

  assert.equal((await root(['iam', 'delete-user-permissions-boundary', '--user-name', 'cli-user'])).code, 0);
  assert.equal((await root(['iam', 'get-user', '--user-name', 'cli-user'])).json.User.PermissionsBoundary, undefined);
  assert.equal((await aws(s, user, ['iam', 'list-users'])).code, 0, 'without the boundary, the user may list users');
});
