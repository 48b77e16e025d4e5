import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';

export function masterKeyCheckStoreContract(backend: Backend): void {
  contractSuite('MasterKeyCheckStore', backend, (t) => {
    t.test('the first check value claimed is kept; later claims answer it', async (s) => {
      assert.equal(await s.getMasterKeyCheck(), undefined);
      const r0 = s.revision();
      assert.equal(await s.claimMasterKeyCheck('sealed-a', 1), 'sealed-a');
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.claimMasterKeyCheck('sealed-b', 2), 'sealed-a');
      assert.equal(await s.getMasterKeyCheck(), 'sealed-a');
    });

    t.pair("nodes claiming at once agree on one node's value", async (a, b) => {
      const [x, y] = await t.race(
        () => a.claimMasterKeyCheck('from-a', 1),
        () => b.claimMasterKeyCheck('from-b', 1),
      );
      assert.equal(x, y);
      assert.ok(x === 'from-a' || x === 'from-b');
      assert.equal(await a.getMasterKeyCheck(), x);
      assert.equal(await b.getMasterKeyCheck(), x);
    });
  });
}
