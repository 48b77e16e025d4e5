import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, managed, role, user } from './fixtures.js';

export function permissionsBoundaryStoreContract(backend: Backend): void {
  contractSuite('PermissionsBoundaryStore', backend, (t) => {
    t.test(
      'permissions boundaries: stored on users and roles, counted, and in the way of deleting the policy',
      async (s) => {
        const p = managed('Boundary');
        await s.createManagedPolicy(p, '{}');
        const revision = s.revision();
        assert.equal(await s.createUser({ ...user('dan'), permissionsBoundary: p.arn }), true);
        assert.ok(s.revision() > revision, 'a write moves the revision');
        assert.equal((await s.getUserById(user('dan').userId))?.permissionsBoundary, p.arn);
        assert.equal((await s.getUserByName(ACCOUNT, 'dan'))?.permissionsBoundary, p.arn);
        await s.createRole(role('ops'));
        assert.equal((await s.getRoleById(role('ops').roleId))?.permissionsBoundary, undefined);
        const before = s.revision();
        assert.equal(await s.setPermissionsBoundary('role', role('ops').roleId, p.arn), 'updated');
        assert.ok(s.revision() > before, 'setting a boundary moves the revision (caches drop)');
        assert.equal((await s.getRoleByName(ACCOUNT, 'OPS'))?.permissionsBoundary, p.arn);
        assert.equal(
          await s.setPermissionsBoundary('role', role('ops').roleId, `arn:aws:iam::${ACCOUNT}:policy/Ghost`),
          'no-such-policy',
        );
        assert.equal(
          (await s.getRoleById(role('ops').roleId))?.permissionsBoundary,
          p.arn,
          'a refused change changes nothing',
        );
        assert.equal(await s.setPermissionsBoundary('user', 'AIDANOBODY', p.arn), 'missing');
        assert.equal(await s.setPermissionsBoundary('role', 'AROANOBODY', undefined), 'missing');
        const got = await s.getManagedPolicy(p.arn);
        assert.deepEqual([got?.attachmentCount, got?.permissionsBoundaryUsageCount], [0, 2]);
        const listed = await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 10 });
        assert.deepEqual(
          listed.items.map((x) => [x.policyName, x.permissionsBoundaryUsageCount]),
          [['Boundary', 2]],
        );
        assert.equal(
          (await s.getManagedPolicy('arn:aws:iam::aws:policy/IAMReadOnlyAccess'))?.permissionsBoundaryUsageCount,
          0,
        );
        assert.equal(await s.deleteManagedPolicy(p.arn), 'attached');
        assert.equal(await s.setPermissionsBoundary('user', user('dan').userId, undefined), 'updated');
        assert.equal((await s.getUserById(user('dan').userId))?.permissionsBoundary, undefined);
        assert.equal(await s.deleteManagedPolicy(p.arn), 'attached', "still the role's boundary");
        assert.equal(await s.setPermissionsBoundary('role', role('ops').roleId, undefined), 'updated');
        assert.equal((await s.getManagedPolicy(p.arn))?.permissionsBoundaryUsageCount, 0);
        assert.equal(await s.deleteManagedPolicy(p.arn), 'deleted');
      },
    );

    t.test('a user boundary is set and replaced by id', async (s) => {
      const [p, q] = [managed('P'), managed('Q')];
      await s.createManagedPolicy(p, '{}');
      await s.createManagedPolicy(q, '{}');
      await s.createUser(user('eve'));
      assert.equal(await s.setPermissionsBoundary('user', user('eve').userId, p.arn), 'updated');
      assert.equal(await s.setPermissionsBoundary('user', user('eve').userId, q.arn), 'updated');
      assert.equal((await s.getUserById(user('eve').userId))?.permissionsBoundary, q.arn);
      assert.equal(
        await s.setPermissionsBoundary('user', user('eve').userId, `arn:aws:iam::${ACCOUNT}:policy/Ghost`),
        'no-such-policy',
      );
      assert.equal((await s.getUserById(user('eve').userId))?.permissionsBoundary, q.arn);
    });

    t.pair('a policy deleted on one node cannot become a boundary on the other', async (a, b) => {
      const p = managed('Gone');
      await a.createManagedPolicy(p, '{}');
      await a.createRole(role('r'));
      assert.equal(await a.deleteManagedPolicy(p.arn), 'deleted');
      assert.equal(await b.setPermissionsBoundary('role', role('r').roleId, p.arn), 'no-such-policy');
      await b.createManagedPolicy(p, '{}');
      assert.equal(await b.setPermissionsBoundary('role', role('r').roleId, p.arn), 'updated');
      assert.equal((await a.getRoleById(role('r').roleId))?.permissionsBoundary, p.arn);
      assert.equal(await a.deleteManagedPolicy(p.arn), 'attached');
    });
  });
}
