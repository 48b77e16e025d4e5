/**
 * When each long-term key and each role was last used (GetAccessKeyLastUsed, GetRole's RoleLastUsed). Recording a
 * use on every request must not write to the database on the hot path, so uses gather in memory and are written in
 * one batch every few seconds and at shutdown. AWS, too, reports last use with a delay.
 */
import type { AccessKeyUse, RoleUse } from '../store/store.js';

export class LastUses<U extends { at: number }> {
  private pending = new Map<string, U>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keyOf: (use: U) => string,
    private readonly write: (uses: U[]) => Promise<void>,
    private readonly flushEveryMs = 5000,
  ) {}

  note(use: U): void {
    const key = this.keyOf(use);
    const prev = this.pending.get(key);
    if (prev && prev.at >= use.at) return;
    this.pending.set(key, use);
    this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.flushEveryMs).unref();
  }

  /** The newest use of `key` not yet written, if any. */
  unsaved(key: string): U | undefined {
    return this.pending.get(key);
  }

  /** The newer of a stored last use and the unsaved one. */
  latest<S extends { at: number }>(key: string, stored: S | undefined): U | S | undefined {
    const unsaved = this.pending.get(key);
    return unsaved && (stored === undefined || stored.at < unsaved.at) ? unsaved : stored;
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return;
    const uses = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.write(uses);
    } catch (err) {
      // The store is out of reach (a PostgreSQL node that lost its connection): keep the uses for the next try.
      for (const u of uses) this.note(u);
      throw err;
    }
  }
}

export type KeyUses = LastUses<AccessKeyUse>;
export type RoleUses = LastUses<RoleUse>;
