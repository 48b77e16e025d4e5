/**
 * Who is calling: the account root, an IAM user, or a session (a user's GetSessionToken session, an assumed role,
 * a federated user). ARNs and unique ids follow AWS's formats, so GetCallerIdentity and policy keys match AWS.
 */
import { PARTITION } from '../protocol/arn-parameters.js';
import type { SessionClaims } from '../tokens/session-token.js';

export { PARTITION };

export interface RootPrincipal {
  type: 'root';
  accountId: string;
}

export interface UserPrincipal {
  type: 'user';
  accountId: string;
  userId: string;
  userName: string;
  path: string;
}

export interface AssumedRolePrincipal {
  type: 'assumed-role';
  accountId: string;
  roleId: string;
  roleName: string;
  /** The role's path: part of the role ARN (aws:PrincipalArn), not of the session ARN. */
  rolePath: string;
  roleSessionName: string;
}

export interface FederatedUserPrincipal {
  type: 'federated-user';
  accountId: string;
  name: string;
  /** The IAM user whose GetFederationToken made the session (its permissions bound the session's); absent: the root's. */
  sourceUserId?: string;
}

export type Principal = RootPrincipal | UserPrincipal | AssumedRolePrincipal | FederatedUserPrincipal;

export const rootArn = (accountId: string) => `arn:${PARTITION}:iam::${accountId}:root`;
export const userArn = (accountId: string, path: string, userName: string) =>
  `arn:${PARTITION}:iam::${accountId}:user${path}${userName}`;
export const roleArn = (accountId: string, path: string, roleName: string) =>
  `arn:${PARTITION}:iam::${accountId}:role${path}${roleName}`;
export const assumedRoleArn = (accountId: string, roleName: string, sessionName: string) =>
  `arn:${PARTITION}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;

export function principalArn(p: Principal): string {
  switch (p.type) {
    case 'root':
      return rootArn(p.accountId);
    case 'user':
      return userArn(p.accountId, p.path, p.userName);
    case 'assumed-role':
      return assumedRoleArn(p.accountId, p.roleName, p.roleSessionName);
    case 'federated-user':
      return `arn:${PARTITION}:sts::${p.accountId}:federated-user/${p.name}`;
  }
}

/** The `UserId` of GetCallerIdentity (and the aws:userid policy key). */
export function principalUserId(p: Principal): string {
  switch (p.type) {
    case 'root':
      return p.accountId;
    case 'user':
      return p.userId;
    case 'assumed-role':
      return `${p.roleId}:${p.roleSessionName}`;
    case 'federated-user':
      return `${p.accountId}:${p.name}`;
  }
}

/**
 * An authenticated request's caller: the principal, and the credentials it signed with. A session's kind decides its
 * principal (authenticate.ts, sessionPrincipal): 'session' a user or the root, 'role' an assumed role, 'federated' a
 * federated user.
 */
export interface Caller {
  principal: Principal;
  accessKeyId: string;
  /** Present for temporary credentials. */
  session?: SessionClaims;
}
