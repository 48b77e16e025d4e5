/** A real OpenSTS server for a test: fresh data dir, free loopback port, injected clock, silent logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
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

export async function startTestServer(
  options: {
    env?: NodeJS.ProcessEnv; region?: string; domain?: string; dataDir?: string; metricsPort?: number; oidcCaFile?: string;
    /** 'sqlite' for tests of the SQLite files themselves, even under OPENSTS_TEST_STORE=postgres. */
    store?: 'sqlite';
    /** --audit-log: where the audit events go. */
    auditLog?: string;
    /** Serve HTTPS with a new self-signed certificate for 127.0.0.1 (files in the data dir). */
    tls?: boolean;
    /** --trusted-proxies. */
    trustedProxies?: string[];
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opensts-test-'));
  const clock = new ManualClock();
  const pg = onPostgres && options.store !== 'sqlite' ? newSchema() : undefined;
  const certificate = options.tls ? selfSignedCertificate(dataDir) : undefined;
  const running = await startServer({
    port: 0, dataDir, clock, region: options.region, domain: options.domain, env: options.env ?? {},
    storeUrl: pg?.url, log: pino({ level: 'silent' }), metricsPort: options.metricsPort, oidcCaFile: options.oidcCaFile,
    auditLog: options.auditLog,
    tls: certificate && { certFile: certificate.certFile, keyFile: certificate.keyFile },
    trustedProxies: options.trustedProxies,
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
