import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, OTHER_ACCOUNT, plain, samlProvider as provider } from './fixtures.js';

export function samlProviderStoreContract(backend: Backend): void {
  contractSuite('SamlProviderStore', backend, (t) => {
    t.test('SAML providers: unique ARNs, limited per account, listed in ARN order', async (s) => {
      const okta = provider('okta');
      const r0 = s.revision();
      assert.equal(await s.createSamlProvider(okta, 2), 'created');
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.createSamlProvider({ ...okta, metadata: '<other/>' }, 2), 'exists');
      assert.equal((await s.getSamlProvider(okta.arn))?.metadata, okta.metadata, 'the first one is kept');
      assert.equal(await s.createSamlProvider(provider('adfs'), 2), 'created');
      assert.equal(await s.createSamlProvider(provider('third'), 2), 'limit-exceeded');
      assert.equal(await s.getSamlProvider(provider('third').arn), undefined);
      assert.equal(await s.createSamlProvider(provider('third', OTHER_ACCOUNT), 2), 'created', 'per account');
      assert.deepEqual(
        (await s.listSamlProviders(ACCOUNT)).map((p) => p.name),
        ['adfs', 'okta'],
      );
      assert.deepEqual(await s.listSamlProviders('000000000000'), []);
    });

    t.test('a provider reads back as created, with or without validUntil', async (s) => {
      const withDate = { ...provider('dated'), tags: [{ Key: 'k', Value: 'v' }] };
      const { validUntil: _, ...withoutDate } = provider('undated');
      await s.createSamlProvider(withDate, 10);
      await s.createSamlProvider(withoutDate, 10);
      assert.deepEqual(plain(await s.getSamlProvider(withDate.arn)), withDate);
      assert.deepEqual(plain(await s.getSamlProvider(withoutDate.arn)), withoutDate);
      assert.deepEqual(plain(await s.listSamlProviders(ACCOUNT)), [withDate, withoutDate]);
    });

    t.test('metadata replaced in place; deleted once', async (s) => {
      const p = provider('idp');
      await s.createSamlProvider(p, 10);
      const r0 = s.revision();
      assert.equal(await s.updateSamlProviderMetadata(p.arn, '<new/>', undefined), true);
      assert.notEqual(s.revision(), r0);
      assert.deepEqual(
        plain(await s.getSamlProvider(p.arn)),
        plain({ ...p, metadata: '<new/>', validUntil: undefined }),
      );
      assert.equal(await s.updateSamlProviderMetadata(p.arn, '<newer/>', 5), true);
      const got = await s.getSamlProvider(p.arn);
      assert.deepEqual([got?.metadata, got?.validUntil], ['<newer/>', 5]);
      assert.equal(await s.updateSamlProviderMetadata(provider('none').arn, '<x/>', undefined), false);
      assert.equal(await s.deleteSamlProvider(p.arn), true);
      assert.equal(await s.deleteSamlProvider(p.arn), false);
      assert.equal(await s.getSamlProvider(p.arn), undefined);
    });

    t.pair('a provider created and updated on one node is seen on the other', async (a, b) => {
      const p = provider('shared');
      assert.equal(await a.createSamlProvider(p, 1), 'created');
      assert.equal(await b.createSamlProvider(p, 1), 'exists');
      assert.equal(await b.createSamlProvider(provider('second'), 1), 'limit-exceeded');
      await b.updateSamlProviderMetadata(p.arn, '<v2/>', 9);
      assert.equal((await a.getSamlProvider(p.arn))?.metadata, '<v2/>');
      assert.equal(await a.deleteSamlProvider(p.arn), true);
      assert.deepEqual(await b.listSamlProviders(ACCOUNT), []);
    });
  });
}
