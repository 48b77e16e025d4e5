import { methodNames } from './common.js';

/** What can have a permissions boundary. */
export type BoundedEntity = 'user' | 'role';

export interface PermissionsBoundaryStore {
  /**
   * Sets (a policy ARN) or removes (undefined) the permissions boundary of a user or role, by id. The policy must
   * exist, checked in the same transaction as the write, so that DeletePolicy cannot leave a boundary dangling.
   */
  setPermissionsBoundary(
    entity: BoundedEntity,
    id: string,
    policyArn: string | undefined,
  ): Promise<'updated' | 'no-such-policy' | 'missing'>;
}

export const PERMISSIONS_BOUNDARY_STORE_METHODS = methodNames<PermissionsBoundaryStore>()(['setPermissionsBoundary']);
