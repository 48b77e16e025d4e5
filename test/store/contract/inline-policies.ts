import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';

export function inlinePolicyStoreContract(backend: Backend): void {
  contractSuite('InlinePolicyStore', backend, (t) => {
    t.test('inline policies: put replaces, names compare case-insensitively, listed per owner', async (s) => {
      await s.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'One', document: '1' });
      await s.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'one', document: '2' });
      await s.putInlinePolicy({ ownerId: 'AGPA1', policyName: 'g', document: '3' });
      assert.deepEqual(await s.getInlinePolicy('AIDA1', 'ONE'), { ownerId: 'AIDA1', policyName: 'one', document: '2' });
      assert.deepEqual((await s.listInlinePolicies(['AIDA1', 'AGPA1'])).map((p) => p.document).sort(), ['2', '3']);
      assert.equal(await s.deleteInlinePolicy('AIDA1', 'One'), true);
      assert.equal(await s.getInlinePolicy('AIDA1', 'one'), undefined);
    });

    t.test("an owner's policies are listed in name order; other owners' are not", async (s) => {
      for (const n of ['c', 'A', 'b']) await s.putInlinePolicy({ ownerId: 'AROA1', policyName: n, document: n });
      await s.putInlinePolicy({ ownerId: 'AROA2', policyName: 'x', document: 'x' });
      assert.deepEqual(await s.listInlinePolicies(['AROA1']), [
        { ownerId: 'AROA1', policyName: 'A', document: 'A' },
        { ownerId: 'AROA1', policyName: 'b', document: 'b' },
        { ownerId: 'AROA1', policyName: 'c', document: 'c' },
      ]);
      assert.deepEqual(await s.listInlinePolicies([]), []);
      assert.deepEqual(await s.listInlinePolicies(['AROANONE']), []);
    });

    t.test('deleting: once, and each change moves the revision', async (s) => {
      const r0 = s.revision();
      await s.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'p', document: '{}' });
      const r1 = s.revision();
      assert.notEqual(r1, r0);
      assert.equal(await s.deleteInlinePolicy('AIDA1', 'P'), true);
      assert.notEqual(s.revision(), r1);
      assert.equal(await s.deleteInlinePolicy('AIDA1', 'p'), false);
      assert.equal(await s.deleteInlinePolicy('AIDANONE', 'p'), false);
      assert.equal(await s.getInlinePolicy('AIDANONE', 'p'), undefined);
    });

    t.pair('a policy put on one node is read on the other', async (a, b) => {
      await a.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'p', document: 'v1' });
      await b.putInlinePolicy({ ownerId: 'AIDA1', policyName: 'P', document: 'v2' });
      assert.deepEqual(await a.getInlinePolicy('AIDA1', 'p'), { ownerId: 'AIDA1', policyName: 'P', document: 'v2' });
      assert.equal(await a.deleteInlinePolicy('AIDA1', 'p'), true);
      assert.deepEqual(await b.listInlinePolicies(['AIDA1']), []);
    });
  });
}
