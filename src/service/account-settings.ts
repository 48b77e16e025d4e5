/**
 * The account-wide settings that every STS request consults (where STS is active, which token version the global
 * endpoint issues), cached per process like the other IAM entities: a hot request reads no database, and the cache
 * is dropped whenever the store's revision moves. While the database is out of reach the last known settings stay
 * in use, so that requests that need only their token keep working.
 */
import { RevisionCache } from '../store/revision-cache.js';
import type { Store } from '../store/store.js';

export interface AccountSettingsSnapshot {
  /** 1 or 2: what the global endpoint issues. */
  globalEndpointTokenVersion: number;
  /** Explicit STS region settings (true: active); see regions.ts for the defaults. */
  regions: ReadonlyMap<string, boolean>;
}

export class AccountSettings {
  private readonly cache: RevisionCache<AccountSettingsSnapshot>;

  constructor(private readonly store: Store) {
    this.cache = new RevisionCache(store, (accountId) => this.load(accountId));
  }

  get(accountId: string): Promise<AccountSettingsSnapshot> {
    return this.cache.get(accountId);
  }

  private async load(accountId: string): Promise<AccountSettingsSnapshot> {
    const [account, regions] = await Promise.all([this.store.getAccount(), this.store.listRegionSettings(accountId)]);
    return {
      globalEndpointTokenVersion: account?.accountId === accountId ? account.globalEndpointTokenVersion : 1,
      regions: new Map(regions.map((r) => [r.region, r.active])),
    };
  }
}
