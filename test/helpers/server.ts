/** A real OpenSTS server for a test: fresh data dir, free loopback port, injected clock, silent logs. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pino, { type Logger } from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import type { ThrottleLimits } from '../../src/service/throttle.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { selfSignedCertificate } from './oidc-issuer.js';
import { dropSchema, newSchema } from './postgres.js';

export interface TestServer {
  url: string;
  port: number;
  host: string;
  clock: ManualClock;
  root: Credentials;
  dataDir: string;
  /** With `tls`: the server's self-signed certificate (PEM) and its file, which clients must trust. */
  ca?: string;
  caFile?: string;
  running: RunningServer;
  close(): Promise<void>;
}

/**
 * OPENSTS_TEST_STORE=postgres runs every server test on PostgreSQL (a schema of its own per server, dropped on
 * close) instead of SQLite: the raw-HTTP suites then check the PostgreSQL store end to end.
 */
const onPostgres = process.env.OPENSTS_TEST_STORE === 'postgres';

export interface TestServerOptions {
  env?: NodeJS.ProcessEnv;
  region?: string;
  domain?: string;
  dataDir?: string;
  metricsPort?: number;
  oidcCaFile?: string;
  /** 'sqlite' for tests of the SQLite files themselves, even under OPENSTS_TEST_STORE=postgres. */
  store?: 'sqlite';
  /** --audit-log: where the audit events go. */
  auditLog?: string;
  /** Serve HTTPS with a new self-signed certificate for 127.0.0.1 (files in the data dir). */
  tls?: boolean;
  /** --trusted-proxies. */
  trustedProxies?: string[];
  /** Rate limits (default: the server's defaults); false turns throttling off. */
  throttle?: ThrottleLimits | false;
  /** The server's logger (default: silent). */
  log?: Logger;
}

/**
 * The set-up most test files share: one server for the whole file, started at the file's top level
 * (`const s = await serverForFile();`) and closed after its last test.
 */
export async function serverForFile(options: TestServerOptions = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  after(() => s.close());
  return s;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opensts-test-'));
  const clock = new ManualClock();
  const pg = onPostgres && options.store !== 'sqlite' ? newSchema() : undefined;
  const certificate = options.tls ? selfSignedCertificate(dataDir) : undefined;
  const running = await startServer({
    port: 0,
    dataDir,
    clock,
    region: options.region,
    domain: options.domain,
    env: options.env ?? {},
    storeUrl: pg?.url,
    log: options.log ?? pino({ level: 'silent' }),
    metricsPort: options.metricsPort,
    oidcCaFile: options.oidcCaFile,
    auditLog: options.auditLog,
    tls: certificate && { certFile: certificate.certFile, keyFile: certificate.keyFile },
    trustedProxies: options.trustedProxies,
    throttle: options.throttle,
  });
  if (!running.rootCredentials) throw new Error('expected a new data dir');
  return {
    url: running.url,
    port: running.port,
    host: `127.0.0.1:${running.port}`,
    clock,
    root: running.rootCredentials,
    dataDir,
    ca: certificate?.cert,
    caFile: certificate?.certFile,
    running,
    async close() {
      await running.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (pg) await dropSchema(pg.schema);
    },
  };
}

export interface ServeProcess {
  /** A TestServer view of it, for the query helpers (its clock is not the server's). */
  server: TestServer;
  /** Sends the process (the cluster primary) a signal. */
  signal(name: NodeJS.Signals): void;
  /** Sends SIGTERM and resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

/**
 * `opensts serve` as a child process on a free port, with the given root credentials for a new data dir: for what
 * only a real process shows (workers, signals). Resolves once its banner says it listens.
 */
export async function spawnServe(
  args: string[],
  root: Credentials,
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/opensts', 'serve', '--port', '0', '--log-level', 'error', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH,
      OPENSTS_ROOT_ACCESS_KEY_ID: root.accessKeyId,
      OPENSTS_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (m && /Then try|Connect with/.test(out)) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`opensts serve exited with ${code}`)));
  });
  const port = Number(new URL(url).port);
  return {
    server: { url, port, host: `127.0.0.1:${port}`, clock: new ManualClock(), root } as TestServer,
    signal: (name) => void child.kill(name),
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
