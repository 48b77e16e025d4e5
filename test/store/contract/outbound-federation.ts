import assert from 'node:assert/strict';
import type { OutboundSigningKeyRecord } from '../../../src/store/store.js';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, OTHER_ACCOUNT } from './fixtures.js';

const signingKey = (kid: string, alg: OutboundSigningKeyRecord['alg'] = 'RS256'): OutboundSigningKeyRecord => ({
  accountId: ACCOUNT,
  kid,
  alg,
  privateKeyEncrypted: `sealed-${kid}`,
  publicJwk: JSON.stringify({ kid, alg, use: 'sig' }),
  createdAt: 10,
});

export function outboundFederationStoreContract(backend: Backend): void {
  contractSuite('OutboundFederationStore', backend, (t) => {
    t.test('enabled once with its keys; disabled once, deleting them; enabled again with new keys', async (s) => {
      assert.equal(await s.getOutboundFederation(ACCOUNT), undefined);
      const r0 = s.revision();
      assert.equal(await s.enableOutboundFederation(ACCOUNT, [signingKey('k2', 'ES384'), signingKey('k1')], 100), true);
      assert.notEqual(s.revision(), r0);
      assert.deepEqual(await s.getOutboundFederation(ACCOUNT), {
        accountId: ACCOUNT,
        enabled: true,
        changedAt: 100,
        keys: [signingKey('k1'), signingKey('k2', 'ES384')],
      });
      assert.equal(await s.enableOutboundFederation(ACCOUNT, [signingKey('k3')], 200), false);
      assert.deepEqual(
        (await s.getOutboundFederation(ACCOUNT))?.keys.map((k) => k.kid),
        ['k1', 'k2'],
        'changes nothing when on already',
      );
      assert.equal(await s.disableOutboundFederation(ACCOUNT, 300), true);
      assert.deepEqual(await s.getOutboundFederation(ACCOUNT), {
        accountId: ACCOUNT,
        enabled: false,
        changedAt: 300,
        keys: [],
      });
      assert.equal(await s.disableOutboundFederation(ACCOUNT, 400), false);
      assert.equal((await s.getOutboundFederation(ACCOUNT))?.changedAt, 300);
      assert.equal(await s.enableOutboundFederation(ACCOUNT, [signingKey('k4')], 500), true);
      assert.deepEqual(
        (await s.getOutboundFederation(ACCOUNT))?.keys.map((k) => k.kid),
        ['k4'],
      );
    });

    t.test('per account; disabling one never enabled is refused', async (s) => {
      assert.equal(await s.disableOutboundFederation(OTHER_ACCOUNT, 1), false);
      assert.equal(await s.getOutboundFederation(OTHER_ACCOUNT), undefined);
      await s.enableOutboundFederation(ACCOUNT, [signingKey('k1')], 1);
      assert.equal(await s.getOutboundFederation(OTHER_ACCOUNT), undefined);
    });

    t.test('keys with one kid twice: the store throws and enables nothing', async (s) => {
      await assert.rejects(s.enableOutboundFederation(ACCOUNT, [signingKey('k'), signingKey('k')], 1));
      assert.equal(await s.getOutboundFederation(ACCOUNT), undefined);
    });

    t.pair('nodes enabling at once: one wins, and both see its keys', async (a, b) => {
      const results = await t.race(
        () => a.enableOutboundFederation(ACCOUNT, [signingKey('from-a')], 1),
        () => b.enableOutboundFederation(ACCOUNT, [signingKey('from-b')], 1),
      );
      assert.equal(results.filter(Boolean).length, 1, results.join());
      const winner = results[0] ? 'from-a' : 'from-b';
      for (const s of [a, b])
        assert.deepEqual(
          (await s.getOutboundFederation(ACCOUNT))?.keys.map((k) => k.kid),
          [winner],
        );
      assert.equal(await b.disableOutboundFederation(ACCOUNT, 2), true);
      assert.equal((await a.getOutboundFederation(ACCOUNT))?.enabled, false);
    });
  });
}
