import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, device, plain, user } from './fixtures.js';

export function mfaDeviceStoreContract(backend: Backend): void {
  contractSuite('MfaDeviceStore', backend, (t) => {
    t.test('MFA devices: assignment, steps that only move forward, delete when unassigned', async (s) => {
      await s.createUser(user('dot'));
      const d = device('phone');
      assert.equal(await s.createMfaDevice(d), true);
      assert.equal(await s.createMfaDevice(d), false);
      assert.equal(await s.enableMfaDevice(d.serialNumber, user('dot').userId, 100, 7), 'enabled');
      assert.equal(await s.enableMfaDevice(d.serialNumber, 'AIDAOTHER', 100, 8), 'in-use');
      assert.equal(await s.acceptMfaStep(d.serialNumber, 7), false);
      assert.equal(await s.acceptMfaStep(d.serialNumber, 8), true);
      const results = await Promise.all([9, 9, 9].map((step) => s.acceptMfaStep(d.serialNumber, step)));
      assert.equal(results.filter(Boolean).length, 1, 'a step is accepted once even when raced');
      assert.equal((await s.listMfaDevices(ACCOUNT, { userId: user('dot').userId }))[0]?.enabledAt, 100);
      assert.equal((await s.listMfaDevices(ACCOUNT, { assignment: 'Unassigned' })).length, 0);
      assert.equal(await s.deleteUser(ACCOUNT, user('dot').userId), 'has-mfa');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'in-use');
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, 'AIDAOTHER'), false);
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, user('dot').userId), true);
      assert.equal((await s.getMfaDevice(d.serialNumber))?.lastStep, 9, 'the last step survives deactivation');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'deleted');
      assert.equal(await s.deleteMfaDevice(d.serialNumber), 'missing');
    });

    t.test('a device reads back as created, unassigned; enabled, it names its user', async (s) => {
      const d = { ...device('key'), path: '/team/', tags: [{ Key: 'k', Value: 'v' }] };
      await s.createMfaDevice(d);
      assert.deepEqual(plain(await s.getMfaDevice(d.serialNumber)), d);
      assert.equal(await s.getMfaDevice(device('none').serialNumber), undefined);
      assert.equal(await s.enableMfaDevice(d.serialNumber, user('u').userId, 50, 3), 'enabled');
      assert.deepEqual(plain(await s.getMfaDevice(d.serialNumber)), {
        ...d,
        userId: user('u').userId,
        enabledAt: 50,
        lastStep: 3,
      });
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, user('u').userId), true);
      assert.deepEqual(plain(await s.getMfaDevice(d.serialNumber)), { ...d, lastStep: 3 });
      assert.equal(await s.deactivateMfaDevice(d.serialNumber, user('u').userId), false, 'not assigned any more');
    });

    t.test('devices list in serial number order, by user and by assignment', async (s) => {
      for (const n of ['c', 'a', 'b']) await s.createMfaDevice(device(n));
      await s.createMfaDevice({ ...device('other'), accountId: '000000000000', serialNumber: 'arn:other' });
      await s.enableMfaDevice(device('b').serialNumber, user('u').userId, 1, 1);
      const serials = (filter: Parameters<typeof s.listMfaDevices>[1]) =>
        s.listMfaDevices(ACCOUNT, filter).then((l) => l.map((d) => d.deviceName));
      assert.deepEqual(await serials({}), ['a', 'b', 'c']);
      assert.deepEqual(await serials({ assignment: 'Any' }), ['a', 'b', 'c']);
      assert.deepEqual(await serials({ assignment: 'Assigned' }), ['b']);
      assert.deepEqual(await serials({ assignment: 'Unassigned' }), ['a', 'c']);
      assert.deepEqual(await serials({ userId: user('u').userId }), ['b']);
      assert.deepEqual(await serials({ userId: 'AIDANOBODY' }), []);
    });

    t.test('missing devices: enable, accept, deactivate and delete say so', async (s) => {
      const serial = device('none').serialNumber;
      assert.equal(await s.enableMfaDevice(serial, user('u').userId, 1, 1), 'missing');
      assert.equal(await s.acceptMfaStep(serial, 1), false);
      assert.equal(await s.deactivateMfaDevice(serial, user('u').userId), false);
      assert.equal(await s.deleteMfaDevice(serial), 'missing');
    });

    t.test('accepting a step is not a change; enabling one is', async (s) => {
      await s.createMfaDevice(device('d'));
      const r0 = s.revision();
      await s.enableMfaDevice(device('d').serialNumber, user('u').userId, 1, 1);
      const r1 = s.revision();
      assert.notEqual(r1, r0);
      assert.equal(await s.acceptMfaStep(device('d').serialNumber, 2), true);
      assert.equal(s.revision(), r1);
    });

    t.pair('a step accepted on one node is a replay on the other', async (a, b) => {
      await a.createMfaDevice(device('d'));
      await a.enableMfaDevice(device('d').serialNumber, user('u').userId, 1, 10);
      assert.equal(await b.enableMfaDevice(device('d').serialNumber, 'AIDAOTHER', 1, 10), 'in-use');
      assert.equal(await a.acceptMfaStep(device('d').serialNumber, 11), true);
      assert.equal(await b.acceptMfaStep(device('d').serialNumber, 11), false);
      const both = await Promise.all([
        a.acceptMfaStep(device('d').serialNumber, 12),
        b.acceptMfaStep(device('d').serialNumber, 12),
      ]);
      assert.equal(both.filter(Boolean).length, 1, 'raced on two nodes, a step is accepted once');
      assert.equal((await b.getMfaDevice(device('d').serialNumber))?.lastStep, 12);
    });
  });
}
