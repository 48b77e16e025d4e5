/** Finding the entities an IAM request names, with AWS's NoSuchEntity messages, and the ARNs permissions are checked on. */
import { PARTITION, roleArn, userArn, type Caller } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import type { App } from '../service/app.js';
import type { GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord } from '../store/store.js';

export async function requireUser(app: App, userName: string): Promise<UserRecord> {
  const user = await app.store.getUserByName(app.accountId, userName);
  if (!user) throw errors.noSuchEntity(`The user with name ${userName} cannot be found.`);
  return user;
}

export async function requireRole(app: App, roleName: string): Promise<RoleRecord> {
  const role = await app.store.getRoleByName(app.accountId, roleName);
  if (!role) throw errors.noSuchEntity(`The role with name ${roleName} cannot be found.`);
  return role;
}

export async function requireGroup(app: App, groupName: string): Promise<GroupRecord> {
  const group = await app.store.getGroupByName(app.accountId, groupName);
  if (!group) throw errors.noSuchEntity(`The group with name ${groupName} cannot be found.`);
  return group;
}

/** A managed policy of this account or AWS's. */
export async function requirePolicy(app: App, arn: string): Promise<ManagedPolicyRecord> {
  const policy = await app.store.getManagedPolicy(arn);
  if (!policy || (policy.accountId !== app.accountId && policy.accountId !== 'aws'))
    throw errors.noSuchEntity(`Policy ${arn} was not found.`);
  return policy;
}

/** The user a request is about: the named one, or the caller itself when the name is left out (undefined for the root). */
export async function targetUser(
  app: App,
  caller: Caller,
  userName: string | undefined,
): Promise<UserRecord | undefined> {
  if (userName !== undefined) return requireUser(app, userName);
  const p = caller.principal;
  if (p.type === 'user') return requireUser(app, p.userName);
  if (p.type === 'root') return undefined;
  throw errors.validation('Must specify userName when calling with non-User credentials');
}

/**
 * The ARN used as the resource of a permission check on a user (the account root when none is named), with the
 * user's real path so that path-scoped policies match; a user that does not exist gets the root path.
 */
export async function userResource(app: App, caller: Caller, userName: string | undefined): Promise<string> {
  if (userName !== undefined) {
    const user = await app.store.getUserByName(app.accountId, userName);
    return userArn(app.accountId, user?.path ?? '/', user?.userName ?? userName);
  }
  const p = caller.principal;
  return p.type === 'user' ? userArn(p.accountId, p.path, p.userName) : `arn:${PARTITION}:iam::${app.accountId}:root`;
}

export async function roleResource(app: App, roleName: string): Promise<string> {
  const role = await app.store.getRoleByName(app.accountId, roleName);
  return roleArn(app.accountId, role?.path ?? '/', role?.roleName ?? roleName);
}

export const groupArn = (accountId: string, path: string, groupName: string) =>
  `arn:${PARTITION}:iam::${accountId}:group${path}${groupName}`;

export async function groupResource(app: App, groupName: string): Promise<string> {
  const group = await app.store.getGroupByName(app.accountId, groupName);
  return groupArn(app.accountId, group?.path ?? '/', group?.groupName ?? groupName);
}

/** `arn:aws:iam::ACCOUNT:<kind>/`: the resource of List* calls. */
export const listResource = (app: App, kind: string) => `arn:${PARTITION}:iam::${app.accountId}:${kind}/`;

/** The AttachedPermissionsBoundary structure of a user or role (undefined without a boundary). */
export const boundaryOutput = (arn: string | undefined) =>
  arn === undefined
    ? undefined
    : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: arn };

/** The User structure; `full` adds the permissions boundary, which GetUser and CreateUser show and lists leave out. */
export const userOutput = (u: UserRecord, full = true) => ({
  Path: u.path,
  UserName: u.userName,
  UserId: u.userId,
  Arn: userArn(u.accountId, u.path, u.userName),
  CreateDate: new Date(u.createdAt),
  PermissionsBoundary: full ? boundaryOutput(u.permissionsBoundary) : undefined,
  // ListUsers leaves the tags out, as AWS does (moto's aws_verified test_user_resource_returns_subset_of_available_attributes).
  Tags: full && u.tags.length ? u.tags : undefined,
});

export const groupOutput = (g: GroupRecord) => ({
  Path: g.path,
  GroupName: g.groupName,
  GroupId: g.groupId,
  Arn: groupArn(g.accountId, g.path, g.groupName),
  CreateDate: new Date(g.createdAt),
});

/**
 * A page of an in-memory list whose `key`s are unique; the marker is the last key returned. A marker whose item has
 * gone since continues after the first key greater than it (exact for lists sorted by key).
 */
export function pageOf<T>(items: T[], key: (t: T) => string, marker: string | undefined, maxItems = 100) {
  const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
  let start = 0;
  if (after !== undefined) {
    start = items.findIndex((t) => key(t) === after) + 1;
    if (start === 0) {
      const next = items.findIndex((t) => key(t) > after);
      start = next < 0 ? items.length : next;
    }
  }
  const rest = items.slice(start);
  const page = rest.slice(0, maxItems);
  const truncated = rest.length > maxItems;
  return {
    items: page,
    IsTruncated: truncated,
    Marker: truncated ? Buffer.from(key(page[page.length - 1]!), 'utf8').toString('base64url') : undefined,
  };
}
