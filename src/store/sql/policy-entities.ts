/** The users, groups and roles a managed policy is attached to or is the permissions boundary of (ListEntitiesForPolicy). */
import type { PolicyEntity } from '../store.js';
import type { Db } from './common.js';

export async function entitiesOfPolicy(db: Db, policyArn: string): Promise<PolicyEntity[]> {
  const [users, groups, roles, boundedUsers, boundedRoles] = await Promise.all([
    db
      .selectFrom('policy_attachments')
      .innerJoin('users', 'users.user_id', 'policy_attachments.owner_id')
      .where('policy_attachments.policy_arn', '=', policyArn)
      .select(['users.user_id as id', 'users.user_name as name', 'users.path'])
      .execute(),
    db
      .selectFrom('policy_attachments')
      .innerJoin('groups', 'groups.group_id', 'policy_attachments.owner_id')
      .where('policy_attachments.policy_arn', '=', policyArn)
      .select(['groups.group_id as id', 'groups.group_name as name', 'groups.path'])
      .execute(),
    db
      .selectFrom('policy_attachments')
      .innerJoin('roles', 'roles.role_id', 'policy_attachments.owner_id')
      .where('policy_attachments.policy_arn', '=', policyArn)
      .select(['roles.role_id as id', 'roles.role_name as name', 'roles.path'])
      .execute(),
    db
      .selectFrom('users')
      .where('permissions_boundary', '=', policyArn)
      .select(['user_id as id', 'user_name as name', 'path'])
      .execute(),
    db
      .selectFrom('roles')
      .where('permissions_boundary', '=', policyArn)
      .select(['role_id as id', 'role_name as name', 'path'])
      .execute(),
  ]);
  const tag =
    (kind: PolicyEntity['kind'], usage: PolicyEntity['usage']) =>
    (r: { id: string; name: string; path: string }): PolicyEntity => ({ kind, usage, ...r });
  return [
    ...users.map(tag('user', 'PermissionsPolicy')),
    ...groups.map(tag('group', 'PermissionsPolicy')),
    ...roles.map(tag('role', 'PermissionsPolicy')),
    ...boundedUsers.map(tag('user', 'PermissionsBoundary')),
    ...boundedRoles.map(tag('role', 'PermissionsBoundary')),
  ];
}
