import { type ListOptions, methodNames, type Page, type Tag } from './common.js';

export interface UserRecord {
  accountId: string;
  userId: string;
  userName: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  /** The ARN of the managed policy that is the user's permissions boundary, if it has one. */
  permissionsBoundary?: string;
}

export type DeleteUserResult =
  | 'deleted'
  | 'has-keys'
  | 'has-policies'
  | 'has-attached-policies'
  | 'in-groups'
  | 'has-mfa'
  | 'missing';

export interface UserStore {
  /** False when a user with that name (compared case-insensitively) exists. */
  createUser(user: UserRecord): Promise<boolean>;
  getUserByName(accountId: string, userName: string): Promise<UserRecord | undefined>;
  getUserById(userId: string): Promise<UserRecord | undefined>;
  listUsers(accountId: string, options: ListOptions): Promise<Page<UserRecord>>;
  /**
   * Deletes a user that owns nothing any more (access keys, inline and attached policies, group memberships, MFA
   * devices): otherwise the first thing in the way; 'missing' when it is gone already.
   */
  deleteUser(accountId: string, userId: string): Promise<DeleteUserResult>;
}

export const USER_STORE_METHODS = methodNames<UserStore>()([
  'createUser',
  'getUserByName',
  'getUserById',
  'listUsers',
  'deleteUser',
]);
