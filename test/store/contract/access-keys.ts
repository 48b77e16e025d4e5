import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, key, plain, user } from './fixtures.js';

export function accessKeyStoreContract(backend: Backend): void {
  contractSuite('AccessKeyStore', backend, (t) => {
    t.test('access keys: at most N per owner, root keys apart', async (s) => {
      const u = user('bob');
      await s.createUser(u);
      assert.equal(await s.createAccessKey(key('AKIA1', u.userId), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA2', u.userId), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA3', u.userId), 2), 'limit-exceeded');
      assert.equal(await s.createAccessKey(key('AKIA4'), 2), 'created');
      assert.equal(await s.createAccessKey(key('AKIA5', 'AIDANOBODY'), 2), 'no-such-owner');
      assert.deepEqual(
        (await s.listAccessKeys(ACCOUNT, u.userId)).map((k) => k.accessKeyId),
        ['AKIA1', 'AKIA2'],
      );
      assert.deepEqual(
        (await s.listAccessKeys(ACCOUNT, undefined)).map((k) => k.accessKeyId),
        ['AKIA4'],
      );
      assert.equal((await s.getAccessKey('AKIA4'))?.userId, undefined);
      assert.equal(await s.getAccessKey('AKIA3'), undefined, 'a refused key was not stored');
      assert.equal(await s.getAccessKey('AKIA5'), undefined);
    });

    t.test('a key reads back as it was created, listed in creation order', async (s) => {
      const u = user('kim');
      await s.createUser(u);
      const later = { ...key('AKIAAAAA', u.userId), createdAt: 3000 };
      const earlier = { ...key('AKIAZZZZ', u.userId), createdAt: 1000 };
      await s.createAccessKey(later, 2);
      await s.createAccessKey(earlier, 2);
      assert.deepEqual(plain(await s.getAccessKey('AKIAAAAA')), later);
      assert.deepEqual(plain(await s.listAccessKeys(ACCOUNT, u.userId)), [earlier, later]);
      assert.deepEqual(await s.listAccessKeys('000000000000', u.userId), []);
    });

    t.test('an access key id that is taken: the store throws and changes nothing', async (s) => {
      await s.createUser(user('dup'));
      assert.equal(await s.createAccessKey(key('AKIADUP'), 2), 'created');
      await assert.rejects(s.createAccessKey(key('AKIADUP', user('dup').userId), 2));
      assert.equal((await s.getAccessKey('AKIADUP'))?.userId, undefined, 'still the root key');
      assert.deepEqual(await s.listAccessKeys(ACCOUNT, user('dup').userId), []);
    });

    t.test('access keys: concurrent creation keeps the limit', async (s) => {
      const u = user('race');
      await s.createUser(u);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.createAccessKey(key(`AKIARACE${i}`, u.userId), 2)),
      );
      assert.equal(results.filter((r) => r === 'created').length, 2);
    });

    t.test('status changes and last use', async (s) => {
      await s.createAccessKey(key('AKIAU'), 2);
      assert.equal(await s.updateAccessKeyStatus('AKIAU', 'Inactive'), true);
      assert.equal((await s.getAccessKey('AKIAU'))?.status, 'Inactive');
      assert.equal(await s.updateAccessKeyStatus('AKIANONE', 'Inactive'), false);
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAU', at: 5000, region: 'eu-west-1', service: 'sts' }]);
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAU', at: 4000, region: 'us-east-1', service: 'iam' }]);
      const k = await s.getAccessKey('AKIAU');
      assert.deepEqual([k?.lastUsedAt, k?.lastUsedRegion, k?.lastUsedService], [5000, 'eu-west-1', 'sts']);
      await s.recordAccessKeyUse([]);
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIANONE', at: 1, region: 'r', service: 's' }]);
      assert.equal(await s.getAccessKey('AKIANONE'), undefined, 'recording a use creates no key');
    });

    t.test('deleting and disabling keys move the revision', async (s) => {
      await s.createAccessKey(key('AKIAREV'), 2);
      const r0 = s.revision();
      await s.updateAccessKeyStatus('AKIAREV', 'Inactive');
      const r1 = s.revision();
      assert.notEqual(r1, r0);
      await s.deleteAccessKey('AKIAREV');
      assert.notEqual(s.revision(), r1);
      assert.equal(await s.getAccessKey('AKIAREV'), undefined);
    });

    t.pair('a key disabled on one node is disabled on the other; limits hold across nodes', async (a, b) => {
      await a.createAccessKey(key('AKIANODE'), 2);
      await b.updateAccessKeyStatus('AKIANODE', 'Inactive');
      assert.equal((await a.getAccessKey('AKIANODE'))?.status, 'Inactive');
      assert.equal(await b.createAccessKey(key('AKIANODE2'), 2), 'created');
      assert.equal(await a.createAccessKey(key('AKIANODE3'), 2), 'limit-exceeded');
      await a.recordAccessKeyUse([{ accessKeyId: 'AKIANODE', at: 9, region: 'eu-west-1', service: 'sts' }]);
      assert.equal((await b.getAccessKey('AKIANODE'))?.lastUsedAt, 9);
    });
  });
}
