/**
 * The account-wide settings that every STS request consults (where STS is active, which token version the global
 * endpoint issues), cached per process like the other IAM entities: a hot request reads no database, and the cache
 * is dropped whenever the store's revision moves. While the database is out of reach the last known settings stay
 * in use, so that requests that need only their token keep working.
 */
import type { Store } from '../store/store.js';

export interface AccountSettingsSnapshot {
  /** 1 or 2: what the global endpoint issues. */
  globalEndpointTokenVersion: number;
  /** Explicit STS region settings (true: active); see regions.ts for the defaults. */
  regions: ReadonlyMap<string, boolean>;
}

interface Entry {
  revision: number;
  loading: Promise<AccountSettingsSnapshot>;
  lastGood?: AccountSettingsSnapshot;
}

export class AccountSettings {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly store: Store) {}

  get(accountId: string): Promise<AccountSettingsSnapshot> {
    const revision = this.store.revision();
    const entry = this.entries.get(accountId);
    if (entry && entry.revision === revision) return entry.loading;
    const next: Entry = { revision, loading: undefined!, lastGood: entry?.lastGood };
    next.loading = this.load(accountId).then((s) => {
      next.lastGood = s;
      return s;
    }, (err) => {
      if (this.entries.get(accountId) === next) this.entries.delete(accountId);
      if (next.lastGood) return next.lastGood;
      throw err;
    });
    this.entries.set(accountId, next);
    return next.loading;
  }

  private async load(accountId: string): Promise<AccountSettingsSnapshot> {
    const [account, regions] = await Promise.all([this.store.getAccount(), this.store.listRegionSettings(accountId)]);
    return {
      globalEndpointTokenVersion: account?.accountId === accountId ? account.globalEndpointTokenVersion : 1,
      regions: new Map(regions.map((r) => [r.region, r.active])),
    };
  }
}
