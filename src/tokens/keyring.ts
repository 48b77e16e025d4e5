/**
 * The keys that seal session tokens. Each has a numeric id carried in the token header, so a node can open tokens
 * sealed under an older key during a rotation. Keys live in the store sealed under the master key, and are loaded
 * once; the keyring reloads when the store's revision moves (another node or `opensts keys rotate` added or retired
 * one) and when a token names an id it does not know.
 *
 * Rotation (`opensts keys rotate`) adds a key that seals from then on; the older ones keep opening what they
 * sealed. A key is retired once no token it sealed can still be valid: when its successor has existed for longer
 * than the longest session (36 hours) plus a margin for nodes that took a moment to notice the successor.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { MasterKey } from './master-key.js';

export interface TokenKey {
  id: number;
  key: Buffer;
  createdAt: number;
}

/** The longest session a token can carry (GetSessionToken: 129,600 s). */
export const LONGEST_SESSION_MS = 129_600_000;
/** How long after its successor appears a key may still seal (a node that has not heard of the rotation yet). */
export const ROTATION_MARGIN_MS = 10 * 60_000;

const MISS_RELOAD_INTERVAL_MS = 100;

/** What a token key is bound to when sealed under the master key. */
export const tokenKeyContext = (id: number) => `token-key:${id}`;

export class Keyring {
  private keys = new Map<number, TokenKey>();
  private newest: TokenKey | undefined;
  private reloading: Promise<void> | undefined;
  private lastMissReload = Number.NEGATIVE_INFINITY;
  private missReload: Promise<void> | undefined;
  /** The store revision the keys were last loaded at. */
  private loadedAt = Number.NaN;

  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {}

  /** Loads the keys; creates the first one on a new store. */
  async load(now: number): Promise<void> {
    await this.reload();
    // Nodes starting at once on a new store all add key 1: one of them is kept, and all seal with it.
    if (!this.newest) await this.add(1, now);
  }

  /** Adds a new key that seals from now on; older keys keep opening the tokens they sealed. */
  async rotate(now: number): Promise<TokenKey> {
    await this.reload();
    // Two rotations at once pick the same id: one of them is kept, and both end up sealing with it.
    return this.add((this.newest?.id ?? 0) + 1, now);
  }

  private async add(id: number, now: number): Promise<TokenKey> {
    const key = randomBytes(32);
    await this.store.addTokenKey({
      keyId: id,
      keyEncrypted: this.master.encrypt(key.toString('base64'), tokenKeyContext(id)),
      createdAt: now,
    });
    await this.reload();
    return this.newest!;
  }

  /**
   * Deletes the keys that can no longer have sealed a valid token: those whose successor was added more than the
   * longest session plus the rotation margin ago. Returns their ids.
   */
  async retire(now: number): Promise<number[]> {
    await this.reload();
    const ordered = [...this.keys.values()].sort((a, b) => a.id - b.id);
    const retired: number[] = [];
    for (let i = 0; i + 1 < ordered.length; i++) {
      if (ordered[i + 1]!.createdAt + LONGEST_SESSION_MS + ROTATION_MARGIN_MS <= now) {
        await this.store.deleteTokenKey(ordered[i]!.id);
        retired.push(ordered[i]!.id);
      }
    }
    if (retired.length) await this.reload();
    return retired;
  }

  /** The keys known here, oldest first (ids and creation times; for `opensts keys list`). */
  list(): Array<{ id: number; createdAt: number }> {
    return [...this.keys.values()].sort((a, b) => a.id - b.id).map(({ id, createdAt }) => ({ id, createdAt }));
  }

  /** Whether a key to seal with is loaded (readiness). */
  loaded(): boolean {
    return this.newest !== undefined;
  }

  /** The key that seals new tokens. A store that changed meanwhile is reloaded in the background. */
  active(): TokenKey {
    if (!this.newest) throw new Error('The keyring is not loaded');
    if (this.store.revision() !== this.loadedAt) void this.reload().catch(() => {});
    return this.newest;
  }

  /**
   * The key with that id. An id newer than any known here makes the keyring reload from the store: at once if the
   * store changed since the last load (a rotation), else at most every 100 ms, all waiting callers sharing one
   * reload, so that forged tokens cannot turn into a database query each and a real one is never refused unread.
   */
  async get(id: number): Promise<TokenKey | undefined> {
    const k = this.keys.get(id);
    if (k || id <= (this.newest?.id ?? 0)) return k;
    try {
      await (this.store.revision() !== this.loadedAt ? this.reload() : this.reloadForMiss());
    } catch {
      return undefined; // the store is out of reach: an unknown key stays unknown
    }
    return this.keys.get(id);
  }

  private reloadForMiss(): Promise<void> {
    this.missReload ??= (async () => {
      try {
        const wait = this.lastMissReload + MISS_RELOAD_INTERVAL_MS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastMissReload = performance.now();
        await this.reload();
      } finally {
        this.missReload = undefined;
      }
    })();
    return this.missReload;
  }

  private reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const revision = this.store.revision();
        const keys = new Map<number, TokenKey>();
        for (const r of await this.store.listTokenKeys()) {
          const known = this.keys.get(r.keyId);
          keys.set(
            r.keyId,
            known ?? {
              id: r.keyId,
              key: Buffer.from(this.master.decrypt(r.keyEncrypted, tokenKeyContext(r.keyId)), 'base64'),
              createdAt: r.createdAt,
            },
          );
        }
        this.keys = keys;
        this.newest = [...keys.values()].reduce<TokenKey | undefined>((a, b) => (!a || b.id > a.id ? b : a), undefined);
        this.loadedAt = revision;
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }
}
