import { type ListOptions, methodNames, type Page, type Tag } from './common.js';

export interface RoleRecord {
  accountId: string;
  roleId: string;
  roleName: string;
  path: string;
  createdAt: number;
  /** The AssumeRolePolicyDocument as given (JSON text). */
  trustPolicy: string;
  description?: string;
  /** Seconds, 3600..43200. */
  maxSessionDuration: number;
  tags: Tag[];
  /** When a session of the role was last issued, and where (GetRole's RoleLastUsed). */
  lastUsedAt?: number;
  lastUsedRegion?: string;
  /** The ARN of the managed policy that is the role's permissions boundary, if it has one. */
  permissionsBoundary?: string;
}

/** A role session was issued (AssumeRole*), in `region`. */
export interface RoleUse {
  roleId: string;
  at: number;
  region: string;
}

export type DeleteRoleResult = 'deleted' | 'in-instance-profile' | 'has-policies' | 'has-attached-policies' | 'missing';

export interface RoleStore {
  /** False when a role with that name (compared case-insensitively) exists. */
  createRole(role: RoleRecord): Promise<boolean>;
  getRoleByName(accountId: string, roleName: string): Promise<RoleRecord | undefined>;
  getRoleById(roleId: string): Promise<RoleRecord | undefined>;
  listRoles(accountId: string, options: ListOptions): Promise<Page<RoleRecord>>;
  updateRole(
    roleId: string,
    changes: { description?: string; maxSessionDuration?: number; trustPolicy?: string },
  ): Promise<boolean>;
  /** Deletes a role that is in no instance profile and has no inline or attached policies. */
  deleteRole(roleId: string): Promise<DeleteRoleResult>;
  /** Records when roles were last used; later uses win. Does not count as a change for revision(). */
  recordRoleUse(uses: RoleUse[]): Promise<void>;
}

export const ROLE_STORE_METHODS = methodNames<RoleStore>()([
  'createRole',
  'getRoleByName',
  'getRoleById',
  'listRoles',
  'updateRole',
  'deleteRole',
  'recordRoleUse',
]);
