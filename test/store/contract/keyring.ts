import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';

export function keyringStoreContract(backend: Backend): void {
  contractSuite('KeyringStore', backend, (t) => {
    t.test('token keys are added once per id', async (s) => {
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'a', createdAt: 1 });
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'b', createdAt: 2 });
      await s.addTokenKey({ keyId: 2, keyEncrypted: 'c', createdAt: 3 });
      assert.deepEqual(
        (await s.listTokenKeys()).map((k) => [k.keyId, k.keyEncrypted]),
        [
          [1, 'a'],
          [2, 'c'],
        ],
      );
    });

    t.test('token keys read back whole, in id order whatever the order they were added in', async (s) => {
      assert.deepEqual(await s.listTokenKeys(), []);
      await s.addTokenKey({ keyId: 2, keyEncrypted: 'c', createdAt: 3 });
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'a', createdAt: 1 });
      const r0 = s.revision();
      await s.addTokenKey({ keyId: 3, keyEncrypted: 'd', createdAt: 4 });
      assert.notEqual(s.revision(), r0);
      assert.deepEqual(await s.listTokenKeys(), [
        { keyId: 1, keyEncrypted: 'a', createdAt: 1 },
        { keyId: 2, keyEncrypted: 'c', createdAt: 3 },
        { keyId: 3, keyEncrypted: 'd', createdAt: 4 },
      ]);
    });

    t.test('a retired key is deleted once', async (s) => {
      await s.addTokenKey({ keyId: 1, keyEncrypted: 'a', createdAt: 1 });
      await s.addTokenKey({ keyId: 2, keyEncrypted: 'b', createdAt: 2 });
      const r0 = s.revision();
      assert.equal(await s.deleteTokenKey(1), true);
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.deleteTokenKey(1), false);
      assert.equal(await s.deleteTokenKey(99), false);
      assert.deepEqual(
        (await s.listTokenKeys()).map((k) => k.keyId),
        [2],
      );
    });

    t.pair("a key added by one node is in the other's keyring", async (a, b) => {
      await a.addTokenKey({ keyId: 7, keyEncrypted: 'k', createdAt: 1 });
      assert.deepEqual(await b.listTokenKeys(), [{ keyId: 7, keyEncrypted: 'k', createdAt: 1 }]);
      assert.equal(await b.deleteTokenKey(7), true);
      assert.deepEqual(await a.listTokenKeys(), []);
    });
  });
}
