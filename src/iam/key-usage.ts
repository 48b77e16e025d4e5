/**
 * When each long-term key was last used (GetAccessKeyLastUsed). Recording a use on every request must not write
 * to the database on the hot path, so uses gather in memory and are written in one batch every few seconds and
 * at shutdown. AWS, too, reports last use with a delay.
 */
import type { AccessKeyUse, Store } from '../store/store.js';

export class KeyUsage {
  private pending = new Map<string, AccessKeyUse>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store, private readonly flushEveryMs = 5000) {}

  note(accessKeyId: string, at: number, region: string, service: string): void {
    const prev = this.pending.get(accessKeyId);
    if (prev && prev.at >= at) return;
    this.pending.set(accessKeyId, { accessKeyId, at, region, service });
    this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.flushEveryMs).unref();
  }

  /** The newest use not yet written, if any. */
  unsaved(accessKeyId: string): AccessKeyUse | undefined {
    return this.pending.get(accessKeyId);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return;
    const uses = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.store.recordAccessKeyUse(uses);
    } catch (err) {
      // The store is out of reach (a PostgreSQL node that lost its connection): keep the uses for the next try.
      for (const u of uses) this.note(u.accessKeyId, u.at, u.region, u.service);
      throw err;
    }
  }
}
