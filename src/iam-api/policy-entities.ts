/** ListEntitiesForPolicy: the users, groups and roles a managed policy is attached to, or is the permissions boundary of. */
import { operation } from '../service/operation.js';
import type { PolicyEntity } from '../store/store.js';
import { pageOf, requirePolicy } from './lookup.js';

type EntityType = 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
const KIND_OF: Partial<Record<EntityType, PolicyEntity['kind']>> = { User: 'user', Group: 'group', Role: 'role' };
/** The order of the pages: groups, users, roles (each by name), the order of the response's lists. */
const KIND_ORDER = { group: 0, user: 1, role: 2 } as const;

export const listEntitiesForPolicy = operation({
  service: 'iam',
  name: 'ListEntitiesForPolicy',
  permission: ({ input }) => ['iam:ListEntitiesForPolicy', input.PolicyArn],
  handle: async ({ input, app }) => {
    const policy = await requirePolicy(app, input.PolicyArn);
    // UNCONFIRMED: the policy-typed filters (LocalManagedPolicy, AWSManagedPolicy) match no user, group or role.
    const kind = input.EntityFilter === undefined ? undefined : (KIND_OF[input.EntityFilter] ?? 'none');
    const seen = new Set<string>();
    const entities = (await app.store.policyEntities(policy.arn))
      .filter(
        (e) =>
          (kind === undefined || e.kind === kind) &&
          (input.PolicyUsageFilter === undefined || e.usage === input.PolicyUsageFilter) &&
          (!input.PathPrefix || e.path.startsWith(input.PathPrefix)),
      )
      // UNCONFIRMED: an entity with the policy both attached and as its boundary is listed once.
      .filter((e) => !seen.has(e.id) && seen.add(e.id))
      .map((e) => ({ ...e, key: `${KIND_ORDER[e.kind]}:${e.name.toLowerCase()}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = pageOf(entities, (e) => e.key, input.Marker, input.MaxItems);
    const of = (k: PolicyEntity['kind']) => page.items.filter((e) => e.kind === k);
    return {
      PolicyGroups: of('group').map((e) => ({ GroupName: e.name, GroupId: e.id })),
      PolicyUsers: of('user').map((e) => ({ UserName: e.name, UserId: e.id })),
      PolicyRoles: of('role').map((e) => ({ RoleName: e.name, RoleId: e.id })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
});
