import { type ListOptions, methodNames, type Page, type Tag } from './common.js';
import type { RoleRecord } from './roles.js';

/** An instance profile: the container that passes one role to EC2 instances. */
export interface InstanceProfileRecord {
  accountId: string;
  instanceProfileId: string;
  name: string;
  path: string;
  createdAt: number;
  tags: Tag[];
  /** The role it holds (AWS allows at most one); filled in by reads, ignored by createInstanceProfile. */
  role?: RoleRecord;
}

export interface InstanceProfileStore {
  /** False when an instance profile with that name (compared case-insensitively) exists. */
  createInstanceProfile(profile: InstanceProfileRecord): Promise<boolean>;
  getInstanceProfileByName(accountId: string, name: string): Promise<InstanceProfileRecord | undefined>;
  /** The account's instance profiles in name order. */
  listInstanceProfiles(accountId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>>;
  /** The instance profiles that hold this role, in name order. */
  listInstanceProfilesForRole(roleId: string, options: ListOptions): Promise<Page<InstanceProfileRecord>>;
  /** Deletes a profile that holds no role. */
  deleteInstanceProfile(instanceProfileId: string): Promise<'deleted' | 'has-role' | 'missing'>;
  /** Puts a role in an empty profile ('limit-exceeded' when it holds one already, even this one); atomic. */
  addRoleToInstanceProfile(
    instanceProfileId: string,
    roleId: string,
  ): Promise<'added' | 'limit-exceeded' | 'no-such-role' | 'missing'>;
  /** False when the profile does not hold this role. */
  removeRoleFromInstanceProfile(instanceProfileId: string, roleId: string): Promise<boolean>;
}

export const INSTANCE_PROFILE_STORE_METHODS = methodNames<InstanceProfileStore>()([
  'createInstanceProfile',
  'getInstanceProfileByName',
  'listInstanceProfiles',
  'listInstanceProfilesForRole',
  'deleteInstanceProfile',
  'addRoleToInstanceProfile',
  'removeRoleFromInstanceProfile',
]);
