/**
 * The Store contract for roles, groups, inline and managed policies, attachments, tags and MFA devices, run
 * against SQLite and (when a test database is configured) PostgreSQL: the SQL is written once for both.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type {
  ManagedPolicyRecord,
  MfaDeviceRecord,
  OidcProviderRecord,
  RoleRecord,
  Store,
  UserRecord,
} from '../../src/store/store.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';

const ACCOUNT = '123456789012';
const user = (name: string): UserRecord => ({
  accountId: ACCOUNT,
  userId: `AIDA${name.toUpperCase().padEnd(17, 'X')}`,
  userName: name,
  path: '/',
  createdAt: 1,
  tags: [],
});
const role = (name: string, path = '/'): RoleRecord => ({
  accountId: ACCOUNT,
  roleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
  roleName: name,
  path,
  createdAt: 1,
  trustPolicy: '{}',
  maxSessionDuration: 3600,
  tags: [],
});
const managed = (name: string): ManagedPolicyRecord => ({
  accountId: ACCOUNT,
  policyId: `ANPA${name.toUpperCase().padEnd(17, 'X')}`,
  arn: `arn:aws:iam::${ACCOUNT}:policy/${name}`,
  policyName: name,
  path: '/',
  defaultVersionId: 'v1',
  createdAt: 1,
  updatedAt: 1,
  tags: [],
});
const device = (name: string): MfaDeviceRecord => ({
  serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${name}`,
  accountId: ACCOUNT,
  path: '/',
  deviceName: name,
  seedEncrypted: 'sealed',
  lastStep: 0,
  createdAt: 1,
  tags: [],
});

const provider = (url: string): OidcProviderRecord => ({
  accountId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`,
  url,
  clientIds: ['sts.amazonaws.com'],
  thumbprints: [],
  createdAt: 1,
  tags: [],
});

function iamStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`IAM store contract: ${name}`, () => {
    const withStore = (title: string, fn: (s: Store) => Promise<void>) =>
      test(title, async () => {
        const s = await open();
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      });

    withStore('roles: unique names in any case, pages, updates, delete only without policies', async (s) => {
      assert.equal(await s.createRole(role('Admin')), true);
      assert.equal(await s.createRole({ ...role('admin'), roleId: 'AROAOTHER' }), false);
      for (const n of ['b', 'c', 'a']) await s.createRole(role(n, '/x/'));
      assert.equal((await s.getRoleByName(ACCOUNT, 'ADMIN'))?.roleName, 'Admin');
      const p1 = await s.listRoles(ACCOUNT, { maxItems: 2, pathPrefix: '/x/' });
      assert.deepEqual(
        p1.items.map((r) => r.roleName),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await s.listRoles(ACCOUNT, { maxItems: 2, pathPrefix: '/x/', marker: p1.marker })).items.map(
          (r) => r.roleName,
        ),
        ['c'],
      );
      const id = role('Admin').roleId;
      assert.equal(
        await s.updateRole(id, { maxSessionDuration: 7200, description: 'd', trustPolicy: '{"x":1}' }),
        true,
      );
      const r = await s.getRoleById(id);
      assert.deepEqual([r?.maxSessionDuration, r?.description, r?.trustPolicy], [7200, 'd', '{"x":1}']);
      await s.putInlinePolicy({ ownerId: id, policyName: 'P', document: '{}' });
      assert.equal(await s.deleteRole(id), 'has-policies');
      assert.equal(await s.deleteInlinePolicy(id, 'p'), true);
      await s.attachPolicy(id, 'arn:aws:iam::aws:policy/AdministratorAccess', 10);
      assert.equal(await s.deleteRole(id), 'has-attached-policies');
      assert.equal(await s.detachPolicy(id, 'arn:aws:iam::aws:policy/AdministratorAccess'), true);
      assert.equal(await s.deleteRole(id), 'deleted');
      assert.equal(await s.deleteRole(id), 'missing');
    });

    withStore('role last use: later uses win, and recording one is not a change', async (s) => {
      await s.createRole(role('used'));
      const id = role('used').roleId;
      assert.equal((await s.getRoleById(id))?.lastUsedAt, undefined);
      const r0 = s.revision();
      await s.recordRoleUse([
        { roleId: id, at: 5000, region: 'eu-west-1' },
        { roleId: 'AROANOSUCHROLE', at: 1, region: 'x' },
      ]);
      await s.recordRoleUse([{ roleId: id, at: 4000, region: 'us-east-1' }]);
      assert.equal(s.revision(), r0);
      const r = await s.getRoleByName(ACCOUNT, 'USED');
      assert.deepEqual([r?.lastUsedAt, r?.lastUsedRegion], [5000, 'eu-west-1']);
    });

    withStore('tags: merged case-insensitively, limited, on every tagged entity', async (s) => {
      await s.createRole(role('r'));
      const id = role('r').roleId;
      assert.equal(
        await s.updateTags(
          'role',
          id,
          [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
          [],
          3,
        ),
        'updated',
      );
      assert.equal(await s.updateTags('role', id, [{ Key: 'A', Value: '3' }], ['b'], 3), 'updated');
      assert.deepEqual((await s.getRoleById(id))?.tags, [{ Key: 'A', Value: '3' }]);
      assert.equal(
        await s.updateTags(
          'role',
          id,
          [
            { Key: 'x', Value: '' },
            { Key: 'y', Value: '' },
            { Key: 'z', Value: '' },
          ],
          [],
          3,
        ),
        'limit-exceeded',
      );
      assert.equal(await s.updateTags('user', 'AIDANOBODY', [], [], 3), 'missing');
    });

    withStore('groups: members both ways, delete only when empty', async (s) => {
      await s.createUser(user('ann'));
      await s.createUser(user('ben'));
      assert.equal(
        await s.createGroup({ accountId: ACCOUNT, groupId: 'AGPA1', groupName: 'Ops', path: '/', createdAt: 1 }),
        true,
      );
      assert.equal(
        await s.createGroup({ accountId: ACCOUNT, groupId: 'AGPA2', groupName: 'ops', path: '/', createdAt: 1 }),
        false,
      );
      await s.addUserToGroup('AGPA1', user('ben').userId);
      await s.addUserToGroup('AGPA1', user('ann').userId);
      await s.addUserToGroup('AGPA1', user('ann').userId);
      assert.deepEqual(
        (await s.listGroupMembers('AGPA1', { maxItems: 10 })).items.map((u) => u.userName),
        ['ann', 'ben'],
      );
      assert.deepEqual(
        (await s.listGroupsForUser(user('ann').userId, { maxItems: 10 })).items.map((g) => g.groupName),
        ['Ops'],
      );
      assert.equal(await s.deleteUser(ACCOUNT, user('ann').userId), 'in-groups');
      assert.equal(await s.deleteGroup('AGPA1'), 'has-members');
      assert.equal(await s.removeUserFromGroup('AGPA1', user('ann').userId), true);
      assert.equal(await s.removeUserFromGroup('AGPA1', user('ann').userId), false);
      await s.removeUserFromGroup('AGPA1', user('ben').userId);
      assert.equal(await s.deleteGroup('AGPA1'), 'deleted');
    });

    withStore('managed policies: versions, default, attachments and their count, listing by scope', async (s) => {
      assert.equal(await s.createManagedPolicy(managed('Reader'), '{"v":1}'), true);
      assert.equal(
        await s.createManagedPolicy({ ...managed('reader'), policyId: 'ANPAOTHER', arn: 'arn:x' }, '{}'),
        false,
      );
      const p = managed('Reader');
      const v2 = await s.createPolicyVersion(p.policyId, '{"v":2}', true, 5, 3);
      assert.equal(typeof v2 === 'object' && v2.versionId, 'v2');
      await s.createPolicyVersion(p.policyId, '{"v":3}', false, 6, 3);
      assert.equal(await s.createPolicyVersion(p.policyId, '{}', false, 7, 3), 'limit-exceeded');
      assert.deepEqual(
        (await s.listPolicyVersions(p.policyId)).map((v) => v.versionId),
        ['v3', 'v2', 'v1'],
      );
      assert.equal((await s.getManagedPolicy(p.arn))?.defaultVersionId, 'v2');
      assert.equal(await s.deletePolicyVersion(p.policyId, 'v2'), 'is-default');
      assert.equal(await s.setDefaultPolicyVersion(p.policyId, 'v3', 8), true);
      assert.equal(await s.setDefaultPolicyVersion(p.policyId, 'v9', 8), false);
      await s.createUser(user('cat'));
      await s.attachPolicy(user('cat').userId, p.arn, 2);
      await s.attachPolicy(user('cat').userId, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 2);
      assert.equal(
        await s.attachPolicy(user('cat').userId, 'arn:aws:iam::aws:policy/AdministratorAccess', 2),
        'limit-exceeded',
      );
      assert.equal((await s.getManagedPolicy(p.arn))?.attachmentCount, 1);
      const docs = await s.attachedPolicyDocuments([user('cat').userId]);
      assert.deepEqual(
        docs.map((d) => [d.arn, d.document.length > 0]),
        [
          ['arn:aws:iam::123456789012:policy/Reader', true],
          ['arn:aws:iam::aws:policy/IAMReadOnlyAccess', true],
        ],
      );
      assert.equal(docs[0]!.document, '{"v":3}');
      assert.deepEqual(
        (await s.listAttachedPolicies(user('cat').userId)).map((x) => x.policyName),
        ['IAMReadOnlyAccess', 'Reader'],
      );
      const local = await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 10 });
      assert.deepEqual(
        local.items.map((x) => [x.policyName, x.attachmentCount]),
        [['Reader', 1]],
      );
      const all = await s.listManagedPolicies(ACCOUNT, { scope: 'All', onlyAttached: true, maxItems: 1 });
      assert.equal(all.items.length, 1);
      assert.equal(
        (await s.listManagedPolicies(ACCOUNT, { scope: 'All', onlyAttached: true, maxItems: 1, marker: all.marker }))
          .items.length,
        1,
      );
      assert.equal(
        (await s.listManagedPolicies(ACCOUNT, { scope: 'AWS', onlyAttached: false, maxItems: 10, pathPrefix: '/' }))
          .items.length,
        3,
      );
      assert.equal(await s.deleteUser(ACCOUNT, user('cat').userId), 'has-attached-policies');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'attached');
      await s.detachPolicy(user('cat').userId, p.arn);
      assert.equal(await s.deleteManagedPolicy(p.arn), 'has-versions');
      await s.deletePolicyVersion(p.policyId, 'v1');
      await s.deletePolicyVersion(p.policyId, 'v2');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'deleted');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'missing');
    });

    withStore('inline policies: put replaces, names compare case-insensitively, listed per owner', async (s) => {
      await s.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'One', document: '1' });
      await s.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'one', document: '2' });
      await s.putInlinePolicy({ ownerId: 'AGPA1', policyName: 'g', document: '3' });
      assert.deepEqual(await s.getInlinePolicy('AIDA1', 'ONE'), { ownerId: 'AIDA1', policyName: 'one', document: '2' });
      assert.deepEqual((await s.listInlinePolicies(['AIDA1', 'AGPA1'])).map((p) => p.document).sort(), ['2', '3']);
      assert.equal(await s.deleteInlinePolicy('AIDA1', 'One'), true);
      assert.equal(await s.getInlinePolicy('AIDA1', 'one'), undefined);
    });

    withStore('MFA devices: assignment, steps that only move forward, delete when unassigned', async (s) => {
      await s.createUser(user('dot'));
      const d = device('phone');
      assert.equal(await s.createMfaDevice(d), true);
      assert.equal(await s.createMfaDevice(d), false);
      assert.equal(await s.enableMfaDevice(d.serialNumber, user('dot').userId, 100, 7), 'enabled');
      assert.equal(await s.enableMfaDevice(d.serialNumber, 'AIDAOTHER', 100, 8), 'in-use');
      assert.equal(await s.acceptMfaStep(d.serialNumber, 7), false);
      assert.equal(await s.acceptMfaStep(d.serialNumber, 8), true);
      const results = await Promise.all([9, 9, 9].map((step) => s.acceptMfaStep(d.serialNumber, step)));
      assert.equal(results.filter(Boolean).length, 1, 'a step is accepted once even when raced');
      assert.equal((await s.listMfaDevices(ACCOUNT, { userId: user('dot').userId }))[0]?.enabledAt, 100);
      assert.equal((await s.listMfaDevices(ACCOUNT, { assignment: 'Unassigned' })).length, 0);
      assert.equal(await s.deleteUser(ACCOUNT, user('dot').userId), 'has-mfa');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'in-use');
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, 'AIDAOTHER'), false);
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, user('dot').userId), true);
      assert.equal((await s.getMfaDevice(d.serialNumber))?.lastStep, 9, 'the last step survives deactivation');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'deleted');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'missing');
    });

    withStore(
      'OIDC providers: unique ARNs, limited per account, client ids and thumbprints changed in place, tags',
      async (s) => {
        const gh = provider('token.actions.githubusercontent.com');
        assert.equal(await s.createOidcProvider(gh, 2), 'created');
        assert.equal(await s.createOidcProvider(gh, 2), 'exists');
        assert.equal(await s.createOidcProvider(provider('a.example.com/tenant'), 2), 'created');
        assert.equal(await s.createOidcProvider(provider('b.example.com'), 2), 'limit-exceeded');
        assert.deepEqual(
          (await s.listOidcProviders(ACCOUNT)).map((p) => p.url),
          ['a.example.com/tenant', 'token.actions.githubusercontent.com'],
        );
        assert.deepEqual(await s.listOidcProviders('999999999999'), []);
        assert.deepEqual(await s.getOidcProvider(gh.arn), gh);

        assert.equal(await s.updateOidcClientIds(gh.arn, ['app', 'sts.amazonaws.com'], [], 3), 'updated');
        assert.deepEqual(
          (await s.getOidcProvider(gh.arn))?.clientIds,
          ['sts.amazonaws.com', 'app'],
          'adding one that is there changes nothing',
        );
        assert.equal(await s.updateOidcClientIds(gh.arn, ['x', 'y'], [], 3), 'limit-exceeded');
        assert.equal(await s.updateOidcClientIds(gh.arn, [], ['sts.amazonaws.com', 'absent'], 3), 'updated');
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.clientIds, ['app']);
        assert.equal(
          await s.updateOidcClientIds('arn:aws:iam::123456789012:oidc-provider/none', ['a'], [], 3),
          'missing',
        );

        const thumb = 'a'.repeat(40);
        assert.equal(await s.setOidcThumbprints(gh.arn, [thumb]), true);
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.thumbprints, [thumb]);
        assert.equal(await s.setOidcThumbprints('arn:aws:iam::123456789012:oidc-provider/none', []), false);

        assert.equal(await s.updateTags('oidc-provider', gh.arn, [{ Key: 'team', Value: 'ci' }], [], 50), 'updated');
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.tags, [{ Key: 'team', Value: 'ci' }]);

        const r0 = s.revision();
        assert.equal(await s.deleteOidcProvider(gh.arn), true);
        assert.notEqual(s.revision(), r0);
        assert.equal(await s.deleteOidcProvider(gh.arn), false);
        assert.equal(await s.getOidcProvider(gh.arn), undefined);
      },
    );

    withStore('instance profiles: unique names, one role each, pages, in the way of deleting the role', async (s) => {
      const profile = (name: string, path = '/') => ({
        accountId: ACCOUNT,
        instanceProfileId: `AIPA${name.toUpperCase().padEnd(17, 'X')}`,
        name,
        path,
        createdAt: 1,
        tags: [],
      });
      assert.equal(await s.createInstanceProfile(profile('Web')), true);
      assert.equal(await s.createInstanceProfile({ ...profile('web'), instanceProfileId: 'AIPAOTHER' }), false);
      for (const n of ['b', 'c', 'a']) await s.createInstanceProfile(profile(n, '/x/'));
      const web = profile('Web').instanceProfileId;
      await s.createRole(role('ec2'));
      const roleId = role('ec2').roleId;
      assert.equal(await s.addRoleToInstanceProfile('AIPANOPE', roleId), 'missing');
      assert.equal(await s.addRoleToInstanceProfile(web, 'AROANOPE'), 'no-such-role');
      const r0 = s.revision();
      assert.equal(await s.addRoleToInstanceProfile(web, roleId), 'added');
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.addRoleToInstanceProfile(web, roleId), 'limit-exceeded');
      await s.createRole(role('other'));
      assert.equal(await s.addRoleToInstanceProfile(web, role('other').roleId), 'limit-exceeded');
      assert.equal(await s.addRoleToInstanceProfile(profile('b').instanceProfileId, roleId), 'added');
      const got = await s.getInstanceProfileByName(ACCOUNT, 'WEB');
      assert.deepEqual([got?.name, got?.role?.roleName, got?.role?.trustPolicy], ['Web', 'ec2', '{}']);
      const p1 = await s.listInstanceProfiles(ACCOUNT, { maxItems: 2, pathPrefix: '/x/' });
      assert.deepEqual(
        p1.items.map((p) => [p.name, p.role?.roleName]),
        [
          ['a', undefined],
          ['b', 'ec2'],
        ],
      );
      assert.deepEqual(
        (await s.listInstanceProfiles(ACCOUNT, { maxItems: 2, pathPrefix: '/x/', marker: p1.marker })).items.map(
          (p) => p.name,
        ),
        ['c'],
      );
      assert.deepEqual(
        (await s.listInstanceProfilesForRole(roleId, { maxItems: 10 })).items.map((p) => p.name),
        ['b', 'Web'],
      );
      assert.deepEqual((await s.accountSummary(ACCOUNT)).instanceProfiles, 4);
      assert.equal(await s.deleteRole(roleId), 'in-instance-profile');
      assert.equal(await s.deleteInstanceProfile(web), 'has-role');
      assert.equal(await s.removeRoleFromInstanceProfile(web, role('other').roleId), false);
      assert.equal(await s.removeRoleFromInstanceProfile(web, roleId), true);
      assert.equal(await s.removeRoleFromInstanceProfile(profile('b').instanceProfileId, roleId), true);
      assert.equal(await s.updateTags('instance-profile', web, [{ Key: 'k', Value: 'v' }], [], 50), 'updated');
      assert.deepEqual((await s.getInstanceProfileByName(ACCOUNT, 'web'))?.tags, [{ Key: 'k', Value: 'v' }]);
      assert.equal(await s.deleteInstanceProfile(web), 'deleted');
      assert.equal(await s.deleteInstanceProfile(web), 'missing');
      assert.equal(await s.getInstanceProfileByName(ACCOUNT, 'web'), undefined);
      assert.equal(await s.deleteRole(roleId), 'deleted');
    });

    withStore('policy entities: attachments of users, groups and roles, and boundaries', async (s) => {
      const p = managed('Used');
      await s.createManagedPolicy(p, '{}');
      await s.createUser(user('ann'));
      await s.createUser({ ...user('ben'), permissionsBoundary: p.arn });
      await s.createRole(role('svc', '/x/'));
      await s.createGroup({
        accountId: ACCOUNT,
        groupId: 'AGPAGROUPXXXXXXXXXXXX',
        groupName: 'devs',
        path: '/',
        createdAt: 1,
      });
      for (const id of [user('ann').userId, role('svc').roleId, 'AGPAGROUPXXXXXXXXXXXX'])
        await s.attachPolicy(id, p.arn, 10);
      const got = (await s.policyEntities(p.arn)).map((e) => [e.kind, e.usage, e.name, e.path, e.id]).sort();
      assert.deepEqual(got, [
        ['group', 'PermissionsPolicy', 'devs', '/', 'AGPAGROUPXXXXXXXXXXXX'],
        ['role', 'PermissionsPolicy', 'svc', '/x/', role('svc').roleId],
        ['user', 'PermissionsBoundary', 'ben', '/', user('ben').userId],
        ['user', 'PermissionsPolicy', 'ann', '/', user('ann').userId],
      ]);
      assert.deepEqual(await s.policyEntities(`arn:aws:iam::${ACCOUNT}:policy/Nobody`), []);
    });

    withStore('renames: users and groups take a new name and/or path, unique regardless of case', async (s) => {
      await s.createUser(user('old'));
      await s.createUser(user('other'));
      const id = user('old').userId;
      assert.equal(await s.renameEntity('user', id, { name: 'OTHER' }), 'exists');
      assert.equal(await s.renameEntity('user', id, { name: 'New', path: '/p/' }), 'updated');
      assert.deepEqual(
        [(await s.getUserByName(ACCOUNT, 'new'))?.userName, (await s.getUserById(id))?.path],
        ['New', '/p/'],
      );
      assert.equal(await s.getUserByName(ACCOUNT, 'old'), undefined);
      assert.equal(await s.renameEntity('user', id, { name: 'NEW' }), 'updated', 'its own name in another case');
      assert.equal(await s.renameEntity('user', 'AIDANOBODY', { path: '/' }), 'missing');
      await s.createGroup({
        accountId: ACCOUNT,
        groupId: 'AGPAONEXXXXXXXXXXXXXX',
        groupName: 'g',
        path: '/',
        createdAt: 1,
      });
      assert.equal(await s.renameEntity('group', 'AGPAONEXXXXXXXXXXXXXX', { path: '/q/' }), 'updated');
      assert.equal((await s.getGroupByName(ACCOUNT, 'G'))?.path, '/q/');
    });

    withStore('every change moves the revision', async (s) => {
      const r0 = s.revision();
      await s.createRole(role('rev'));
      assert.notEqual(s.revision(), r0);
      const r1 = s.revision();
      await s.putInlinePolicy({ ownerId: role('rev').roleId, policyName: 'p', document: '{}' });
      assert.notEqual(s.revision(), r1);
    });

    withStore(
      'permissions boundaries: stored on users and roles, counted, and in the way of deleting the policy',
      async (s) => {
        const p = managed('Boundary');
        await s.createManagedPolicy(p, '{}');
        const revision = s.revision();
        assert.equal(await s.createUser({ ...user('dan'), permissionsBoundary: p.arn }), true);
        assert.ok(s.revision() > revision, 'a write moves the revision');
        assert.equal((await s.getUserById(user('dan').userId))?.permissionsBoundary, p.arn);
        assert.equal((await s.getUserByName(ACCOUNT, 'dan'))?.permissionsBoundary, p.arn);
        await s.createRole(role('ops'));
        assert.equal((await s.getRoleById(role('ops').roleId))?.permissionsBoundary, undefined);
        const before = s.revision();
        assert.equal(await s.setPermissionsBoundary('role', role('ops').roleId, p.arn), 'updated');
        assert.ok(s.revision() > before, 'setting a boundary moves the revision (caches drop)');
        assert.equal((await s.getRoleByName(ACCOUNT, 'OPS'))?.permissionsBoundary, p.arn);
        assert.equal(
          await s.setPermissionsBoundary('role', role('ops').roleId, `arn:aws:iam::${ACCOUNT}:policy/Ghost`),
          'no-such-policy',
        );
        assert.equal(
          (await s.getRoleById(role('ops').roleId))?.permissionsBoundary,
          p.arn,
          'a refused change changes nothing',
        );
        assert.equal(await s.setPermissionsBoundary('user', 'AIDANOBODY', p.arn), 'missing');
        assert.equal(await s.setPermissionsBoundary('role', 'AROANOBODY', undefined), 'missing');
        const got = await s.getManagedPolicy(p.arn);
        assert.deepEqual([got?.attachmentCount, got?.permissionsBoundaryUsageCount], [0, 2]);
        const listed = await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 10 });
        assert.deepEqual(
          listed.items.map((x) => [x.policyName, x.permissionsBoundaryUsageCount]),
          [['Boundary', 2]],
        );
        assert.equal(
          (await s.getManagedPolicy('arn:aws:iam::aws:policy/IAMReadOnlyAccess'))?.permissionsBoundaryUsageCount,
          0,
        );
        assert.equal(await s.deleteManagedPolicy(p.arn), 'attached');
        assert.equal(await s.setPermissionsBoundary('user', user('dan').userId, undefined), 'updated');
        assert.equal((await s.getUserById(user('dan').userId))?.permissionsBoundary, undefined);
        assert.equal(await s.deleteManagedPolicy(p.arn), 'attached', "still the role's boundary");
        assert.equal(await s.setPermissionsBoundary('role', role('ops').roleId, undefined), 'updated');
        assert.equal((await s.getManagedPolicy(p.arn))?.permissionsBoundaryUsageCount, 0);
        assert.equal(await s.deleteManagedPolicy(p.arn), 'deleted');
      },
    );
  });
}

iamStoreContract('SQLite (in memory)', async () => {
  const s = SqliteStore.open(':memory:');
  await s.migrate();
  return s;
});

describe('PostgreSQL', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  after(() => schemas.cleanup());
  iamStoreContract('PostgreSQL', () => schemas.open());
});
