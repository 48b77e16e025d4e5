import { methodNames } from './common.js';

/** The master key check value: how a node finds out that its master key is the one the store's secrets are sealed under. */
export interface MasterKeyCheckStore {
  /** The master key check value (a known text sealed under the master key), if the store has one yet. */
  getMasterKeyCheck(): Promise<string | undefined>;
  /** Stores the check value unless one is there already (another node's); answers the one stored either way. */
  claimMasterKeyCheck(sealed: string, now: number): Promise<string>;
}

export const MASTER_KEY_CHECK_STORE_METHODS = methodNames<MasterKeyCheckStore>()([
  'getMasterKeyCheck',
  'claimMasterKeyCheck',
]);
