/**
 * How the nodes that share one PostgreSQL database learn of each other's changes: every change NOTIFYs a channel
 * inside its own transaction (so the notice leaves exactly when the change commits, and never for a rollback), and
 * every node keeps one dedicated connection LISTENing on it.
 *
 * A write answers only once every other node has applied it ("refused at once": a key deactivated through one node
 * is refused by all of them from the next request on). PostgreSQL queues a committed transaction's notification
 * for every listening session at once, but each session sends it to its node on its own schedule, so seeing our
 * own echo does not prove that a peer has read its copy. Each node therefore acknowledges every change it hears of
 * (after dropping its caches) with a notification of its own, and the writer waits for the acknowledgements of
 * the nodes that were listening when it committed: they are found in pg_stat_activity by the application_name
 * that every listening connection carries (`opensts-<channel hash>-<node id>`). A node that does not answer within
 * a second (dying, cut off) does not hold the writer longer; it drops its caches when it reconnects anyway.
 *
 * The listening connection is also the node's view of the database's health. When it drops, the node reports
 * not-ready and reconnects by itself with backoff; once back, it tells its subscribers to drop their caches, since
 * notifications sent meanwhile are lost. A heartbeat query catches connections that die without a word.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { ChangeNotice, StoreFeed } from '../backend.js';

export interface PostgresFeedOptions {
  /** Connection settings for the listening connection (same as the pool's). */
  client: pg.ClientConfig;
  channel: string;
  /** How often the listening connection is checked (default 5 s). */
  heartbeatMs?: number;
  /** Reconnect backoff bounds (default 100 ms to 5 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a write waits for the other nodes at most (default 1 s); the write is committed either way. */
  ackTimeoutMs?: number;
  /** Told when the connection is lost and when it is back (for logs). */
  onStateChange?: (state: 'up' | 'down', err?: unknown) => void;
}

/** A change that is waiting for the other nodes' acknowledgements. */
interface Pending {
  peers: Set<string> | undefined;
  acked: Set<string>;
  done: () => void;
}

const CHANGE = 'c';
const ACK = 'a';

export class PostgresFeed implements StoreFeed {
  /** This node's id in notifications and in its listening connection's application_name. */
  readonly nodeId = randomBytes(6).toString('hex');
  /** What every listening connection of this channel's nodes is called, before the node id. */
  readonly peerPrefix: string;
  private seq = 0;
  private client: pg.Client | undefined;
  private up = false;
  private everUp = false;
  private closed = false;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: Array<() => void> = [];
  private firstConnect: Promise<void> | undefined;

  constructor(private readonly options: PostgresFeedOptions) {
    this.backoff = options.minBackoffMs ?? 100;
    this.peerPrefix = `opensts-${createHash('sha256').update(options.channel).digest('hex').slice(0, 8)}-`;
  }

  get channel(): string {
    return this.options.channel;
  }

  /** Connects the listening connection; rejects if the first attempt fails (later losses reconnect by themselves). */
  start(): Promise<void> {
    this.firstConnect ??= this.connect();
    return this.firstConnect;
  }

  /** Whether the listening connection is up: the node's "the database is reachable". */
  available(): boolean {
    return this.up;
  }

  /**
   * Starts a change: `send(trx)` NOTIFYs the other nodes in the change's transaction and lists the peers listening
   * at that moment; `delivered()`, after the commit, resolves once they all acknowledged (or a second passed).
   */
  begin(): ChangeNotice {
    const seq = ++this.seq;
    const note = `${CHANGE}|${this.nodeId}|${seq}`;
    const key = String(seq);
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    const entry: Pending = { peers: undefined, acked: new Set(), done: () => {} };
    const timer = setTimeout(() => finish(), this.options.ackTimeoutMs ?? 1000);
    timer.unref();
    const finish = () => {
      clearTimeout(timer);
      this.pending.delete(key);
      resolve();
    };
    entry.done = finish;
    this.pending.set(key, entry);
    let listening: string[] | null = null;
    return {
      send: async (trx) => {
        const sent = await sql<{ peers: string[] | null }>`SELECT pg_notify(${this.channel}, ${note}),
          (SELECT array_agg(application_name::text) FROM pg_stat_activity WHERE application_name LIKE ${this.peerPattern}) AS peers`.execute(
          trx,
        );
        listening = sent.rows[0]?.peers ?? null;
      },
      delivered: () => {
        entry.peers = new Set(
          (listening ?? []).filter((n) => n.startsWith(this.peerPrefix)).map((n) => n.slice(this.peerPrefix.length)),
        );
        entry.peers.delete(this.nodeId);
        // A connection that is down hears nothing: the write stands, the peers learn by other means.
        if (!this.up || [...entry.peers].every((p) => entry.acked.has(p))) finish();
        return settled;
      },
      abandon: finish,
    };
  }

  /** The application_name pattern of listening peers, for `LIKE`. */
  get peerPattern(): string {
    return `${this.peerPrefix}%`;
  }

  /**
   * `listener` runs when another node changed the store, and when the listening connection is back after a loss
   * (notifications sent meanwhile are lost: whatever was cached may be stale).
   */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    this.releaseWaiters();
    const client = this.client;
    this.client = undefined;
    this.up = false;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      ...this.options.client,
      keepAlive: true,
      application_name: this.peerPrefix + this.nodeId,
    });
    // Errors arrive as events too (a dead socket); they all mean "reconnect".
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (msg.channel === this.channel && this.client === client) this.received(client, msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    const wasDown = this.everUp;
    this.client = client;
    this.up = true;
    this.everUp = true;
    this.backoff = this.options.minBackoffMs ?? 100;
    this.startHeartbeat(client);
    if (wasDown) {
      this.options.onStateChange?.('up');
      for (const l of this.listeners) l();
    }
  }

  private received(client: pg.Client, payload: string): void {
    const [type, node, seq, acker] = payload.split('|');
    if (type === ACK) {
      if (node !== this.nodeId || !acker) return;
      const p = this.pending.get(seq!);
      if (!p) return;
      p.acked.add(acker);
      if (p.peers && [...p.peers].every((id) => p.acked.has(id))) p.done();
      return;
    }
    if (type !== CHANGE || node === this.nodeId) return; // our own change was noted when it committed
    for (const l of this.listeners) l();
    client.query('SELECT pg_notify($1, $2)', [this.channel, `${ACK}|${node}|${seq}|${this.nodeId}`]).catch(() => {});
  }

  private startHeartbeat(client: pg.Client): void {
    clearInterval(this.heartbeat);
    const every = this.options.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      if (this.client !== client || !this.up) return;
      let answered = false;
      const deadline = setTimeout(() => {
        if (!answered) this.lost(client, new Error('heartbeat timed out'));
      }, every);
      deadline.unref();
      client.query('SELECT 1').then(
        () => {
          answered = true;
          clearTimeout(deadline);
        },
        (err) => {
          answered = true;
          clearTimeout(deadline);
          this.lost(client, err);
        },
      );
    }, every);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client || this.closed) return; // an old connection, or one still connecting
    this.client = undefined;
    if (this.up) {
      this.up = false;
      this.options.onStateChange?.('down', err);
    }
    clearInterval(this.heartbeat);
    // Writes waiting for acknowledgements will not get them: they are committed, let them answer.
    this.releaseWaiters();
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.backoff * (0.5 + Math.random() / 2);
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.retryTimer.unref();
  }

  private releaseWaiters(): void {
    for (const p of [...this.pending.values()]) p.done();
  }
}
