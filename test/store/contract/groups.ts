import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, group, managed, plain, user } from './fixtures.js';

export function groupStoreContract(backend: Backend): void {
  contractSuite('GroupStore', backend, (t) => {
    t.test('groups: members both ways, delete only when empty', async (s) => {
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

    t.test('a group reads back as created; found by name in any case', async (s) => {
      const g = group('Devs', '/eng/');
      await s.createGroup(g);
      assert.deepEqual(plain(await s.getGroupByName(ACCOUNT, 'DEVS')), g);
      assert.equal(await s.getGroupByName('000000000000', 'Devs'), undefined);
      assert.equal(await s.getGroupByName(ACCOUNT, 'nobody'), undefined);
    });

    t.test('a group id that is taken is refused like a taken name', async (s) => {
      assert.equal(await s.createGroup(group('first')), true);
      assert.equal(await s.createGroup({ ...group('first'), groupName: 'second' }), false);
      assert.equal(await s.getGroupByName(ACCOUNT, 'second'), undefined);
    });

    t.test('groups: pages in name order, with path prefix', async (s) => {
      for (const n of ['c', 'A', 'e', 'b', 'D']) await s.createGroup(group(n, n.toLowerCase() < 'c' ? '/x/' : '/y/'));
      const p1 = await s.listGroups(ACCOUNT, { maxItems: 2 });
      assert.deepEqual(
        p1.items.map((g) => g.groupName),
        ['A', 'b'],
      );
      assert.ok(p1.marker);
      const p2 = await s.listGroups(ACCOUNT, { maxItems: 2, marker: p1.marker });
      assert.deepEqual(
        p2.items.map((g) => g.groupName),
        ['c', 'D'],
      );
      const p3 = await s.listGroups(ACCOUNT, { maxItems: 2, marker: p2.marker });
      assert.deepEqual(
        p3.items.map((g) => g.groupName),
        ['e'],
      );
      assert.equal(p3.marker, undefined);
      assert.deepEqual(
        (await s.listGroups(ACCOUNT, { maxItems: 10, pathPrefix: '/x/' })).items.map((g) => g.groupName),
        ['A', 'b'],
      );
      assert.deepEqual(await s.listGroups('000000000000', { maxItems: 10 }), { items: [] });
    });

    t.test('members and groups of a user page in name order', async (s) => {
      for (const n of ['u3', 'u1', 'u2']) await s.createUser(user(n));
      for (const n of ['g2', 'g1', 'g3']) await s.createGroup(group(n));
      for (const n of ['u3', 'u1', 'u2']) await s.addUserToGroup(group('g1').groupId, user(n).userId);
      for (const n of ['g2', 'g1', 'g3']) await s.addUserToGroup(group(n).groupId, user('u1').userId);
      const m1 = await s.listGroupMembers(group('g1').groupId, { maxItems: 2 });
      assert.deepEqual(
        m1.items.map((u) => u.userName),
        ['u1', 'u2'],
      );
      const m2 = await s.listGroupMembers(group('g1').groupId, { maxItems: 2, marker: m1.marker });
      assert.deepEqual(
        m2.items.map((u) => u.userName),
        ['u3'],
      );
      assert.equal(m2.marker, undefined);
      const g1 = await s.listGroupsForUser(user('u1').userId, { maxItems: 2 });
      assert.deepEqual(
        g1.items.map((g) => g.groupName),
        ['g1', 'g2'],
      );
      const g2 = await s.listGroupsForUser(user('u1').userId, { maxItems: 2, marker: g1.marker });
      assert.deepEqual(
        g2.items.map((g) => g.groupName),
        ['g3'],
      );
      assert.equal(g2.marker, undefined);
      assert.deepEqual(await s.listGroupsForUser(user('u2').userId, { maxItems: 10 }), {
        items: [plain(group('g1'))],
      });
      // Compared as JSON: a record's absent members may be present as undefined.
      assert.deepEqual(plain(await s.listGroupMembers(group('g2').groupId, { maxItems: 10 })), {
        items: [plain(user('u1'))],
      });
    });

    t.test('members are listed as whole user records', async (s) => {
      const p = managed('Boundary');
      await s.createManagedPolicy(p, '{}');
      const u = { ...user('bounded'), permissionsBoundary: p.arn, tags: [{ Key: 'k', Value: 'v' }] };
      await s.createUser(u);
      await s.createGroup(group('g'));
      await s.addUserToGroup(group('g').groupId, u.userId);
      assert.deepEqual(plain((await s.listGroupMembers(group('g').groupId, { maxItems: 10 })).items), [u]);
    });

    t.test('a group with policies cannot be deleted; a missing one is missing', async (s) => {
      await s.createGroup(group('g'));
      const id = group('g').groupId;
      await s.putInlinePolicy({ ownerId: id, policyName: 'p', document: '{}' });
      assert.equal(await s.deleteGroup(id), 'has-policies');
      await s.deleteInlinePolicy(id, 'p');
      await s.attachPolicy(id, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 10);
      assert.equal(await s.deleteGroup(id), 'has-attached-policies');
      await s.detachPolicy(id, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess');
      const r0 = s.revision();
      assert.equal(await s.deleteGroup(id), 'deleted');
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.deleteGroup(id), 'missing');
      assert.equal(await s.getGroupByName(ACCOUNT, 'g'), undefined);
    });

    t.pair('membership changed on one node is seen on the other', async (a, b) => {
      await a.createUser(user('ann'));
      await a.createGroup(group('ops'));
      assert.equal(await b.createGroup({ ...group('OPS'), groupId: 'AGPASECOND' }), false);
      await b.addUserToGroup(group('ops').groupId, user('ann').userId);
      assert.deepEqual(
        (await a.listGroupsForUser(user('ann').userId, { maxItems: 10 })).items.map((g) => g.groupName),
        ['ops'],
      );
      assert.equal(await a.removeUserFromGroup(group('ops').groupId, user('ann').userId), true);
      assert.deepEqual(await b.listGroupMembers(group('ops').groupId, { maxItems: 10 }), { items: [] });
    });
  });
}
