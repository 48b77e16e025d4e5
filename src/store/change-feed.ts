/**
 * How the worker processes of one server on a SQLite file learn that one of them changed it, so their read caches
 * stay correct without asking the database on every request (sqlite/sqlite-feed.ts adds other processes on the
 * same file; PostgreSQL's nodes use postgres/postgres-feed.ts). A write's response waits until every peer has seen
 * it: a key deactivated on one worker is refused by all of them from the next request on.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

export interface ChangeFeed {
  /** Tells the peers that this process changed the store; resolves once they have seen it. */
  publish(): Promise<void>;
  /** `listener` runs whenever a peer changed the store. */
  subscribe(listener: () => void): void;
}

/** One process alone: nobody to tell. */
export class LocalFeed implements ChangeFeed {
  publish(): Promise<void> {
    return Promise.resolve();
  }
  subscribe(): void {}
}

type FeedMessage = { type: 'opensts:changed'; id: number } | { type: 'opensts:changed-ack'; id: number };

const isFeedMessage = (m: unknown): m is FeedMessage =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as { type?: unknown }).type === 'string' &&
  (m as { type: string }).type.startsWith('opensts:changed');

/** In a cluster worker: changes travel through the primary to the other workers (see relayChanges). */
export class ClusterWorkerFeed implements ChangeFeed {
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  private readonly listeners: Array<() => void> = [];

  constructor() {
    process.on('message', (m: unknown) => {
      if (!isFeedMessage(m)) return;
      if (m.type === 'opensts:changed-ack') {
        this.waiting.get(m.id)?.();
        this.waiting.delete(m.id);
      } else {
        for (const l of this.listeners) l();
        process.send!({ type: 'opensts:changed-ack', id: m.id } satisfies FeedMessage);
      }
    });
  }

  publish(): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      // A primary that is gone cannot relay; the write itself is committed either way.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve();
      }, 2000).unref();
      this.waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      process.send!({ type: 'opensts:changed', id } satisfies FeedMessage);
    });
  }

  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/**
 * In the cluster primary: relays each worker's change to the others and acknowledges once they all have it. One
 * listener serves every relay in flight (a listener per relay would pile up under concurrent writes).
 */
export function relayChanges(): void {
  let nextId = 1;
  /** The relay each id sent to a peer belongs to, with that peer: only its acknowledgement counts. */
  const waiting = new Map<number, { peer: Worker; acked: () => void }>();
  cluster.on('message', (from: Worker, m: unknown) => {
    if (!isFeedMessage(m)) return;
    if (m.type === 'opensts:changed-ack') {
      const w = waiting.get(m.id);
      if (w?.peer !== from) return;
      waiting.delete(m.id);
      w.acked();
      return;
    }
    const peers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w !== from && w.isConnected());
    const done = () => {
      if (from.isConnected()) from.send({ type: 'opensts:changed-ack', id: m.id } satisfies FeedMessage);
    };
    if (!peers.length) return done();
    let pending = peers.length;
    const ids: number[] = [];
    const finish = () => {
      clearTimeout(timer);
      for (const id of ids) waiting.delete(id);
      done();
    };
    // A worker that hangs or dies must not hold the writer forever.
    const timer = setTimeout(finish, 1000);
    const acked = () => {
      if (--pending === 0) finish();
    };
    for (const peer of peers) {
      const id = nextId++;
      ids.push(id);
      waiting.set(id, { peer, acked });
      peer.send({ type: 'opensts:changed', id } satisfies FeedMessage);
    }
  });
}
