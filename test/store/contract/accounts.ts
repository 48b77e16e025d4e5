import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, device, group, key, managed, OTHER_ACCOUNT, profile, role, user } from './fixtures.js';

const account = (accountId: string, createdAt = 1) => ({ accountId, createdAt, globalEndpointTokenVersion: 1 });

export function accountStoreContract(backend: Backend): void {
  contractSuite('AccountStore', backend, (t) => {
    t.test('migrate is idempotent and the account is created once', async (s) => {
      assert.equal(await s.getAccount(), undefined);
      await s.migrate();
      const a = await s.ensureAccount(account(ACCOUNT));
      const b = await s.ensureAccount({ accountId: OTHER_ACCOUNT, createdAt: 2, globalEndpointTokenVersion: 1 });
      assert.deepEqual(a, b);
      assert.equal(b.accountId, ACCOUNT);
      assert.deepEqual(await s.getAccount(), account(ACCOUNT));
    });

    t.test("the global endpoint's token version is set on the account only", async (s) => {
      await s.ensureAccount(account(ACCOUNT));
      const r0 = s.revision();
      assert.equal(await s.setGlobalEndpointTokenVersion(ACCOUNT, 2), true);
      assert.notEqual(s.revision(), r0);
      assert.equal((await s.getAccount())?.globalEndpointTokenVersion, 2);
      assert.equal(await s.setGlobalEndpointTokenVersion(OTHER_ACCOUNT, 2), false);
      assert.equal(await s.setGlobalEndpointTokenVersion(ACCOUNT, 1), true);
      assert.equal((await s.getAccount())?.globalEndpointTokenVersion, 1);
    });

    t.test('region settings: listed in region order, set again replaces, per account', async (s) => {
      assert.deepEqual(await s.listRegionSettings(ACCOUNT), []);
      await s.setRegionActive(ACCOUNT, 'us-west-2', false);
      await s.setRegionActive(ACCOUNT, 'ap-east-1', true);
      await s.setRegionActive(OTHER_ACCOUNT, 'eu-west-1', false);
      assert.deepEqual(await s.listRegionSettings(ACCOUNT), [
        { region: 'ap-east-1', active: true },
        { region: 'us-west-2', active: false },
      ]);
      const r0 = s.revision();
      await s.setRegionActive(ACCOUNT, 'us-west-2', true);
      assert.notEqual(s.revision(), r0);
      assert.deepEqual(await s.listRegionSettings(ACCOUNT), [
        { region: 'ap-east-1', active: true },
        { region: 'us-west-2', active: true },
      ]);
      assert.deepEqual(await s.listRegionSettings(OTHER_ACCOUNT), [{ region: 'eu-west-1', active: false }]);
    });

    t.test('account aliases: one per account, replaced by the next, unique among accounts', async (s) => {
      assert.deepEqual(await s.listAccountAliases(ACCOUNT), []);
      const r0 = s.revision();
      assert.equal(await s.setAccountAlias(ACCOUNT, 'acme-prod'), true);
      assert.notEqual(s.revision(), r0);
      assert.deepEqual(await s.listAccountAliases(ACCOUNT), ['acme-prod']);
      assert.equal(await s.setAccountAlias(ACCOUNT, 'acme-prod'), true, 'its own alias again');
      assert.equal(await s.setAccountAlias(ACCOUNT, 'acme'), true);
      assert.deepEqual(await s.listAccountAliases(ACCOUNT), ['acme'], 'replaced');
      assert.equal(await s.setAccountAlias(OTHER_ACCOUNT, 'acme'), false, "another account's");
      assert.deepEqual(await s.listAccountAliases(OTHER_ACCOUNT), []);
      assert.equal(await s.deleteAccountAlias(OTHER_ACCOUNT, 'acme'), false, 'not its alias');
      assert.equal(await s.deleteAccountAlias(ACCOUNT, 'acme-prod'), false, 'no longer its alias');
      assert.equal(await s.deleteAccountAlias(ACCOUNT, 'acme'), true);
      assert.deepEqual(await s.listAccountAliases(ACCOUNT), []);
      assert.equal(await s.setAccountAlias(OTHER_ACCOUNT, 'acme'), true, 'free again');
    });

    t.test("the account summary counts the account's entities", async (s) => {
      assert.deepEqual(await s.accountSummary(ACCOUNT), {
        users: 0,
        groups: 0,
        roles: 0,
        policies: 0,
        policyVersions: 0,
        mfaDevices: 0,
        mfaDevicesInUse: 0,
        rootAccessKeys: 0,
        instanceProfiles: 0,
      });
      await s.createUser(user('ann'));
      await s.createUser(user('ben'));
      await s.createGroup(group('ops'));
      await s.createRole(role('svc'));
      await s.createManagedPolicy(managed('P'), '{}');
      await s.createPolicyVersion(managed('P').policyId, '{}', false, 2, 5);
      await s.createMfaDevice(device('one'));
      await s.createMfaDevice(device('two'));
      await s.enableMfaDevice(device('one').serialNumber, user('ann').userId, 1, 1);
      await s.createAccessKey(key('AKIAROOT'), 2);
      await s.createAccessKey(key('AKIAANN', user('ann').userId), 2);
      await s.createInstanceProfile(profile('web'));
      await s.createUser({ ...user('zed'), accountId: OTHER_ACCOUNT, userId: 'AIDAOTHERACCOUNTXXXX' });
      assert.deepEqual(await s.accountSummary(ACCOUNT), {
        users: 2,
        groups: 1,
        roles: 1,
        policies: 1,
        policyVersions: 2,
        mfaDevices: 2,
        mfaDevicesInUse: 1,
        rootAccessKeys: 1,
        instanceProfiles: 1,
      });
    });

    t.pair('nodes starting at once on a new store agree on one account', async (a, b) => {
      const [x, y] = await t.race(
        () => a.ensureAccount(account(ACCOUNT, 1)),
        () => b.ensureAccount(account(OTHER_ACCOUNT, 2)),
      );
      assert.deepEqual(x, y);
      await a.setGlobalEndpointTokenVersion(x.accountId, 2);
      await a.setRegionActive(x.accountId, 'eu-south-1', true);
      assert.equal((await b.getAccount())?.globalEndpointTokenVersion, 2);
      assert.deepEqual(await b.listRegionSettings(x.accountId), [{ region: 'eu-south-1', active: true }]);
    });
  });
}
