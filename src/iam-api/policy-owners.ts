/**
 * Users, groups and roles as owners of policies: the one table that lets inline-policy and attachment operations
 * be written once for the three (PutUserPolicy / PutGroupPolicy / PutRolePolicy...).
 */
import type { App } from '../server/app.js';
import { groupResource, requireGroup, requireRole, requireUser, roleResource } from './lookup.js';
import { userArn } from '../iam/principal.js';

export type OwnerKind = 'user' | 'group' | 'role';

export interface PolicyOwner {
  kind: OwnerKind;
  id: string;
  name: string;
}

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
  switch (kind) {
    case 'user': {
      const u = await app.store.getUserByName(app.accountId, name);
      return userArn(app.accountId, u?.path ?? '/', u?.userName ?? name);
    }
    case 'group':
      return groupResource(app, name);
    case 'role':
      return roleResource(app, name);
  }
}
