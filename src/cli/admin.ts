/**
 * What the administration commands (`opensts keys`, `opensts regions`) share: opening the store a server uses,
 * with its master key and account, without creating anything that is not there yet.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeStore, openStore } from '../store/open.js';
import type { AccountRecord, Store } from '../store/store.js';
import type { MasterKey } from '../tokens/master-key.js';
import { openStoreMasterKey } from '../tokens/store-master-key.js';
import { type OptionSpec, type ParsedArgs, one } from './args.js';

/** Where the store of an admin command is: the options every one of them takes. */
export const STORE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'data-dir': { arg: 'DIR', help: "the server's data dir (SQLite database, master.key) (default ./data)" },
  store: { arg: 'URL', help: "the server's PostgreSQL store instead (default: OPENSTS_DATABASE_URL if set)" },
};

/** The store options as openAdminStore takes them. */
export const storeValues = (args: ParsedArgs) => ({ 'data-dir': one(args, 'data-dir'), store: one(args, 'store') });

/** Where an admin command reads its environment and time and writes its output (tests pass their own). */
export interface AdminIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  now: () => number;
}

export const processIo = (): AdminIo => ({ env: process.env, out: (t) => process.stdout.write(t), now: Date.now });

export interface AdminStore {
  store: Store;
  /** Undefined when the command said it needs none. */
  master: MasterKey | undefined;
  account: AccountRecord;
  /** How the store is named in messages (no password). */
  name: string;
}

/** Opens an existing store (SQLite data dir or PostgreSQL), with its master key if needed; refuses to create either. */
export async function openAdminStore(
  values: { 'data-dir'?: string; store?: string },
  env: NodeJS.ProcessEnv = process.env,
  needsMasterKey = true,
): Promise<AdminStore> {
  const dataDir = resolve(values['data-dir'] ?? 'data');
  const url = values.store ?? (env.OPENSTS_DATABASE_URL || undefined);
  const name = describeStore({ dataDir, url });
  if (url === undefined && !existsSync(join(dataDir, 'opensts.db')))
    throw new Error(`No OpenSTS store in ${dataDir} (start the server once, or give --data-dir / --store)`);
  const store = await openStore({ dataDir, url });
  try {
    await store.migrate();
    const account = await store.getAccount();
    if (!account) throw new Error(`${name} has no account yet (start the server once)`);
    const master = needsMasterKey
      ? await openStoreMasterKey({ store, dataDir, env, storeName: name, now: Date.now(), mayCreate: false })
      : undefined;
    return { store, master, account, name };
  } catch (err) {
    await store.close();
    throw err;
  }
}
