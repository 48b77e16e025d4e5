/**
 * How the users of one SQLite file learn of each other's changes. Workers of one server tell each other through
 * the process feed (change-feed.ts: nothing alone, the cluster primary's relay for workers), after the commit. Any
 * other process writing the same file (a second server, an admin command) is noticed within a poll interval
 * through `PRAGMA data_version`, which reading on every request would cost more than the request itself: the
 * change's "notice in the transaction" is the revision counter it bumps, which the poll reads.
 */
import type Database from 'better-sqlite3';
import type { ChangeNotice, StoreFeed } from '../backend.js';
import type { ChangeFeed } from '../change-feed.js';

const POLL_MS = 500;

export class SqliteFeed implements StoreFeed {
  private readonly dataVersion: Database.Statement;
  private counter: Database.Statement | undefined;
  private lastDataVersion: number;
  private lastCounter = -1;
  private readonly listeners: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly notice: ChangeNotice;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly processes: ChangeFeed,
  ) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    this.lastDataVersion = this.dataVersion.get() as number;
    this.timer = setInterval(() => this.poll(), POLL_MS).unref();
    processes.subscribe(() => this.changed());
    // Nothing to send in the transaction (the bumped counter is the notice): one notice serves every change.
    this.notice = {
      send: () => Promise.resolve(),
      delivered: () => processes.publish(),
      abandon: () => {},
    };
  }

  begin(): ChangeNotice {
    return this.notice;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Notices commits by other connections to the same file (called by a timer; tests call it directly). */
  poll(): void {
    if (!this.sqlite.open) return;
    const dv = this.dataVersion.get() as number;
    if (dv === this.lastDataVersion) return;
    this.lastDataVersion = dv;
    this.counter ??= this.sqlite.prepare('SELECT n FROM revision WHERE id = 1').pluck();
    const n = (this.counter.get() as number | undefined) ?? 0;
    if (n !== this.lastCounter) {
      this.lastCounter = n;
      this.changed();
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
