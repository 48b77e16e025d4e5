import assert from 'node:assert/strict';
import { type Backend, contractSuite } from './harness.js';
import { ACCOUNT, group, managed, role, user } from './fixtures.js';

const AWS_READ_ONLY = 'arn:aws:iam::aws:policy/IAMReadOnlyAccess';

export function policyAttachmentStoreContract(backend: Backend): void {
  contractSuite('PolicyAttachmentStore', backend, (t) => {
    t.test('policy entities: attachments of users, groups and roles, and boundaries', async (s) => {
      const p = managed('Used');
      await s.createManagedPolicy(p, '{}');
      await s.createUser(user('ann'));
      await s.createUser({ ...user('ben'), permissionsBoundary: p.arn });
      await s.createRole(role('svc', '/x/'));
      await s.createGroup({
        accountId: ACCOUNT,
        groupId: 'AGPAGROUPXXXXXXXXXXXX',
        groupName: 'devs',
        path: '/',
        createdAt: 1,
      });
      for (const id of [user('ann').userId, role('svc').roleId, 'AGPAGROUPXXXXXXXXXXXX'])
        await s.attachPolicy(id, p.arn, 10);
      const got = (await s.policyEntities(p.arn)).map((e) => [e.kind, e.usage, e.name, e.path, e.id]).sort();
      assert.deepEqual(got, [
        ['group', 'PermissionsPolicy', 'devs', '/', 'AGPAGROUPXXXXXXXXXXXX'],
        ['role', 'PermissionsPolicy', 'svc', '/x/', role('svc').roleId],
        ['user', 'PermissionsBoundary', 'ben', '/', user('ben').userId],
        ['user', 'PermissionsPolicy', 'ann', '/', user('ann').userId],
      ]);
      assert.deepEqual(await s.policyEntities(`arn:aws:iam::${ACCOUNT}:policy/Nobody`), []);
    });

    t.test('attach is idempotent and limited per owner; detach once', async (s) => {
      const [p, q] = [managed('P'), managed('Q')];
      await s.createManagedPolicy(p, '{}');
      await s.createManagedPolicy(q, '{}');
      const owner = role('r').roleId;
      const r0 = s.revision();
      assert.equal(await s.attachPolicy(owner, p.arn, 1), 'attached');
      assert.notEqual(s.revision(), r0);
      assert.equal(await s.attachPolicy(owner, p.arn, 1), 'attached', 'attached already: not over the limit');
      assert.equal(await s.attachPolicy(owner, q.arn, 1), 'limit-exceeded');
      assert.deepEqual(
        (await s.listAttachedPolicies(owner)).map((x) => x.arn),
        [p.arn],
      );
      assert.equal(await s.detachPolicy(owner, p.arn), true);
      assert.equal(await s.detachPolicy(owner, p.arn), false);
      assert.equal(await s.detachPolicy(owner, q.arn), false);
      assert.deepEqual(await s.listAttachedPolicies(owner), []);
    });

    t.test('attached policies list in name order, an AWS policy without a row as a stub', async (s) => {
      await s.createManagedPolicy(managed('Zeta'), '{}');
      await s.createManagedPolicy(managed('beta'), '{}');
      const owner = user('u').userId;
      await s.attachPolicy(owner, managed('Zeta').arn, 10);
      await s.attachPolicy(owner, managed('beta').arn, 10);
      await s.attachPolicy(owner, AWS_READ_ONLY, 10);
      assert.deepEqual(
        (await s.listAttachedPolicies(owner)).map((x) => [x.policyName, x.accountId]),
        [
          ['beta', ACCOUNT],
          ['IAMReadOnlyAccess', 'aws'],
          ['Zeta', ACCOUNT],
        ],
      );
    });

    t.test('attached ARNs without a row list in name order too', async (s) => {
      await s.createManagedPolicy(managed('Middle'), '{}');
      const owner = user('u').userId;
      await s.attachPolicy(owner, 'arn:aws:iam::aws:policy/ZuluAccess', 10);
      await s.attachPolicy(owner, managed('Middle').arn, 10);
      await s.attachPolicy(owner, 'arn:aws:iam::aws:policy/service-role/AlphaRole', 10);
      assert.deepEqual(
        (await s.listAttachedPolicies(owner)).map((x) => [x.policyName, x.accountId, x.path]),
        [
          ['AlphaRole', 'aws', '/service-role/'],
          ['Middle', ACCOUNT, '/'],
          ['ZuluAccess', 'aws', '/'],
        ],
      );
    });

    t.test("attached documents: every owner's, the default version's, '' without a row", async (s) => {
      const p = managed('Doc');
      await s.createManagedPolicy(p, '{"v":1}');
      await s.createPolicyVersion(p.policyId, '{"v":2}', true, 2, 5);
      await s.attachPolicy('AIDAONE', p.arn, 10);
      await s.attachPolicy('AGPATWO', p.arn, 10);
      await s.attachPolicy('AGPATWO', 'arn:aws:iam::aws:policy/NotSeeded', 10);
      await s.attachPolicy('AROATHREE', p.arn, 10);
      assert.deepEqual(await s.attachedPolicyDocuments(['AIDAONE', 'AGPATWO']), [
        { ownerId: 'AGPATWO', arn: p.arn, document: '{"v":2}' },
        { ownerId: 'AGPATWO', arn: 'arn:aws:iam::aws:policy/NotSeeded', document: '' },
        { ownerId: 'AIDAONE', arn: p.arn, document: '{"v":2}' },
      ]);
      assert.deepEqual(await s.attachedPolicyDocuments([]), []);
      assert.deepEqual(await s.attachedPolicyDocuments(['AIDANONE']), []);
    });

    t.test('use counts: attachments and boundaries per policy, unused ones left out', async (s) => {
      const [p, q, unused] = [managed('P'), managed('Q'), managed('Unused')];
      for (const x of [p, q, unused]) await s.createManagedPolicy(x, '{}');
      await s.createUser({ ...user('b1'), permissionsBoundary: p.arn });
      await s.createRole({ ...role('b2'), permissionsBoundary: p.arn });
      await s.createGroup(group('g'));
      await s.attachPolicy(group('g').groupId, p.arn, 10);
      await s.attachPolicy(user('b1').userId, q.arn, 10);
      await s.attachPolicy(role('b2').roleId, q.arn, 10);
      await s.attachPolicy(role('b2').roleId, AWS_READ_ONLY, 10);
      const counts = await s.policyUseCounts([p.arn, q.arn, unused.arn, AWS_READ_ONLY, 'arn:aws:iam::aws:policy/None']);
      assert.deepEqual(
        [...counts].sort(([a], [b]) => (a < b ? -1 : 1)),
        [
          [p.arn, { attachments: 1, boundaries: 2 }],
          [q.arn, { attachments: 2, boundaries: 0 }],
          [AWS_READ_ONLY, { attachments: 1, boundaries: 0 }],
        ].sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
      );
      assert.deepEqual(await s.policyUseCounts([]), new Map());
    });

    t.test('attached ARNs under a prefix: each once, only attached ones', async (s) => {
      await s.attachPolicy('AIDAONE', AWS_READ_ONLY, 10);
      await s.attachPolicy('AROATWO', AWS_READ_ONLY, 10);
      await s.attachPolicy('AROATWO', 'arn:aws:iam::aws:policy/service-role/X', 10);
      await s.attachPolicy('AROATWO', managed('Local').arn, 10);
      assert.deepEqual([...(await s.attachedPolicyArns('arn:aws:iam::aws:policy/'))].sort(), [
        AWS_READ_ONLY,
        'arn:aws:iam::aws:policy/service-role/X',
      ]);
      assert.deepEqual(
        [...(await s.attachedPolicyArns('arn:aws:iam::aws:policy/service-role/'))],
        ['arn:aws:iam::aws:policy/service-role/X'],
      );
      assert.deepEqual(await s.attachedPolicyArns('arn:aws:iam::000000000000:'), new Set());
      await s.detachPolicy('AIDAONE', AWS_READ_ONLY);
      await s.detachPolicy('AROATWO', AWS_READ_ONLY);
      assert.equal((await s.attachedPolicyArns('arn:aws:iam::aws:policy/')).has(AWS_READ_ONLY), false);
    });

    t.pair("an attachment made on one node is in the other's documents and counts", async (a, b) => {
      const p = managed('Shared');
      await a.createManagedPolicy(p, '{"s":1}');
      await a.attachPolicy('AIDAONE', p.arn, 10);
      assert.deepEqual(await b.attachedPolicyDocuments(['AIDAONE']), [
        { ownerId: 'AIDAONE', arn: p.arn, document: '{"s":1}' },
      ]);
      assert.equal(await b.attachPolicy('AIDAONE', managed('Other').arn, 1), 'limit-exceeded');
      assert.equal((await b.getManagedPolicy(p.arn))?.attachmentCount, 1);
      assert.equal(await b.detachPolicy('AIDAONE', p.arn), true);
      assert.deepEqual(await a.policyUseCounts([p.arn]), new Map());
    });
  });
}
