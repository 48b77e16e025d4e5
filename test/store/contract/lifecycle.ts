import assert from 'node:assert/strict';
import { migrations } from '../../../src/store/schema.js';
import { type Backend, contractSuite } from './harness.js';
import { key, role, user } from './fixtures.js';

export function storeLifecycleContract(backend: Backend): void {
  contractSuite('StoreLifecycle', backend, (t) => {
    t.test('migrate is idempotent: a migrated store applies nothing and plans nothing', async (s) => {
      assert.deepEqual(await s.migrate(), { applied: [] });
      assert.deepEqual(await s.migrationPlan(), {
        applied: migrations.map((m) => m.name),
        pending: [],
        unknown: [],
      });
    });

    t.test('ping answers, and the store is available', async (s) => {
      await s.ping();
      assert.notEqual(s.available?.(), false);
    });

    t.test('revision moves on every change, not on recorded use', async (s) => {
      const r0 = s.revision();
      await s.createUser(user('dan'));
      const r1 = s.revision();
      assert.notEqual(r1, r0);
      await s.createAccessKey(key('AKIAD'), 2);
      assert.notEqual(s.revision(), r1);
      const r2 = s.revision();
      await s.recordAccessKeyUse([{ accessKeyId: 'AKIAD', at: 1, region: 'r', service: 's' }]);
      assert.equal(s.revision(), r2);
    });

    t.test('every change moves the revision', async (s) => {
      const r0 = s.revision();
      await s.createRole(role('rev'));
      assert.notEqual(s.revision(), r0);
      const r1 = s.revision();
      await s.putInlinePolicy({ ownerId: role('rev').roleId, policyName: 'p', document: '{}' });
      assert.notEqual(s.revision(), r1);
    });

    t.test('a closed store answers no more queries', async (s) => {
      await s.close();
      await assert.rejects(s.ping());
    });

    t.pair("a change made on one handle moves the other's revision", async (a, b) => {
      const before = b.revision();
      await a.createUser(user('eve'));
      t.backend.catchUp(b);
      assert.notEqual(b.revision(), before);
      const r = b.revision();
      await a.recordAccessKeyUse([{ accessKeyId: 'AKIANONE', at: 1, region: 'r', service: 's' }]);
      t.backend.catchUp(b);
      assert.equal(b.revision(), r, 'recorded use is not a change');
    });
  });
}
