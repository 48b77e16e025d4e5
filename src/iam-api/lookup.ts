/** Finding the entities an IAM request names, with AWS's NoSuchEntity messages. */
import { userArn, type Caller } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import type { App } from '../server/app.js';
import type { UserRecord } from '../store/store.js';

export async function requireUser(app: App, userName: string): Promise<UserRecord> {
  const user = await app.store.getUserByName(app.accountId, userName);
  if (!user) throw errors.noSuchEntity(`The user with name ${userName} cannot be found.`);
  return user;
}

/** The user a request is about: the named one, or the caller itself when the name is left out (undefined for the root). */
export async function targetUser(app: App, caller: Caller, userName: string | undefined): Promise<UserRecord | undefined> {
  if (userName !== undefined) return requireUser(app, userName);
  const p = caller.principal;
  if (p.type === 'user') return requireUser(app, p.userName);
  if (p.type === 'root') return undefined;
  throw errors.validation('Must specify userName when calling with non-User credentials');
}

/** The ARN used as the resource of a permission check on a user (the account root when none is named). */
export function userResource(app: App, caller: Caller, userName: string | undefined): string {
  if (userName !== undefined) return userArn(app.accountId, '/', userName);
  const p = caller.principal;
  return p.type === 'user' ? userArn(p.accountId, p.path, p.userName) : `arn:aws:iam::${app.accountId}:root`;
}

export const userOutput = (u: UserRecord) => ({
  Path: u.path,
  UserName: u.userName,
  UserId: u.userId,
  Arn: userArn(u.accountId, u.path, u.userName),
  CreateDate: new Date(u.createdAt),
  Tags: u.tags.length ? u.tags : undefined,
});
