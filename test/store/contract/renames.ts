import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, group, user } from './fixtures.js';

export function renameStoreContract(backend: Backend): void {
  contractSuite('RenameStore', backend, (t) => {
    t.test('renames: users and groups take a new name and/or path, unique regardless of case', async (s) => {
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

    t.test('groups: a taken name is refused, a missing group is missing', async (s) => {
      await s.createGroup(group('one'));
      await s.createGroup(group('two'));
      assert.equal(await s.renameEntity('group', group('one').groupId, { name: 'TWO' }), 'exists');
      assert.equal((await s.getGroupByName(ACCOUNT, 'one'))?.groupId, group('one').groupId, 'nothing changed');
      const r0 = s.revision();
      assert.equal(await s.renameEntity('group', group('one').groupId, { name: 'Three' }), 'updated');
      assert.notEqual(s.revision(), r0);
      assert.equal((await s.getGroupByName(ACCOUNT, 'three'))?.groupName, 'Three');
      assert.equal(await s.getGroupByName(ACCOUNT, 'one'), undefined);
      assert.equal(await s.renameEntity('group', 'AGPANOBODY', { name: 'x' }), 'missing');
    });

    t.test('a renamed user keeps its place in lists by its new name', async (s) => {
      for (const n of ['a', 'b', 'c']) await s.createUser(user(n));
      await s.renameEntity('user', user('a').userId, { name: 'd' });
      assert.deepEqual(
        (await s.listUsers(ACCOUNT, { maxItems: 10 })).items.map((u) => u.userName),
        ['b', 'c', 'd'],
      );
    });
  });
}
