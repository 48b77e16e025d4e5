/**
 * Readiness (`/readyz`): whether a load balancer should send this process requests. Ready when the store answers a
 * cheap query and the keys are loaded; not ready while shutting down. A probe flood must not become a query
 * flood: an answer is reused for a moment, concurrent probes share one query, and a query that hangs is never
 * joined by another one (the probes say "timeout" until it ends). Liveness (`/healthz`) asks none of this.
 */
import type { Store } from '../store/store.js';

export type StoreState = 'ok' | 'unreachable' | 'timeout';

export type ReadinessReport =
  | { status: 'ready'; store: 'ok'; keys: 'loaded' }
  | { status: 'not-ready'; store: StoreState; keys: 'loaded' | 'not-loaded' }
  | { status: 'draining' };

export interface ReadinessOptions {
  /** How long a store check answers probes (default 1 s). */
  cacheMs?: number;
  /** How long the store has to answer before the probe says "timeout" (default 1 s). */
  timeoutMs?: number;
}

export class Readiness {
  private draining = false;
  private cached: { state: StoreState; at: number } | undefined;
  private checking: Promise<StoreState> | undefined;
  /** The store query of the last check while it has not ended (it may outlive its check's timeout). */
  private query: Promise<unknown> | undefined;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly store: Pick<Store, 'ping' | 'available'>,
    private readonly keysLoaded: () => boolean,
    options: ReadinessOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  /** From now on not ready: the process is shutting down. */
  drain(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessReport> {
    if (this.draining) return { status: 'draining' };
    const store = await this.storeState();
    if (this.draining) return { status: 'draining' };
    const keys = this.keysLoaded() ? 'loaded' : 'not-loaded';
    return store === 'ok' && keys === 'loaded'
      ? { status: 'ready', store, keys }
      : { status: 'not-ready', store, keys };
  }

  private storeState(): Promise<StoreState> {
    // A PostgreSQL store that knows its connection is lost: no query needed to say so.
    if (this.store.available?.() === false) return Promise.resolve('unreachable');
    if (this.cached && performance.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.state);
    this.checking ??= this.ping().then((state) => {
      this.cached = { state, at: performance.now() };
      this.checking = undefined;
      return state;
    });
    return this.checking;
  }

  private async ping(): Promise<StoreState> {
    if (this.query) return 'timeout'; // the last query still hangs
    const query = this.store.ping().then(
      () => 'ok' as const,
      () => 'unreachable' as const,
    );
    this.query = query;
    void query.finally(() => {
      if (this.query === query) this.query = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)));
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
