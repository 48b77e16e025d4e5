import { methodNames, type Tag } from './common.js';

export type TaggedEntity = 'user' | 'role' | 'policy' | 'mfa' | 'oidc-provider' | 'saml-provider' | 'instance-profile';

export interface TagStore {
  /** Adds and removes tags on a user, role, managed policy or MFA device (by id / serial); keys compare case-insensitively. */
  updateTags(
    entity: TaggedEntity,
    id: string,
    add: Tag[],
    removeKeys: string[],
    max: number,
  ): Promise<'updated' | 'limit-exceeded' | 'missing'>;
}

export const TAG_STORE_METHODS = methodNames<TagStore>()(['updateTags']);
