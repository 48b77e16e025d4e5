import assert from 'node:assert/strict';
import type { Store, Tag, TaggedEntity } from '../../../src/store/store.js';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, device, managed, oidcProvider, profile, role, samlProvider, user } from './fixtures.js';

/** Per tagged entity: how to make one (answering its id for updateTags) and how to read its tags back. */
const tagged: Record<
  TaggedEntity,
  { make(s: Store): Promise<string>; tags(s: Store, id: string): Promise<Tag[] | undefined> }
> = {
  user: {
    make: async (s) => (await s.createUser(user('u')), user('u').userId),
    tags: async (s, id) => (await s.getUserById(id))?.tags,
  },
  role: {
    make: async (s) => (await s.createRole(role('r')), role('r').roleId),
    tags: async (s, id) => (await s.getRoleById(id))?.tags,
  },
  policy: {
    make: async (s) => (await s.createManagedPolicy(managed('p'), '{}'), managed('p').policyId),
    tags: async (s) => (await s.getManagedPolicy(managed('p').arn))?.tags,
  },
  mfa: {
    make: async (s) => (await s.createMfaDevice(device('d')), device('d').serialNumber),
    tags: async (s, serial) => (await s.getMfaDevice(serial))?.tags,
  },
  'oidc-provider': {
    make: async (s) => (
      await s.createOidcProvider(oidcProvider('o.example.com'), 10), oidcProvider('o.example.com').arn
    ),
    tags: async (s, arn) => (await s.getOidcProvider(arn))?.tags,
  },
  'saml-provider': {
    make: async (s) => (await s.createSamlProvider(samlProvider('idp'), 10), samlProvider('idp').arn),
    tags: async (s, arn) => (await s.getSamlProvider(arn))?.tags,
  },
  'instance-profile': {
    make: async (s) => (await s.createInstanceProfile(profile('ip')), profile('ip').instanceProfileId),
    tags: async (s) => (await s.getInstanceProfileByName(ACCOUNT, 'ip'))?.tags,
  },
};

export function tagStoreContract(backend: Backend): void {
  contractSuite('TagStore', backend, (t) => {
    t.test('tags: merged case-insensitively, limited, on every tagged entity', async (s) => {
      await s.createRole(role('r'));
      const id = role('r').roleId;
      assert.equal(
        await s.updateTags(
          'role',
          id,
          [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
          ],
          [],
          3,
        ),
        'updated',
      );
      assert.equal(await s.updateTags('role', id, [{ Key: 'A', Value: '3' }], ['b'], 3), 'updated');
      assert.deepEqual((await s.getRoleById(id))?.tags, [{ Key: 'A', Value: '3' }]);
      assert.equal(
        await s.updateTags(
          'role',
          id,
          [
            { Key: 'x', Value: '' },
            { Key: 'y', Value: '' },
            { Key: 'z', Value: '' },
          ],
          [],
          3,
        ),
        'limit-exceeded',
      );
      assert.deepEqual((await s.getRoleById(id))?.tags, [{ Key: 'A', Value: '3' }], 'a refused change changes nothing');
      assert.equal(await s.updateTags('user', 'AIDANOBODY', [], [], 3), 'missing');
    });

    for (const [entity, { make, tags }] of Object.entries(tagged) as [TaggedEntity, (typeof tagged)[TaggedEntity]][]) {
      t.test(`${entity}: tags added, replaced by key in any case, removed; missing ones are missing`, async (s) => {
        const id = await make(s);
        assert.deepEqual(await tags(s, id), []);
        const r0 = s.revision();
        assert.equal(
          await s.updateTags(
            entity,
            id,
            [
              { Key: 'team', Value: 'ci' },
              { Key: 'env', Value: 'prod' },
            ],
            [],
            50,
          ),
          'updated',
        );
        assert.notEqual(s.revision(), r0);
        assert.deepEqual(await tags(s, id), [
          { Key: 'team', Value: 'ci' },
          { Key: 'env', Value: 'prod' },
        ]);
        assert.equal(await s.updateTags(entity, id, [{ Key: 'TEAM', Value: 'ops' }], ['ENV', 'absent'], 50), 'updated');
        assert.deepEqual(await tags(s, id), [{ Key: 'TEAM', Value: 'ops' }]);
        assert.equal(await s.updateTags(entity, `${id}-none`, [{ Key: 'k', Value: 'v' }], [], 50), 'missing');
      });
    }

    t.pair('tags changed on one node are seen on the other', async (a, b) => {
      await a.createUser(user('shared'));
      await a.updateTags('user', user('shared').userId, [{ Key: 'k', Value: '1' }], [], 50);
      await b.updateTags('user', user('shared').userId, [{ Key: 'l', Value: '2' }], [], 50);
      assert.deepEqual((await a.getUserById(user('shared').userId))?.tags, [
        { Key: 'k', Value: '1' },
        { Key: 'l', Value: '2' },
      ]);
    });
  });
}
