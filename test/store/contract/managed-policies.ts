import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, managed, plain, user } from './fixtures.js';

export function managedPolicyStoreContract(backend: Backend): void {
  contractSuite('ManagedPolicyStore', backend, (t) => {
    t.test('managed policies: versions, default, attachments and their count, listing by scope', async (s) => {
      assert.equal(await s.createManagedPolicy(managed('Reader'), '{"v":1}'), true);
      assert.equal(
        await s.createManagedPolicy({ ...managed('reader'), policyId: 'ANPAOTHER', arn: 'arn:x' }, '{}'),
        false,
      );
      const p = managed('Reader');
      const v2 = await s.createPolicyVersion(p.policyId, '{"v":2}', true, 5, 3);
      assert.equal(typeof v2 === 'object' && v2.versionId, 'v2');
      await s.createPolicyVersion(p.policyId, '{"v":3}', false, 6, 3);
      assert.equal(await s.createPolicyVersion(p.policyId, '{}', false, 7, 3), 'limit-exceeded');
      assert.deepEqual(
        (await s.listPolicyVersions(p.policyId)).map((v) => v.versionId),
        ['v3', 'v2', 'v1'],
      );
      assert.equal((await s.getManagedPolicy(p.arn))?.defaultVersionId, 'v2');
      assert.equal(await s.deletePolicyVersion(p.policyId, 'v2'), 'is-default');
      assert.equal(await s.setDefaultPolicyVersion(p.policyId, 'v3', 8), true);
      assert.equal(await s.setDefaultPolicyVersion(p.policyId, 'v9', 8), false);
      await s.createUser(user('cat'));
      await s.attachPolicy(user('cat').userId, p.arn, 2);
      await s.attachPolicy(user('cat').userId, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 2);
      assert.equal(
        await s.attachPolicy(user('cat').userId, 'arn:aws:iam::aws:policy/AdministratorAccess', 2),
        'limit-exceeded',
      );
      assert.equal((await s.getManagedPolicy(p.arn))?.attachmentCount, 1);
      const docs = await s.attachedPolicyDocuments([user('cat').userId]);
      assert.deepEqual(
        docs.map((d) => [d.arn, d.document.length > 0]),
        [
          ['arn:aws:iam::123456789012:policy/Reader', true],
          ['arn:aws:iam::aws:policy/IAMReadOnlyAccess', true],
        ],
      );
      assert.equal(docs[0]!.document, '{"v":3}');
      assert.deepEqual(
        (await s.listAttachedPolicies(user('cat').userId)).map((x) => x.policyName),
        ['IAMReadOnlyAccess', 'Reader'],
      );
      const local = await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 10 });
      assert.deepEqual(
        local.items.map((x) => [x.policyName, x.attachmentCount]),
        [['Reader', 1]],
      );
      const all = await s.listManagedPolicies(ACCOUNT, { scope: 'All', onlyAttached: true, maxItems: 1 });
      assert.equal(all.items.length, 1);
      assert.equal(
        (await s.listManagedPolicies(ACCOUNT, { scope: 'All', onlyAttached: true, maxItems: 1, marker: all.marker }))
          .items.length,
        1,
      );
      assert.equal(
        (await s.listManagedPolicies(ACCOUNT, { scope: 'AWS', onlyAttached: false, maxItems: 10, pathPrefix: '/' }))
          .items.length,
        3,
      );
      assert.equal(await s.deleteUser(ACCOUNT, user('cat').userId), 'has-attached-policies');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'attached');
      await s.detachPolicy(user('cat').userId, p.arn);
      assert.equal(await s.deleteManagedPolicy(p.arn), 'has-versions');
      await s.deletePolicyVersion(p.policyId, 'v1');
      await s.deletePolicyVersion(p.policyId, 'v2');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'deleted');
      assert.equal(await s.deleteManagedPolicy(p.arn), 'missing');
    });

    t.test('a policy reads back as created, with its counts; v1 holds the document', async (s) => {
      const p = { ...managed('Full', '/team/'), description: 'what it is for', tags: [{ Key: 'k', Value: 'v' }] };
      await s.createManagedPolicy(p, '{"doc":1}');
      assert.deepEqual(plain(await s.getManagedPolicy(p.arn)), {
        ...p,
        attachmentCount: 0,
        permissionsBoundaryUsageCount: 0,
      });
      assert.equal(await s.getManagedPolicy(`arn:aws:iam::${ACCOUNT}:policy/None`), undefined);
      assert.deepEqual(await s.getPolicyVersion(p.policyId, 'v1'), {
        policyId: p.policyId,
        versionId: 'v1',
        document: '{"doc":1}',
        createdAt: p.createdAt,
      });
      assert.equal(await s.getPolicyVersion(p.policyId, 'v2'), undefined);
      assert.equal(await s.getPolicyVersion('ANPANONE', 'v1'), undefined);
      assert.deepEqual(await s.listPolicyVersions('ANPANONE'), []);
    });

    t.test('a policy id or ARN that is taken is refused like a taken name', async (s) => {
      const p = managed('first');
      assert.equal(await s.createManagedPolicy(p, '{}'), true);
      assert.equal(
        await s.createManagedPolicy({ ...p, policyName: 'second', arn: managed('second').arn }, '{}'),
        false,
      );
      assert.equal(await s.createManagedPolicy({ ...managed('third'), arn: p.arn }, '{}'), false);
      assert.equal(await s.getManagedPolicy(managed('second').arn), undefined);
      assert.equal((await s.getManagedPolicy(p.arn))?.policyName, 'first');
    });

    t.test(
      'versions: numbered on, never reused, default moved explicitly; missing policies and versions',
      async (s) => {
        const p = managed('V');
        await s.createManagedPolicy(p, '1');
        const r0 = s.revision();
        assert.deepEqual(await s.createPolicyVersion(p.policyId, '2', false, 20, 5), {
          policyId: p.policyId,
          versionId: 'v2',
          document: '2',
          createdAt: 20,
        });
        assert.notEqual(s.revision(), r0);
        assert.equal((await s.getManagedPolicy(p.arn))?.defaultVersionId, 'v1', 'not made the default');
        assert.equal(await s.deletePolicyVersion(p.policyId, 'v2'), 'deleted');
        assert.equal(await s.deletePolicyVersion(p.policyId, 'v2'), 'missing');
        const v3 = await s.createPolicyVersion(p.policyId, '3', true, 30, 5);
        assert.equal(typeof v3 === 'object' && v3.versionId, 'v3', 'a deleted version id is not reused');
        const got = await s.getManagedPolicy(p.arn);
        assert.deepEqual([got?.defaultVersionId, got?.updatedAt], ['v3', 30]);
        assert.equal((await s.getPolicyVersion(p.policyId, 'v3'))?.document, '3');
        assert.equal(await s.setDefaultPolicyVersion(p.policyId, 'v1', 40), true);
        assert.deepEqual(
          [(await s.getManagedPolicy(p.arn))?.defaultVersionId, (await s.getManagedPolicy(p.arn))?.updatedAt],
          ['v1', 40],
        );
        assert.equal(await s.createPolicyVersion('ANPANONE', '{}', false, 1, 5), 'missing');
        assert.equal(await s.deletePolicyVersion('ANPANONE', 'v1'), 'missing');
        assert.equal(await s.setDefaultPolicyVersion('ANPANONE', 'v1', 1), false);
        assert.equal(await s.deleteManagedPolicy(`arn:aws:iam::${ACCOUNT}:policy/None`), 'missing');
      },
    );

    t.test('local policies page in ARN order, with path prefix and only attached ones', async (s) => {
      for (const [n, path] of [
        ['c', '/x/'],
        ['a', '/x/'],
        ['b', '/y/'],
      ] as const)
        await s.createManagedPolicy(managed(n, path), '{}');
      const p1 = await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 2 });
      const arns = [managed('a', '/x/').arn, managed('c', '/x/').arn, managed('b', '/y/').arn];
      assert.deepEqual(
        p1.items.map((p) => p.arn),
        arns.slice(0, 2),
      );
      const p2 = await s.listManagedPolicies(ACCOUNT, {
        scope: 'Local',
        onlyAttached: false,
        maxItems: 2,
        marker: p1.marker,
      });
      assert.deepEqual(
        p2.items.map((p) => p.arn),
        arns.slice(2),
      );
      assert.equal(p2.marker, undefined);
      assert.deepEqual(
        (
          await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: false, maxItems: 10, pathPrefix: '/y/' })
        ).items.map((p) => p.policyName),
        ['b'],
      );
      await s.attachPolicy('AIDASOMEONE', managed('c', '/x/').arn, 10);
      assert.deepEqual(
        (await s.listManagedPolicies(ACCOUNT, { scope: 'Local', onlyAttached: true, maxItems: 10 })).items.map(
          (p) => p.policyName,
        ),
        ['c'],
      );
      assert.deepEqual(
        await s.listManagedPolicies('000000000000', { scope: 'Local', onlyAttached: false, maxItems: 10 }),
        { items: [] },
      );
    });

    t.pair('a version made default on one node is the default on the other', async (a, b) => {
      const p = managed('Shared');
      await a.createManagedPolicy(p, '1');
      assert.equal(await b.createManagedPolicy({ ...managed('SHARED'), policyId: 'ANPASECOND' }, '{}'), false);
      await b.createPolicyVersion(p.policyId, '2', true, 2, 5);
      assert.equal((await a.getManagedPolicy(p.arn))?.defaultVersionId, 'v2');
      assert.deepEqual(
        (await a.listPolicyVersions(p.policyId)).map((v) => v.versionId),
        ['v2', 'v1'],
      );
      const third = await a.createPolicyVersion(p.policyId, '3', false, 3, 5);
      assert.equal(typeof third === 'object' && third.versionId, 'v3');
    });
  });
}
