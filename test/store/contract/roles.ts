import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, plain, profile, role } from './fixtures.js';

export function roleStoreContract(backend: Backend): void {
  contractSuite('RoleStore', backend, (t) => {
    t.test('roles: unique names in any case, pages, updates, delete only without policies', async (s) => {
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

    t.test('a role reads back as it was created; lists page to the end', async (s) => {
      const r = { ...role('Full', '/svc/'), description: 'the role', tags: [{ Key: 'k', Value: 'v' }] };
      await s.createRole(r);
      assert.deepEqual(plain(await s.getRoleById(r.roleId)), r);
      assert.deepEqual(plain(await s.getRoleByName(ACCOUNT, 'full')), r);
      assert.equal(await s.getRoleById('AROANOBODY'), undefined);
      assert.equal(await s.getRoleByName('000000000000', 'Full'), undefined);
      for (const n of ['B', 'a', 'c']) await s.createRole(role(n));
      const p1 = await s.listRoles(ACCOUNT, { maxItems: 3 });
      assert.deepEqual(
        p1.items.map((x) => x.roleName),
        ['a', 'B', 'c'],
      );
      const p2 = await s.listRoles(ACCOUNT, { maxItems: 3, marker: p1.marker });
      assert.deepEqual(
        p2.items.map((x) => x.roleName),
        ['Full'],
      );
      assert.equal(p2.marker, undefined);
    });

    t.test('a role id that is taken is refused like a taken name', async (s) => {
      assert.equal(await s.createRole(role('first')), true);
      assert.equal(await s.createRole({ ...role('first'), roleName: 'second' }), false);
      assert.equal(await s.getRoleByName(ACCOUNT, 'second'), undefined);
    });

    t.test('updates change only what they name; a missing role is not updated', async (s) => {
      await s.createRole({ ...role('u'), description: 'keep' });
      const id = role('u').roleId;
      const r0 = s.revision();
      assert.equal(await s.updateRole(id, { maxSessionDuration: 43200 }), true);
      assert.notEqual(s.revision(), r0);
      const r = await s.getRoleById(id);
      assert.deepEqual([r?.maxSessionDuration, r?.description, r?.trustPolicy], [43200, 'keep', '{}']);
      assert.equal(await s.updateRole('AROANOBODY', { description: 'x' }), false);
    });

    t.test('a role in an instance profile cannot be deleted', async (s) => {
      await s.createRole(role('ec2'));
      await s.createInstanceProfile(profile('web'));
      await s.addRoleToInstanceProfile(profile('web').instanceProfileId, role('ec2').roleId);
      assert.equal(await s.deleteRole(role('ec2').roleId), 'in-instance-profile');
      await s.removeRoleFromInstanceProfile(profile('web').instanceProfileId, role('ec2').roleId);
      assert.equal(await s.deleteRole(role('ec2').roleId), 'deleted');
    });

    t.test('role last use: later uses win, and recording one is not a change', async (s) => {
      await s.createRole(role('used'));
      const id = role('used').roleId;
      assert.equal((await s.getRoleById(id))?.lastUsedAt, undefined);
      const r0 = s.revision();
      await s.recordRoleUse([
        { roleId: id, at: 5000, region: 'eu-west-1' },
        { roleId: 'AROANOSUCHROLE', at: 1, region: 'x' },
      ]);
      await s.recordRoleUse([{ roleId: id, at: 4000, region: 'us-east-1' }]);
      await s.recordRoleUse([]);
      assert.equal(s.revision(), r0);
      const r = await s.getRoleByName(ACCOUNT, 'USED');
      assert.deepEqual([r?.lastUsedAt, r?.lastUsedRegion], [5000, 'eu-west-1']);
    });

    t.pair('a role created and updated on one node is seen on the other', async (a, b) => {
      await a.createRole(role('shared'));
      assert.equal(await b.createRole({ ...role('SHARED'), roleId: 'AROASECOND' }), false);
      await b.updateRole(role('shared').roleId, { trustPolicy: '{"v":2}' });
      assert.equal((await a.getRoleByName(ACCOUNT, 'shared'))?.trustPolicy, '{"v":2}');
      await a.recordRoleUse([{ roleId: role('shared').roleId, at: 7, region: 'eu-west-1' }]);
      assert.equal((await b.getRoleById(role('shared').roleId))?.lastUsedAt, 7);
    });
  });
}
