/**
 * GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with what governs its
 * permissions (inline and attached policies, groups, boundaries, instance profiles, policy versions), as IAM
 * auditing tools read it. Shapes follow LocalStack's snapshots recorded against AWS
 * (tests/aws/services/iam/test_iam_account_authorization_details.snapshot.json).
 */
import { roleArn, userArn } from '../iam/principal.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { GroupRecord, ListOptions, ManagedPolicyRecord, Page, RoleRecord, UserRecord } from '../store/store.js';
import { instanceProfileOutput } from './instance-profiles.js';
import { boundaryOutput, groupArn, pageOf } from './lookup.js';
import { policyOutput } from './managed-policies.js';
import { encodePolicyDocument } from './policy-documents.js';
import { lastUsed } from './roles.js';

type EntityType = 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';

type Item =
  | { kind: 'user'; key: string; user: UserRecord }
  | { kind: 'group'; key: string; group: GroupRecord }
  | { kind: 'role'; key: string; role: RoleRecord }
  | { kind: 'policy'; key: string; policy: ManagedPolicyRecord };

/** Every item of a paged store list. */
async function all<T>(list: (options: ListOptions) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await list({ marker, maxItems: 1000 });
    items.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined);
  return items;
}

/**
 * The account's entities in the order they are paged: users, groups, roles (each by name), then policies (by ARN:
 * the account's before AWS's). AWS managed policies are listed only while attached to something in the account
 * (UNCONFIRMED beyond the snapshot, whose unfiltered answer holds none of the unattached ones).
 */
async function itemsOf(app: App, filter: Set<EntityType>): Promise<Item[]> {
  const id = app.accountId;
  const byName = (s: string) => s.toLowerCase();
  const items: Item[] = [];
  if (filter.has('User'))
    for (const user of await all((o) => app.store.listUsers(id, o)))
      items.push({ kind: 'user', key: `0:${byName(user.userName)}`, user });
  if (filter.has('Group'))
    for (const group of await all((o) => app.store.listGroups(id, o)))
      items.push({ kind: 'group', key: `1:${byName(group.groupName)}`, group });
  if (filter.has('Role'))
    for (const role of await all((o) => app.store.listRoles(id, o)))
      items.push({ kind: 'role', key: `2:${byName(role.roleName)}`, role });
  const policies = [
    ...(filter.has('LocalManagedPolicy')
      ? await all((o) => app.store.listManagedPolicies(id, { ...o, scope: 'Local', onlyAttached: false }))
      : []),
    ...(filter.has('AWSManagedPolicy')
      ? await all((o) => app.store.listManagedPolicies(id, { ...o, scope: 'AWS', onlyAttached: true }))
      : []),
  ];
  for (const policy of policies.sort((a, b) => (a.arn < b.arn ? -1 : 1)))
    items.push({ kind: 'policy', key: `3:${policy.arn}`, policy });
  return items;
}

const inlineList = async (app: App, ownerId: string) =>
  (await app.store.listInlinePolicies([ownerId])).map((p) => ({
    PolicyName: p.policyName,
    PolicyDocument: encodePolicyDocument(p.document),
  }));

const attachedList = async (app: App, ownerId: string) =>
  (await app.store.listAttachedPolicies(ownerId)).map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn }));

async function userDetail(app: App, u: UserRecord) {
  const [inline, groups, attached] = await Promise.all([
    inlineList(app, u.userId),
    all((o) => app.store.listGroupsForUser(u.userId, o)),
    attachedList(app, u.userId),
  ]);
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: userArn(u.accountId, u.path, u.userName),
    CreateDate: new Date(u.createdAt),
    // Left out when empty, unlike every other list here (the snapshots).
    UserPolicyList: inline.length ? inline : undefined,
    GroupList: groups.map((g) => g.groupName),
    AttachedManagedPolicies: attached,
    PermissionsBoundary: boundaryOutput(u.permissionsBoundary),
    Tags: u.tags,
  };
}

async function groupDetail(app: App, g: GroupRecord) {
  const [inline, attached] = await Promise.all([inlineList(app, g.groupId), attachedList(app, g.groupId)]);
  return {
    Path: g.path,
    GroupName: g.groupName,
    GroupId: g.groupId,
    Arn: groupArn(g.accountId, g.path, g.groupName),
    CreateDate: new Date(g.createdAt),
    GroupPolicyList: inline,
    AttachedManagedPolicies: attached,
  };
}

async function roleDetail(app: App, r: RoleRecord) {
  const [profiles, inline, attached] = await Promise.all([
    all((o) => app.store.listInstanceProfilesForRole(r.roleId, o)),
    inlineList(app, r.roleId),
    attachedList(app, r.roleId),
  ]);
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: roleArn(r.accountId, r.path, r.roleName),
    CreateDate: new Date(r.createdAt),
    AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
    InstanceProfileList: profiles.map((p) => instanceProfileOutput(p, 'never')),
    RolePolicyList: inline,
    AttachedManagedPolicies: attached,
    PermissionsBoundary: boundaryOutput(r.permissionsBoundary),
    Tags: r.tags,
    RoleLastUsed: lastUsed(app, r),
  };
}

async function policyDetail(app: App, p: ManagedPolicyRecord) {
  const { Tags: _tags, ...summary } = policyOutput(p);
  // Newest version first (UNCONFIRMED beyond the snapshot's two).
  const versions = (await app.store.listPolicyVersions(p.policyId)).sort(
    (a, b) => b.createdAt - a.createdAt || (a.versionId < b.versionId ? 1 : -1),
  );
  return {
    ...summary,
    PolicyVersionList: versions.map((v) => ({
      Document: encodePolicyDocument(v.document),
      VersionId: v.versionId,
      IsDefaultVersion: v.versionId === p.defaultVersionId,
      CreateDate: new Date(v.createdAt),
    })),
  };
}

const ALL: EntityType[] = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'];

export const getAccountAuthorizationDetails = operation({
  service: 'iam',
  name: 'GetAccountAuthorizationDetails',
  permission: () => ['iam:GetAccountAuthorizationDetails', '*'],
  handle: async ({ input, app }) => {
    const filter = new Set(input.Filter?.length ? input.Filter : ALL);
    const page = pageOf(await itemsOf(app, filter), (i) => i.key, input.Marker, input.MaxItems);
    const details = await Promise.all(
      page.items.map(async (i) => {
        switch (i.kind) {
          case 'user':
            return { kind: i.kind, detail: await userDetail(app, i.user) };
          case 'group':
            return { kind: i.kind, detail: await groupDetail(app, i.group) };
          case 'role':
            return { kind: i.kind, detail: await roleDetail(app, i.role) };
          case 'policy':
            return { kind: i.kind, detail: await policyDetail(app, i.policy) };
        }
      }),
    );
    const of = (kind: Item['kind']) => details.filter((d) => d.kind === kind).map((d) => d.detail);
    return {
      UserDetailList: of('user'),
      GroupDetailList: of('group'),
      RoleDetailList: of('role'),
      Policies: of('policy'),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
});
