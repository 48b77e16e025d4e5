import { type ListOptions, methodNames, type Page } from './common.js';
import type { UserRecord } from './users.js';

export interface GroupRecord {
  accountId: string;
  groupId: string;
  groupName: string;
  path: string;
  createdAt: number;
}

/** Groups and their members. */
export interface GroupStore {
  /** False when a group with that name (compared case-insensitively) exists. */
  createGroup(group: GroupRecord): Promise<boolean>;
  getGroupByName(accountId: string, groupName: string): Promise<GroupRecord | undefined>;
  listGroups(accountId: string, options: ListOptions): Promise<Page<GroupRecord>>;
  /** Deletes a group without members or policies. */
  deleteGroup(
    groupId: string,
  ): Promise<'deleted' | 'has-members' | 'has-policies' | 'has-attached-policies' | 'missing'>;
  /** Idempotent. */
  addUserToGroup(groupId: string, userId: string): Promise<void>;
  removeUserFromGroup(groupId: string, userId: string): Promise<boolean>;
  listGroupMembers(groupId: string, options: ListOptions): Promise<Page<UserRecord>>;
  listGroupsForUser(userId: string, options: ListOptions): Promise<Page<GroupRecord>>;
}

export const GROUP_STORE_METHODS = methodNames<GroupStore>()([
  'createGroup',
  'getGroupByName',
  'listGroups',
  'deleteGroup',
  'addUserToGroup',
  'removeUserFromGroup',
  'listGroupMembers',
  'listGroupsForUser',
]);
