import { methodNames } from './common.js';

/** What UpdateUser and UpdateGroup rename or move. */
export type RenamableEntity = 'user' | 'group';

export interface RenameStore {
  /** UpdateUser and UpdateGroup: a new name and/or path; 'exists' when another user (group) has the name in any case. */
  renameEntity(
    entity: RenamableEntity,
    id: string,
    changes: { name?: string; path?: string },
  ): Promise<'updated' | 'exists' | 'missing'>;
}

export const RENAME_STORE_METHODS = methodNames<RenameStore>()(['renameEntity']);
