/**
 * The read side of identities, cached per process: access key id -> who it is and its secret. A hot request
 * reads no database; the cache is dropped whenever the store's revision moves (a write here, on another worker
 * or on another node), so a deactivated key is refused on the very next request.
 */
import type { Store, AccessKeyStatus } from '../store/store.js';
import type { MasterKey } from '../tokens/master-key.js';
import type { RootPrincipal, UserPrincipal } from './principal.js';

export interface KeyIdentity {
  accessKeyId: string;
  accountId: string;
  status: AccessKeyStatus;
  secretAccessKey: string;
  principal: RootPrincipal | UserPrincipal;
}

const MAX_ENTRIES = 50_000;

export const secretContext = (accessKeyId: string) => `access-key:${accessKeyId}`;

export class Directory {
  private cache = new Map<string, KeyIdentity | null>();
  private pending = new Map<string, Promise<KeyIdentity | null>>();
  private revision = -1;

  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {}

  /** The key and its owner, or undefined when no such key exists (deleted keys included). */
  async accessKey(accessKeyId: string): Promise<KeyIdentity | undefined> {
    this.checkRevision();
    const hit = this.cache.get(accessKeyId);
    if (hit !== undefined) return hit ?? undefined;
    let p = this.pending.get(accessKeyId);
    if (!p) {
      const rev = this.revision;
      p = this.load(accessKeyId).finally(() => this.pending.delete(accessKeyId));
      this.pending.set(accessKeyId, p);
      p.then(
        (v) => {
          // Unknown ids are cached too (bounded), so random ids cannot each cost a query.
          if (rev !== this.revision) return;
          if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
          this.cache.set(accessKeyId, v);
        },
        () => {},
      );
    }
    return (await p) ?? undefined;
  }

  private checkRevision(): void {
    const rev = this.store.revision();
    if (rev !== this.revision) {
      this.revision = rev;
      this.cache.clear();
    }
  }

  private async load(accessKeyId: string): Promise<KeyIdentity | null> {
    const key = await this.store.getAccessKey(accessKeyId);
    if (!key) return null;
    let principal: RootPrincipal | UserPrincipal;
    if (key.userId) {
      const user = await this.store.getUserById(key.userId);
      if (!user) return null;
      principal = {
        type: 'user',
        accountId: user.accountId,
        userId: user.userId,
        userName: user.userName,
        path: user.path,
      };
    } else {
      principal = { type: 'root', accountId: key.accountId };
    }
    return {
      accessKeyId,
      accountId: key.accountId,
      status: key.status,
      secretAccessKey: this.master.decrypt(key.secretEncrypted, secretContext(accessKeyId)),
      principal,
    };
  }
}
