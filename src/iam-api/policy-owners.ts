/**
 * Users, groups and roles as owners of policies: the one table that lets inline-policy and attachment operations
 * be written once for the three (PutUserPolicy / PutGroupPolicy / PutRolePolicy...).
 */
import type { ContextValue } from '../policy/index.js';
import type { App } from '../service/app.js';
import { groupResource, requireGroup, requireRole, requireUser } from './lookup.js';
import { roleArn, userArn } from '../iam/principal.js';

export type OwnerKind = 'user' | 'group' | 'role';

export interface PolicyOwner {
  kind: OwnerKind;
  id: string;
  name: string;
}

/**
 * The iam:PermissionsBoundary condition key: the boundary a request sets, or the one a user or role has when a
 * request removes it or changes its policies, so that an administrator can be allowed to create and manage users
 * and roles only with a given boundary.
 */
export const boundaryKey = (arn: string | undefined): Record<string, ContextValue> => ({
  'iam:PermissionsBoundary': arn,
});

export const OWNER_KINDS: readonly OwnerKind[] = ['user', 'group', 'role'];

/** 'User', 'Group', 'Role': how operation names and input members spell the kind. */
export const ownerWord = (kind: OwnerKind) => (kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'Role');

export async function requireOwner(app: App, kind: OwnerKind, name: string): Promise<PolicyOwner> {
  switch (kind) {
    case 'user': {
      const u = await requireUser(app, name);
      return { kind, id: u.userId, name: u.userName };
    }
    case 'group': {
      const g = await requireGroup(app, name);
      return { kind, id: g.groupId, name: g.groupName };
    }
    case 'role': {
      const r = await requireRole(app, name);
      return { kind, id: r.roleId, name: r.roleName };
    }
  }
}

export async function ownerResource(app: App, kind: OwnerKind, name: string): Promise<string> {
  return (await ownerTarget(app, kind, name)).arn;
}

/**
 * The ARN a permission check on an owner is made on (its real path; the root path when it does not exist), and its
 * permissions boundary: the iam:PermissionsBoundary value of changes to a user's or role's permissions.
 */
export async function ownerTarget(
  app: App,
  kind: OwnerKind,
  name: string,
): Promise<{ arn: string; boundary?: string }> {
  switch (kind) {
    case 'user': {
      const u = await app.store.getUserByName(app.accountId, name);
      return { arn: userArn(app.accountId, u?.path ?? '/', u?.userName ?? name), boundary: u?.permissionsBoundary };
    }
    case 'group':
      return { arn: await groupResource(app, name) };
    case 'role': {
      const r = await app.store.getRoleByName(app.accountId, name);
      return { arn: roleArn(app.accountId, r?.path ?? '/', r?.roleName ?? name), boundary: r?.permissionsBoundary };
    }
  }
}

/**
 * The permission check of a change to an owner's policies: the owner's ARN, iam:PermissionsBoundary (its current
 * boundary, so that a delegated administrator can be kept to users and roles under a given boundary) and, for
 * managed policies, iam:PolicyARN.
 */
export async function ownerChange(
  app: App,
  kind: OwnerKind,
  name: string,
  action: string,
  policyArn?: string,
): Promise<[string, string, Record<string, ContextValue>]> {
  const target = await ownerTarget(app, kind, name);
  const keys = boundaryKey(target.boundary);
  if (policyArn !== undefined) keys['iam:PolicyARN'] = policyArn;
  return [action, target.arn, keys];
}
