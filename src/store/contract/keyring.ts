import { methodNames } from './common.js';

export interface TokenKeyRecord {
  keyId: number;
  /** The AES-256 key that seals session tokens, sealed under the master key. */
  keyEncrypted: string;
  createdAt: number;
}

/** The session token keys (see tokens/keyring.ts). */
export interface KeyringStore {
  listTokenKeys(): Promise<TokenKeyRecord[]>;
  /** Adds a token key unless one with the same id exists. */
  addTokenKey(key: TokenKeyRecord): Promise<void>;
  /** Removes a retired token key (see Keyring.retire); false when it was gone. */
  deleteTokenKey(keyId: number): Promise<boolean>;
}

export const KEYRING_STORE_METHODS = methodNames<KeyringStore>()(['listTokenKeys', 'addTokenKey', 'deleteTokenKey']);
