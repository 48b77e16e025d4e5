import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, OTHER_ACCOUNT, oidcProvider as provider } from './fixtures.js';

export function oidcProviderStoreContract(backend: Backend): void {
  contractSuite('OidcProviderStore', backend, (t) => {
    t.test(
      'OIDC providers: unique ARNs, limited per account, client ids and thumbprints changed in place, tags',
      async (s) => {
        const gh = provider('token.actions.githubusercontent.com');
        assert.equal(await s.createOidcProvider(gh, 2), 'created');
        assert.equal(await s.createOidcProvider(gh, 2), 'exists');
        assert.equal(await s.createOidcProvider(provider('a.example.com/tenant'), 2), 'created');
        assert.equal(await s.createOidcProvider(provider('b.example.com'), 2), 'limit-exceeded');
        assert.deepEqual(
          (await s.listOidcProviders(ACCOUNT)).map((p) => p.url),
          ['a.example.com/tenant', 'token.actions.githubusercontent.com'],
        );
        assert.deepEqual(await s.listOidcProviders('999999999999'), []);
        assert.deepEqual(await s.getOidcProvider(gh.arn), gh);

        assert.equal(await s.updateOidcClientIds(gh.arn, ['app', 'sts.amazonaws.com'], [], 3), 'updated');
        assert.deepEqual(
          (await s.getOidcProvider(gh.arn))?.clientIds,
          ['sts.amazonaws.com', 'app'],
          'adding one that is there changes nothing',
        );
        assert.equal(await s.updateOidcClientIds(gh.arn, ['x', 'y'], [], 3), 'limit-exceeded');
        assert.equal(await s.updateOidcClientIds(gh.arn, [], ['sts.amazonaws.com', 'absent'], 3), 'updated');
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.clientIds, ['app']);
        assert.equal(
          await s.updateOidcClientIds('arn:aws:iam::123456789012:oidc-provider/none', ['a'], [], 3),
          'missing',
        );

        const thumb = 'a'.repeat(40);
        assert.equal(await s.setOidcThumbprints(gh.arn, [thumb]), true);
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.thumbprints, [thumb]);
        assert.equal(await s.setOidcThumbprints('arn:aws:iam::123456789012:oidc-provider/none', []), false);

        assert.equal(await s.updateTags('oidc-provider', gh.arn, [{ Key: 'team', Value: 'ci' }], [], 50), 'updated');
        assert.deepEqual((await s.getOidcProvider(gh.arn))?.tags, [{ Key: 'team', Value: 'ci' }]);

        const r0 = s.revision();
        assert.equal(await s.deleteOidcProvider(gh.arn), true);
        assert.notEqual(s.revision(), r0);
        assert.equal(await s.deleteOidcProvider(gh.arn), false);
        assert.equal(await s.getOidcProvider(gh.arn), undefined);
      },
    );

    t.test('the per-account limit counts only that account', async (s) => {
      assert.equal(await s.createOidcProvider(provider('a.example.com'), 1), 'created');
      assert.equal(await s.createOidcProvider(provider('a.example.com', OTHER_ACCOUNT), 1), 'created');
      assert.equal(await s.createOidcProvider(provider('b.example.com'), 1), 'limit-exceeded');
      assert.equal(await s.getOidcProvider(provider('b.example.com').arn), undefined);
      assert.equal(await s.deleteOidcProvider(provider('a.example.com').arn), true);
      assert.equal(await s.createOidcProvider(provider('b.example.com'), 1), 'created', 'room again once deleted');
    });

    t.pair('a provider created and changed on one node is seen on the other', async (a, b) => {
      const p = provider('shared.example.com');
      assert.equal(await a.createOidcProvider(p, 10), 'created');
      assert.equal(await b.createOidcProvider(p, 10), 'exists');
      await b.updateOidcClientIds(p.arn, ['aud'], [], 10);
      await b.setOidcThumbprints(p.arn, ['b'.repeat(40)]);
      const got = await a.getOidcProvider(p.arn);
      assert.deepEqual([got?.clientIds, got?.thumbprints], [['sts.amazonaws.com', 'aud'], ['b'.repeat(40)]]);
      assert.equal(await a.deleteOidcProvider(p.arn), true);
      assert.deepEqual(await b.listOidcProviders(ACCOUNT), []);
    });
  });
}
