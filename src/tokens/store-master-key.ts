/**
 * Which master key opens a store, decided before anything sealed is read or written.
 *
 * A new store (no check value and no account: nothing was ever sealed in it) takes the configured key, or a new
 * one written to `<dataDir>/master.key`, and records its check value (a known text sealed under it). Nodes that
 * create one store at once record the value under the store's write lock: the first one wins, and a node whose key
 * is not the winner's is refused (and removes the key file it made).
 *
 * An existing store must be given its own key: a missing or different one is refused with nothing written, so a
 * lost master.key is never replaced by a stray new one beside a database it cannot open. Stores created before the
 * check value existed are checked by opening a stored token key instead, and get their check value on that start.
 */
import { join } from 'node:path';
import { unlinkSync } from 'node:fs';
import type { Store } from '../store/store.js';
import { tokenKeyContext } from './keyring.js';
import { MasterKey } from './master-key.js';

export interface StoreMasterKeyOptions {
  store: Store;
  /** Where master.key lives (undefined: none, as for an in-memory store: OPENSTS_MASTER_KEY is needed). */
  dataDir: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The store as named in messages (describeStore). */
  storeName: string;
  now: number;
  /** False for admin commands: they refuse a store that has not been created by a server. */
  mayCreate?: boolean;
}

/** The file a data dir's master key is kept in. */
export const masterKeyFile = (dataDir: string) => join(dataDir, 'master.key');

export async function openStoreMasterKey(options: StoreMasterKeyOptions): Promise<MasterKey> {
  const { store, dataDir, env, storeName, now } = options;
  const file = dataDir === undefined ? undefined : masterKeyFile(dataDir);
  const fromEnv = Boolean(env.OPENSTS_MASTER_KEY);
  const source = fromEnv ? 'OPENSTS_MASTER_KEY' : file!;
  let key: MasterKey | undefined;
  if (fromEnv) {
    try {
      key = MasterKey.fromText(env.OPENSTS_MASTER_KEY!);
    } catch (err) {
      throw new Error(`OPENSTS_MASTER_KEY: ${(err as Error).message}`);
    }
  } else if (file !== undefined) {
    key = MasterKey.readFile(file);
  }
  const whereToPut =
    file === undefined
      ? 'Set OPENSTS_MASTER_KEY to the key the store was created with.'
      : `Put the key the store was created with in ${file} (mode 0600), or set OPENSTS_MASTER_KEY to it.`;
  const wrong = (why: string) =>
    new Error(
      `The master key from ${source} does not open the secrets of ${storeName}: ${why}. Nothing was written. ${whereToPut}`,
    );
  const missing = () =>
    new Error(
      `${storeName} holds secrets sealed under a master key, but none was given: OPENSTS_MASTER_KEY is unset` +
        `${file === undefined ? '' : ` and ${file} does not exist`}. No key was generated (a new one could not open them), and nothing was written. ${whereToPut}`,
    );

  const check = await store.getMasterKeyCheck();
  if (check !== undefined) {
    if (!key) throw missing();
    if (!key.opensCheck(check)) throw wrong('it is not the key the store was created with');
    return key;
  }
  let created = false;
  if (await store.getAccount()) {
    // Created before check values: the key must open what the store holds (the token keys are sealed first).
    if (!key) throw missing();
    const [sample] = await store.listTokenKeys();
    if (sample && !key.opens(sample.keyEncrypted, tokenKeyContext(sample.keyId)))
      throw wrong('it is not the key the store was created with');
  } else {
    if (options.mayCreate === false) throw new Error(`${storeName} has no account yet (start the server once)`);
    if (!key) {
      if (file === undefined) throw new Error('OPENSTS_MASTER_KEY is required when the store has no data dir');
      ({ key, created } = MasterKey.createFile(file));
    }
  }
  const stored = await store.claimMasterKeyCheck(key.sealCheck(), now);
  if (key.opensCheck(stored)) return key;
  // Another node created the store a moment ago, with another key: this one is not the store's.
  if (created) unlinkSync(file!);
  throw wrong(
    `another node created this store at the same moment with a different key${created ? ' (the key generated here was removed again)' : ''}`,
  );
}
