/** Starting and stopping one OpenSTS server process: the app, its HTTP(S) listener and its logger. */
import { readFileSync } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Store } from '../store/store.js';
import { App, type RootCredentials } from '../service/app.js';
import { AuditLog } from './audit-log.js';
import { parseNodeRegion } from '../service/regions.js';
import { TrustedProxies } from './forwarded.js';
import { createHttpServer, listen } from './http.js';
import type { Http1Server } from './http1.js';
import { Metrics, ownMetrics, serveMetrics } from './metrics.js';
import { Readiness } from './readiness.js';
import type { ThrottleLimits } from '../service/throttle.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  dataDir: string;
  /** A region name (a regional node), `global` (the global endpoint), or undefined (any region). */
  region?: string;
  /** See AppOptions.domain. */
  domain?: string;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  store?: Store;
  /** A `postgres://` URL (see AppOptions.storeUrl). */
  storeUrl?: string;
  feed?: ChangeFeed;
  logLevel?: string;
  log?: Logger;
  /** Serve Prometheus metrics on this port (on `host`); 0 picks a free one. */
  metricsPort?: number;
  /** In a cluster worker: keep metrics for the primary to gather (it serves them). */
  shareMetrics?: boolean;
  /** See AppOptions.oidcCaFile. */
  oidcCaFile?: string;
  /** Append an audit event per Query API request to this file (`-`: stdout); see audit-log.ts. */
  auditLog?: string;
  /** Serve HTTPS with this PEM certificate (chain) and key; read again on reopen(). */
  tls?: TlsFiles;
  /** Addresses and CIDR ranges of proxies whose X-Forwarded-For/-Proto are believed (forwarded.ts). */
  trustedProxies?: string[];
  /** The public base URL of outbound federation issuers (see AppOptions.issuerUrl); default: the server's URL. */
  issuerUrl?: string;
  /** See AppOptions.throttle: per-process request rate limits, false for none. */
  throttle?: ThrottleLimits | false;
  /** Open connections this process serves at once (0: no cap); default DEFAULT_LIMITS.maxConnections. */
  maxConnections?: number;
  /** Open connections this process serves at once from one peer address (0: no cap); default 256. */
  maxConnectionsPerAddress?: number;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface RunningServer {
  app: App;
  http: Http1Server;
  url: string;
  port: number;
  /** Set on the first start of a data dir: the root credentials, shown once. */
  rootCredentials?: RootCredentials;
  /** Where the metrics are served, with --metrics-port. */
  metricsUrl?: string;
  audit?: AuditLog;
  /** What /readyz answers. */
  readiness: Readiness;
  /** Its logger; a SIGHUP with a config file sets its level. */
  log: Logger;
  /** After log rotation or certificate renewal (SIGHUP): reopens the audit log file and reads the TLS files again. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7750;
export const DEFAULT_REGION = 'us-east-1';

/**
 * Whether the server has files to reopen on SIGHUP (an audit log file, TLS certificate and key). Only then is
 * SIGHUP taken over: otherwise it still ends the process, as a closed terminal should.
 */
export const reopensOnHangup = (options: Pick<ServeOptions, 'auditLog' | 'tls'>) =>
  options.tls !== undefined || (options.auditLog !== undefined && options.auditLog !== '-');

/** The certificate and key, checked to form a pair: a server that cannot serve TLS does not start. */
export function loadTls({ certFile, keyFile }: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const pair = { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(`the TLS certificate ${certFile} and key ${keyFile} cannot be used: ${(err as Error).message}`);
  }
  return pair;
}

/**
 * JSON lines on stderr (or `destination`, for tests). The destination is asynchronous: a request's log line is
 * queued, not written before its answer (pino flushes what is queued when the process exits). Nothing secret is
 * ever passed to the logger; these paths are redacted in case.
 */
export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Named paths only: a `*.key` wildcard costs ~40 µs a line (measured), nearly a whole GetCallerIdentity.
      redact: [
        'secretAccessKey',
        'SecretAccessKey',
        'sessionToken',
        'SessionToken',
        'authorization',
        'headers.authorization',
        'password',
        'Password',
      ],
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? createLogger(options.logLevel);
  const endpoint = parseNodeRegion(options.region);
  const tls = options.tls && loadTls(options.tls);
  const trustedProxies = options.trustedProxies?.length ? new TrustedProxies(options.trustedProxies) : undefined;
  const audit = options.auditLog === undefined ? undefined : await AuditLog.open(options.auditLog, log);
  const { app, rootCredentials } = await App.open({
    dataDir: options.dataDir,
    region: endpoint.kind === 'regional' ? endpoint.region : DEFAULT_REGION,
    endpoint,
    domain: options.domain,
    clock: options.clock ?? systemClock,
    env: options.env,
    store: options.store,
    storeUrl: options.storeUrl,
    feed: options.feed,
    oidcCaFile: options.oidcCaFile,
    issuerUrl: options.issuerUrl,
    throttle: options.throttle,
    onStoreStateChange: (state, err) => {
      if (state === 'down')
        log.error({ err }, 'lost the database connection; reconnecting (tokens are still verified)');
      else log.warn('database connection is back; caches dropped');
    },
  }).catch(async (err) => {
    await audit?.close();
    throw err;
  });
  const readiness = new Readiness(app.store, () => app.keyring.loaded());
  const metrics = options.metricsPort !== undefined || options.shareMetrics ? new Metrics() : undefined;
  if (options.shareMetrics) metrics!.shareWithPrimary();
  // Not ready while shutting down, or while the store cannot be reached: a load balancer sends requests elsewhere;
  // requests that still come are answered from the caches where they can be.
  const limits = { maxConnections: options.maxConnections, maxConnectionsPerAddress: options.maxConnectionsPerAddress };
  for (const [k, v] of Object.entries(limits)) if (v === undefined) delete limits[k as keyof typeof limits];
  const http = createHttpServer({ app, log, readiness, metrics, audit, tls, trustedProxies, limits });
  let address;
  let metricsListener: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    address = await listen(http, options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1');
    if (options.metricsPort !== undefined) {
      metricsListener = await serveMetrics(ownMetrics(metrics!), options.metricsPort, options.host ?? '127.0.0.1', () =>
        readiness.check(),
      );
    }
  } catch (err) {
    http.server.close();
    await app.close();
    await audit?.close();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${http.secure ? 'https' : 'http'}://${host}:${address.port}`;
  app.issuerBaseUrl ??= url;
  return {
    app,
    http,
    url,
    port: address.port,
    rootCredentials,
    metricsUrl: metricsListener?.url,
    audit,
    readiness,
    log,
    async reopen() {
      await audit?.reopen();
      if (!options.tls) return;
      try {
        (http.server as TlsServer).setSecureContext(loadTls(options.tls));
      } catch (err) {
        log.error({ err }, 'TLS: could not load the certificate and key again; still serving the old ones');
      }
    },
    async close() {
      readiness.drain();
      // Requests in flight get a moment to finish; connections still open after it are cut. The metrics port stays
      // meanwhile: the last scrape sees them, and its /readyz says "draining".
      await http.close(2000);
      metricsListener?.server.close();
      await app.close();
      // Last: the requests that finished above are in the log before the process may exit.
      await audit?.close().catch((err) => log.error({ err }, 'audit log: could not write the last events'));
    },
  };
}
