/**
 * The keys that seal session tokens. Each has a numeric id carried in the token header, so a node can open tokens
 * sealed under an older key during a rotation. Keys live in the store sealed under the master key, and are loaded
 * once: a token naming an unknown id makes the keyring reload (another node may have rotated).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { MasterKey } from './master-key.js';

export interface TokenKey {
  id: number;
  key: Buffer;
  createdAt: number;
}

const context = (id: number) => `token-key:${id}`;

export class Keyring {
  private keys = new Map<number, TokenKey>();
  private newest: TokenKey | undefined;
  private reloading: Promise<void> | undefined;
  private lastMissReload = 0;

  constructor(private readonly store: Store, private readonly master: MasterKey) {}

  /** Loads the keys; creates the first one on a new store. */
  async load(now: number): Promise<void> {
    await this.reload();
    if (!this.newest) {
      await this.rotate(now);
    }
  }

  /** Adds a new key that seals from now on; older keys keep opening the tokens they sealed. */
  async rotate(now: number): Promise<TokenKey> {
    const id = (this.newest?.id ?? 0) + 1;
    const key = randomBytes(32);
    await this.store.addTokenKey({ keyId: id, keyEncrypted: this.master.encrypt(key.toString('base64'), context(id)), createdAt: now });
    await this.reload();
    return this.newest!;
  }

  /** The key that seals new tokens. */
  active(): TokenKey {
    if (!this.newest) throw new Error('The keyring is not loaded');
    return this.newest;
  }

  /**
   * The key with that id. An id newer than any known here makes the keyring reload from the store, at most once a
   * second, so forged tokens cannot turn into a database query each.
   */
  async get(id: number): Promise<TokenKey | undefined> {
    const k = this.keys.get(id);
    if (k || id <= (this.newest?.id ?? 0)) return k;
    const t = performance.now();
    if (t - this.lastMissReload < 1000) return undefined;
    this.lastMissReload = t;
    await this.reload();
    return this.keys.get(id);
  }

  private reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        for (const r of await this.store.listTokenKeys()) {
          if (this.keys.has(r.keyId)) continue;
          const key = Buffer.from(this.master.decrypt(r.keyEncrypted, context(r.keyId)), 'base64');
          this.keys.set(r.keyId, { id: r.keyId, key, createdAt: r.createdAt });
        }
        this.newest = [...this.keys.values()].reduce<TokenKey | undefined>((a, b) => (!a || b.id > a.id ? b : a), undefined);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }
}
