/**
 * Using every core: the primary process prepares the data dir (migrations, account, keys, root credentials) and
 * forks workers that share the listening socket. Workers read the same store; the store's revision tells each one
 * when another changed something. A worker that dies is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import { App, type RootCredentials } from '../service/app.js';
import { systemClock } from '../clock.js';
import type { Logger } from 'pino';
import { DEFAULT_LIMITS } from './http1.js';
import { loadTls, reopensOnHangup, startServer, type ServeOptions } from './serve.js';
import { ClusterWorkerFeed, relayChanges } from '../store/change-feed.js';
import { clusterMetrics, serveMetrics } from './metrics.js';
import type { ReadinessReport } from './readiness.js';

export interface ClusterReady {
  url: string;
  accountId: string;
  rootCredentials?: RootCredentials;
  metricsUrl?: string;
  /** The primary's and every worker's log level (SIGHUP with a config file). */
  setLogLevel(level: string): void;
  stop(): Promise<void>;
}

type WorkerMessage = { type: 'listening'; url: string } | { type: 'readyz'; id: number; report: ReadinessReport };

/**
 * The primary's /readyz (on the metrics port): ready when every worker is, since the load balancer cannot pick a
 * worker. Each worker answers from its own Readiness (its own store connection and keys) over the IPC channel.
 */
function workersReadiness(): () => Promise<{ status: string }> {
  let next = 0;
  const waiting = new Map<number, (report: ReadinessReport) => void>();
  cluster.on('message', (_worker: Worker, msg: WorkerMessage) => {
    if (msg?.type === 'readyz') waiting.get(msg.id)?.(msg.report);
  });
  const ask = (worker: Worker) =>
    new Promise<ReadinessReport | undefined>((resolve) => {
      const id = next++;
      const done = (report: ReadinessReport | undefined) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(report);
      };
      const timer = setTimeout(() => done(undefined), 2000);
      waiting.set(id, done);
      try {
        worker.send({ type: 'readyz', id });
      } catch {
        done(undefined);
      }
    });
  return async () => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
    if (!workers.length) return { status: 'not-ready', workers: 'none' };
    const reports = await Promise.all(workers.map(ask));
    const i = reports.findIndex((r) => r?.status !== 'ready');
    if (i < 0) return reports[0]!;
    return reports[i] ?? { status: 'not-ready', workers: 'a worker did not answer' };
  };
}
type PrimaryMessage = { type: 'log-level'; level: string };

/** In the primary: bootstraps, forks `workers` processes and resolves when all listen. */
export async function startCluster(options: ServeOptions & { workers: number; log: Logger }): Promise<ClusterReady> {
  // Said here, clearly, rather than as workers that fail to start.
  if (options.tls) loadTls(options.tls);
  const { app, rootCredentials } = await App.open({
    dataDir: options.dataDir,
    region: 'us-east-1',
    clock: systemClock,
    env: options.env,
    storeUrl: options.storeUrl,
    oidcCaFile: options.oidcCaFile,
  });
  const accountId = app.accountId;
  await app.close();

  let stopping = false;
  let url = '';
  // Workers keep metrics; the primary serves them, gathered from all of them.
  const sharing = options.metricsPort !== undefined;
  let logLevel = options.logLevel;
  // Connection caps are per process, so each worker gets its share: the primary hands connections out in turn, so
  // the shares fill evenly. Unset, the total cap stays each process's own default (it follows its descriptor limit).
  const share = (n: number) => (n === 0 ? 0 : Math.max(1, Math.ceil(n / options.workers)));
  // Read at each fork: a replaced worker starts at the level set last.
  const workerArgs = () =>
    JSON.stringify({
      ...options,
      log: undefined,
      logLevel,
      port: options.port,
      metricsPort: undefined,
      shareMetrics: sharing,
      maxConnections: options.maxConnections === undefined ? undefined : share(options.maxConnections),
      maxConnectionsPerAddress: share(options.maxConnectionsPerAddress ?? DEFAULT_LIMITS.maxConnectionsPerAddress),
    });
  const fork = () => cluster.fork({ OPENSTS_WORKER_OPTIONS: workerArgs() });
  const ready = new Promise<void>((resolve, reject) => {
    let listening = 0;
    cluster.on('message', (_worker: Worker, msg: WorkerMessage) => {
      if (msg?.type === 'listening') {
        url = msg.url;
        if (++listening === options.workers) resolve();
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) return;
      if (listening < options.workers) {
        reject(new Error(`a worker failed to start (exit code ${code ?? signal})`));
        return;
      }
      options.log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
      setTimeout(fork, 1000).unref();
    });
  });
  relayChanges();
  // Log rotation, certificate renewal: every worker reopens its audit log and reads the TLS files again.
  const reopenFiles = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  };
  if (reopensOnHangup(options)) process.on('SIGHUP', reopenFiles);
  // Port 0: the first worker's listen picks the port and cluster hands the same socket to the others.
  for (let i = 0; i < options.workers; i++) fork();
  await ready;
  const metrics = sharing
    ? await serveMetrics(clusterMetrics(), options.metricsPort!, options.host ?? '127.0.0.1', workersReadiness())
    : undefined;
  return {
    url,
    accountId,
    rootCredentials,
    metricsUrl: metrics?.url,
    setLogLevel(level) {
      logLevel = level;
      options.log.level = level;
      for (const w of Object.values(cluster.workers ?? {}))
        w?.send({ type: 'log-level', level } satisfies PrimaryMessage);
    },
    async stop() {
      stopping = true;
      process.off('SIGHUP', reopenFiles);
      metrics?.server.close();
      // Done when every worker has exited, not merely disconnected: they finish their requests and write their last
      // audit events first.
      const exited = Object.values(cluster.workers ?? {}).map(
        (w) => new Promise((r) => (w!.isDead() ? r(undefined) : w!.once('exit', r))),
      );
      await new Promise<void>((resolve) => cluster.disconnect(() => resolve()));
      await Promise.all(exited);
    },
  };
}

/** In a worker: serves until the primary disconnects it. */
export async function runWorker(): Promise<void> {
  const options = JSON.parse(process.env.OPENSTS_WORKER_OPTIONS!) as ServeOptions;
  // With PostgreSQL every worker listens to the database itself, like any other node; SQLite workers hear of each
  // other through the primary.
  const server = await startServer({ ...options, feed: options.storeUrl ? undefined : new ClusterWorkerFeed() });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.on('SIGINT', () => {}); // the primary coordinates shutdown
  process.on('message', (msg: { type?: string; id?: number }) => {
    if (msg?.type !== 'readyz') return;
    void server.readiness
      .check()
      .then((report) => process.send?.({ type: 'readyz', id: msg.id!, report } satisfies WorkerMessage));
  });
  if (reopensOnHangup(options)) process.on('SIGHUP', () => void server.reopen());
  process.on('message', (msg: PrimaryMessage) => {
    if (msg?.type === 'log-level') server.log.level = msg.level;
  });
  // Last: once the primary hears of it, any of the signals above may come.
  process.send!({ type: 'listening', url: server.url } satisfies WorkerMessage);
}
