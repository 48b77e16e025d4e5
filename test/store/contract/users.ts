import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, device, group, key, plain, user } from './fixtures.js';

export function userStoreContract(backend: Backend): void {
  contractSuite('UserStore', backend, (t) => {
    t.test('users: unique case-insensitively, found by name in any case and by id', async (s) => {
      assert.equal(await s.createUser(user('Alice')), true);
      assert.equal(await s.createUser({ ...user('alice'), userId: 'AIDAOTHER' }), false);
      assert.equal((await s.getUserByName(ACCOUNT, 'ALICE'))?.userName, 'Alice');
      assert.equal((await s.getUserById(user('Alice').userId))?.userName, 'Alice');
      assert.equal(await s.getUserByName('000000000000', 'alice'), undefined);
      assert.equal(await s.getUserById('AIDAOTHER'), undefined, 'the refused user was not stored');
      assert.equal(await s.getUserById('AIDANOBODY'), undefined);
    });

    t.test('a user id that is taken is refused like a taken name', async (s) => {
      assert.equal(await s.createUser(user('first')), true);
      assert.equal(await s.createUser({ ...user('first'), userName: 'second' }), false);
      assert.equal(await s.getUserByName(ACCOUNT, 'second'), undefined);
      assert.equal((await s.getUserById(user('first').userId))?.userName, 'first');
    });

    t.test('a user reads back as it was created', async (s) => {
      const u = { ...user('tagged', '/a/b/'), tags: [{ Key: 'team', Value: 'x' }] };
      await s.createUser(u);
      assert.deepEqual(plain(await s.getUserById(u.userId)), u);
      assert.deepEqual(plain(await s.getUserByName(ACCOUNT, 'TAGGED')), u);
    });

    t.test('users: pages in name order, with path prefix', async (s) => {
      for (const n of ['c', 'a', 'e', 'b', 'd']) await s.createUser(user(n, n < 'c' ? '/x/' : '/y/'));
      const p1 = await s.listUsers(ACCOUNT, { maxItems: 2 });
      assert.deepEqual(
        p1.items.map((u) => u.userName),
        ['a', 'b'],
      );
      const p2 = await s.listUsers(ACCOUNT, { maxItems: 2, marker: p1.marker });
      assert.deepEqual(
        p2.items.map((u) => u.userName),
        ['c', 'd'],
      );
      const p3 = await s.listUsers(ACCOUNT, { maxItems: 2, marker: p2.marker });
      assert.deepEqual(
        p3.items.map((u) => u.userName),
        ['e'],
      );
      assert.equal(p3.marker, undefined);
      assert.deepEqual(
        (await s.listUsers(ACCOUNT, { maxItems: 10, pathPrefix: '/y/' })).items.map((u) => u.userName),
        ['c', 'd', 'e'],
      );
      const exact = await s.listUsers(ACCOUNT, { maxItems: 5 });
      assert.equal(exact.items.length, 5);
      assert.equal(exact.marker, undefined, 'no marker when the page holds the last item');
      assert.deepEqual(await s.listUsers('000000000000', { maxItems: 5 }), { items: [] });
    });

    t.test('names order case-insensitively', async (s) => {
      for (const n of ['b', 'A', 'C']) await s.createUser(user(n));
      assert.deepEqual(
        (await s.listUsers(ACCOUNT, { maxItems: 10 })).items.map((u) => u.userName),
        ['A', 'b', 'C'],
      );
    });

    t.test('deleting a user with keys is refused', async (s) => {
      const u = user('carol');
      await s.createUser(u);
      await s.createAccessKey(key('AKIAC1', u.userId), 2);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'has-keys');
      assert.equal(await s.deleteAccessKey('AKIAC1'), true);
      assert.equal(await s.deleteAccessKey('AKIAC1'), false);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'deleted');
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'missing');
      assert.equal(await s.getUserById(u.userId), undefined);
    });

    t.test('deleting a user: each thing it owns is in the way until removed', async (s) => {
      const u = user('owner');
      await s.createUser(u);
      await s.putInlinePolicy({ ownerId: u.userId, policyName: 'p', document: '{}' });
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'has-policies');
      await s.deleteInlinePolicy(u.userId, 'p');
      await s.attachPolicy(u.userId, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 10);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'has-attached-policies');
      await s.detachPolicy(u.userId, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess');
      await s.createGroup(group('g'));
      await s.addUserToGroup(group('g').groupId, u.userId);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'in-groups');
      await s.removeUserFromGroup(group('g').groupId, u.userId);
      await s.createMfaDevice(device('d'));
      await s.enableMfaDevice(device('d').serialNumber, u.userId, 1, 1);
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'has-mfa');
      await s.deactivateMfaDevice(device('d').serialNumber, u.userId);
      const r0 = s.revision();
      assert.equal(await s.deleteUser(ACCOUNT, u.userId), 'deleted');
      assert.notEqual(s.revision(), r0);
    });

    t.pair('a user created on one node is seen, and its name taken, on the other', async (a, b) => {
      assert.equal(await a.createUser(user('Shared')), true);
      assert.equal((await b.getUserByName(ACCOUNT, 'shared'))?.userId, user('Shared').userId);
      assert.equal(await b.createUser({ ...user('SHARED'), userId: 'AIDASECOND' }), false);
      assert.equal(await b.deleteUser(ACCOUNT, user('Shared').userId), 'deleted');
      assert.equal(await a.getUserById(user('Shared').userId), undefined);
    });
  });
}
