/**
 * Values loaded from the store per key (an account id), kept until the store's revision moves: a hot request reads no
 * database. A load that fails hands back the last value that loaded (and is tried again on the next call), so that
 * requests which need only cached state keep working while the database is out of reach.
 */
import type { Store } from './store.js';

interface Entry<T> {
  revision: number;
  loading: Promise<T>;
  lastGood?: T;
}

export class RevisionCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly store: Pick<Store, 'revision'>,
    private readonly load: (key: string) => Promise<T>,
  ) {}

  get(key: string): Promise<T> {
    const revision = this.store.revision();
    const entry = this.entries.get(key);
    if (entry && entry.revision === revision) return entry.loading;
    const next: Entry<T> = { revision, loading: undefined!, lastGood: entry?.lastGood };
    next.loading = this.load(key).then(
      (value) => {
        next.lastGood = value;
        return value;
      },
      (err) => {
        if (this.entries.get(key) === next) this.entries.delete(key);
        if (next.lastGood !== undefined) return next.lastGood;
        throw err;
      },
    );
    this.entries.set(key, next);
    return next.loading;
  }
}
