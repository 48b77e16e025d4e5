import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, plain, profile, role } from './fixtures.js';

export function instanceProfileStoreContract(backend: Backend): void {
  contractSuite('InstanceProfileStore', backend, (t) => {
    t.test('instance profiles: unique names, one role each, pages, in the way of deleting the role', async (s) => {
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

    t.test('a profile reads back as created, with the whole role it holds', async (s) => {
      const p = { ...profile('Full', '/svc/'), tags: [{ Key: 'k', Value: 'v' }] };
      const r = { ...role('held'), description: 'd' };
      await s.createInstanceProfile({ ...p, role: role('ignored') });
      assert.deepEqual(plain(await s.getInstanceProfileByName(ACCOUNT, 'full')), p, 'role is ignored by create');
      await s.createRole(r);
      await s.addRoleToInstanceProfile(p.instanceProfileId, r.roleId);
      assert.deepEqual(plain(await s.getInstanceProfileByName(ACCOUNT, 'Full')), { ...p, role: r });
      assert.deepEqual(plain((await s.listInstanceProfiles(ACCOUNT, { maxItems: 10 })).items), [{ ...p, role: r }]);
      assert.equal(await s.getInstanceProfileByName('000000000000', 'Full'), undefined);
    });

    t.test('a profile id that is taken is refused like a taken name', async (s) => {
      assert.equal(await s.createInstanceProfile(profile('first')), true);
      assert.equal(await s.createInstanceProfile({ ...profile('first'), name: 'second' }), false);
      assert.equal(await s.getInstanceProfileByName(ACCOUNT, 'second'), undefined);
    });

    t.test("a role's profiles page in name order", async (s) => {
      await s.createRole(role('r'));
      for (const n of ['p3', 'P1', 'p2', 'unrelated']) await s.createInstanceProfile(profile(n));
      for (const n of ['p3', 'P1', 'p2'])
        await s.addRoleToInstanceProfile(profile(n).instanceProfileId, role('r').roleId);
      const p1 = await s.listInstanceProfilesForRole(role('r').roleId, { maxItems: 2 });
      assert.deepEqual(
        p1.items.map((p) => [p.name, p.role?.roleName]),
        [
          ['P1', 'r'],
          ['p2', 'r'],
        ],
      );
      const p2 = await s.listInstanceProfilesForRole(role('r').roleId, { maxItems: 2, marker: p1.marker });
      assert.deepEqual(
        p2.items.map((p) => p.name),
        ['p3'],
      );
      assert.equal(p2.marker, undefined);
      assert.deepEqual(await s.listInstanceProfilesForRole('AROANOBODY', { maxItems: 10 }), { items: [] });
      const all = await s.listInstanceProfiles(ACCOUNT, { maxItems: 3 });
      assert.ok(all.marker);
      assert.deepEqual(
        (await s.listInstanceProfiles(ACCOUNT, { maxItems: 3, marker: all.marker })).items.map((p) => p.name),
        ['unrelated'],
      );
    });

    t.test('removing: only the role the profile holds; a missing profile is missing', async (s) => {
      assert.equal(await s.removeRoleFromInstanceProfile('AIPANOPE', 'AROANOPE'), false);
      assert.equal(await s.deleteInstanceProfile('AIPANOPE'), 'missing');
      await s.createInstanceProfile(profile('empty'));
      const r0 = s.revision();
      assert.equal(await s.deleteInstanceProfile(profile('empty').instanceProfileId), 'deleted');
      assert.notEqual(s.revision(), r0);
    });

    t.pair('a role added on one node fills the profile on the other', async (a, b) => {
      await a.createInstanceProfile(profile('shared'));
      await a.createRole(role('one'));
      await a.createRole(role('two'));
      assert.equal(await b.createInstanceProfile({ ...profile('SHARED'), instanceProfileId: 'AIPASECOND' }), false);
      assert.equal(await a.addRoleToInstanceProfile(profile('shared').instanceProfileId, role('one').roleId), 'added');
      assert.equal(
        await b.addRoleToInstanceProfile(profile('shared').instanceProfileId, role('two').roleId),
        'limit-exceeded',
      );
      assert.equal((await b.getInstanceProfileByName(ACCOUNT, 'shared'))?.role?.roleName, 'one');
      const raced = await t.race(
        () => a.removeRoleFromInstanceProfile(profile('shared').instanceProfileId, role('one').roleId),
        () => b.removeRoleFromInstanceProfile(profile('shared').instanceProfileId, role('one').roleId),
      );
      assert.equal(raced.filter(Boolean).length, 1);
    });
  });
}
