/** `opensts serve`: runs the server and tells the user how to connect. */
import { type CommandSpec, helpText } from './args.js';
import {
  blameConfig,
  parseServeSettings,
  reloadServeConfig,
  serveOptionsTable,
  type ServeSettings,
} from './serve-config.js';
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import type { RootCredentials } from '../service/app.js';
import { startCluster } from '../server/cluster.js';
import {
  createLogger,
  DEFAULT_PORT,
  DEFAULT_REGION,
  reopensOnHangup,
  startServer,
  type TlsFiles,
} from '../server/serve.js';
import { describeNodeRegion, parseNodeRegion, useRegionsFile, type NodeRegion } from '../service/regions.js';
import { describeStore } from '../store/open.js';
import { TrustedProxies } from '../server/forwarded.js';
import { parseIssuerBaseUrl } from '../federation/outbound-federation.js';
import { DEFAULT_LIMITS, rateText, throttleLimits } from '../service/throttle.js';
import { version } from '../client/version.js';

/** `opensts serve`'s options: its command line, its --config file's keys and its OPENSTS_<NAME> variables. */
export const serveSpec: CommandSpec = {
  name: 'opensts serve',
  synopsis: '[options]',
  description: '',
  options: {
    config: {
      arg: 'FILE',
      help: `read settings from a JSON object whose keys are the long names of these options, e.g.
{"host": "0.0.0.0", "port": 7750, "audit-log": "/var/log/opensts/audit.log"} (default:
OPENSTS_CONFIG). Flags and environment variables win over it. SIGHUP applies a new
log-level; the other keys at the next start`,
    },
    host: { arg: 'HOST', help: 'address to listen on (default 127.0.0.1)', default: '127.0.0.1' },
    port: {
      arg: 'PORT',
      help: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
      default: String(DEFAULT_PORT),
    },
    'data-dir': { arg: 'DIR', help: 'where the SQLite database and master key live (default ./data)', default: 'data' },
    store: {
      arg: 'URL',
      help: `postgres://user@host:5432/db[?schema=s]: a database shared by several nodes
(default: OPENSTS_DATABASE_URL if set, else SQLite in the data dir)`,
    },
    region: {
      arg: 'REGION',
      help: `serve one region's endpoint (sts.REGION.<domain>), or \`global\` for the global
endpoint (signs as us-east-1); default: any region a request is scoped to`,
    },
    'regions-file': {
      arg: 'F',
      help: "regions of your own besides AWS's (e.g. onprem-1), JSON; also OPENSTS_REGIONS_FILE",
    },
    domain: {
      arg: 'DOMAIN',
      help: 'with no --region: Host sts.REGION.DOMAIN selects that region, sts.DOMAIN the global endpoint',
    },
    workers: {
      arg: 'N',
      help: 'processes serving requests (default: one per core)',
      default: String(availableParallelism()),
    },
    'metrics-port': {
      arg: 'N',
      help: 'serve Prometheus metrics at http://HOST:N/metrics (default: off; 0 picks a free port)',
    },
    'audit-log': {
      arg: 'PATH',
      help: `append a JSON line per API request (CloudTrail-like) to PATH, \`-\` for stdout
(default: OPENSTS_AUDIT_LOG, else off); SIGHUP reopens PATH, for log rotation`,
    },
    'tls-cert': {
      arg: 'FILE',
      help: `serve HTTPS with this PEM certificate (chain); needs --tls-key (default:
OPENSTS_TLS_CERT_FILE). SIGHUP reads both files again, for certificate renewal`,
    },
    'tls-key': { arg: 'FILE', help: "the certificate's PEM private key (default: OPENSTS_TLS_KEY_FILE)" },
    'trusted-proxies': {
      arg: 'LIST',
      help: `comma-separated addresses and CIDR ranges of proxies in front of the server: from them,
X-Forwarded-For and X-Forwarded-Proto name the client (aws:SourceIp, aws:SecureTransport,
the audit log); from any other peer they are ignored (default: OPENSTS_TRUSTED_PROXIES)`,
    },
    'issuer-url': {
      arg: 'URL',
      help: `public base URL of the outbound identity federation issuers (GetWebIdentityToken):
an account's issuer is URL/outbound/ACCOUNT, its discovery document and JWKS under
ISSUER/.well-known/. External services fetch them, so in production this is an https://
URL they can reach (default: OPENSTS_ISSUER_URL, else the server's own URL)`,
    },
    throttle: {
      arg: 'on|off',
      help: `request rate limits, answered as AWS does (400 Throttling "Rate exceeded", which the SDKs
and the aws CLI retry with backoff); per process, so per worker (default on)`,
    },
    'throttle-issue': {
      arg: 'RATE[/BURST]',
      help: `credential-issuing calls (GetSessionToken, AssumeRole*, GetFederationToken,
GetWebIdentityToken, CreateAccessKey) per second per caller, and the unsigned ones per
source address (default ${rateText(DEFAULT_LIMITS.issue)}, after AWS's STS quota)`,
    },
    'throttle-requests': {
      arg: 'RATE[/BURST]',
      help: `every other call per second per caller (default ${rateText(DEFAULT_LIMITS.requests)})`,
    },
    'throttle-failed-auth': {
      arg: 'RATE[/BURST]',
      help: `failed authentications per second per source address; past the burst, the address's
signed requests are refused unchecked until it refills (default ${rateText(DEFAULT_LIMITS.failedAuth)}).
Behind a proxy, give --trusted-proxies: otherwise every client has the proxy's address`,
    },
    'max-connections': {
      arg: 'N',
      help: `open connections served at once (default 4096, or the descriptor limit less 128 if lower;
0: no cap). Past it a new connection gets a 503 ServiceUnavailable and is closed (over
TLS: closed before the handshake). With --workers, each process takes an equal share`,
    },
    'max-connections-per-address': {
      arg: 'N',
      help: `open connections from one peer address (the socket's, never X-Forwarded-For) (default
256; 0: no cap). Raise it, or set 0, when many clients share one address (a NAT, a proxy)`,
    },
    'log-level': { arg: 'LEVEL', help: 'fatal, error, warn, info, debug (default info)', default: 'info' },
    'oidc-ca-file': {
      arg: 'F',
      help: `PEM CA certificates trusted, besides the system's, when fetching the keys of OIDC
issuers (a private issuer's CA; default OPENSTS_OIDC_CA_FILE)`,
    },
  },
  notes: `Every option can be set by an environment variable too, OPENSTS_ and its name: OPENSTS_DATA_DIR, OPENSTS_PORT...
(except --store: OPENSTS_DATABASE_URL, --tls-cert and --tls-key: OPENSTS_TLS_CERT_FILE and OPENSTS_TLS_KEY_FILE).
Environment: OPENSTS_MASTER_KEY (every node of a shared store needs the same one), OPENSTS_DATABASE_URL,
OPENSTS_OIDC_CA_FILE, OPENSTS_ISSUER_URL, OPENSTS_AUDIT_LOG, OPENSTS_TLS_CERT_FILE, OPENSTS_TLS_KEY_FILE, OPENSTS_TRUSTED_PROXIES, OPENSTS_ACCOUNT_ID, OPENSTS_ROOT_ACCESS_KEY_ID, OPENSTS_ROOT_SECRET_ACCESS_KEY (read on the first start of a store).`,
};

interface Started {
  url: string;
  accountId: string;
  rootCredentials?: RootCredentials;
  metricsUrl?: string;
  stop(): Promise<void>;
}

interface Running extends Started {
  setLogLevel(level: string): void;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** SIGHUP with a config file: its live settings applied, the others said to wait for a restart. */
function reloadConfig(settings: ServeSettings<Record<string, unknown>>, started: Running): void {
  const say = (text: string) => process.stderr.write(`opensts: ${text}\n`);
  try {
    const { live, needRestart } = reloadServeConfig(settings);
    const level = live['log-level'];
    if (level !== undefined && !LOG_LEVELS.includes(level))
      throw new Error(`"log-level" must be one of ${LOG_LEVELS.join(', ')}, not ${level}`);
    if (level !== undefined) started.setLogLevel(level);
    say(`reloaded ${settings.configFile}${level === undefined ? '' : ` (log-level ${level})`}`);
    if (needRestart.length)
      say(`${needRestart.join(', ')} changed in ${settings.configFile}: applied at the next restart`);
  } catch (err) {
    say(`SIGHUP: ${(err as Error).message}; the running settings stay`);
  }
}

export interface BannerOptions {
  auditLog?: string;
  tls?: TlsFiles;
  /** The address listened on, as given (--host). */
  host?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function banner(
  s: Started,
  node: NodeRegion,
  store: string,
  workers: number,
  { auditLog, tls, host = '127.0.0.1' }: BannerOptions = {},
): string {
  const region = node.kind === 'regional' ? node.region : DEFAULT_REGION;
  const lines = [
    `OpenSTS ${version()} listening on ${s.url} (${describeNodeRegion(node)}, account ${s.accountId}, store ${store}, ${workers} worker${workers === 1 ? '' : 's'})`,
  ];
  if (s.metricsUrl) lines.push(`Metrics at ${s.metricsUrl}`);
  if (auditLog) lines.push(`Audit log: ${auditLog === '-' ? 'standard output' : auditLog}`);
  if (tls) {
    lines.push(
      `TLS certificate: ${tls.certFile} (clients that do not trust its CA: export AWS_CA_BUNDLE=<the CA's PEM file>)`,
    );
  } else if (!LOOPBACK.test(host)) {
    lines.push(
      `WARNING: plain HTTP on ${host}: secret keys and session tokens cross the network unencrypted. Serve HTTPS with --tls-cert and --tls-key, or put a TLS proxy in front.`,
    );
  }
  if (s.rootCredentials) {
    lines.push(
      '',
      'Root credentials for this new data dir, shown once. Keep them safe; paste them to use the aws CLI:',
      '',
      `export AWS_ACCESS_KEY_ID=${s.rootCredentials.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${s.rootCredentials.secretAccessKey}`,
      `export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`,
      // Per service: AWS_ENDPOINT_URL would send S3 and every other service here too.
      `export AWS_ENDPOINT_URL_STS=${s.url} AWS_ENDPOINT_URL_IAM=${s.url}`,
      '',
      'Then try: aws sts get-caller-identity',
    );
  } else {
    lines.push(
      `Connect with: export AWS_ENDPOINT_URL_STS=${s.url} AWS_ENDPOINT_URL_IAM=${s.url} AWS_REGION=${region} AWS_DEFAULT_REGION=${region} (and credentials of account ${s.accountId})`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Started by an npm script (`npm start`): end with npm. Its script runs `exec node ...`, so npm's SIGINT and SIGTERM
 * reach the server itself; but npm ended any other way (SIGKILL, SIGHUP, a script shell that forks) would leave the
 * server orphaned, still holding the port. Polled: Node has no parent-death signal.
 */
function stopWhenOrphaned(stop: () => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.stderr.write(`opensts: npm (pid ${parent}) is gone; stopping\n`);
    stop();
  }, 500);
  timer.unref();
}

export async function serve(argv: string[]): Promise<number> {
  let settings: ServeSettings<unknown> | undefined;
  try {
    return await run(argv, (s) => (settings = s));
  } catch (err) {
    throw settings ? blameConfig(err, settings) : err;
  }
}

async function run(argv: string[], onSettings: (s: ServeSettings<unknown>) => void): Promise<number> {
  const settings = parseServeSettings({ args: argv, options: serveOptionsTable(serveSpec) });
  onSettings(settings);
  // The table has no list options: every value is a string, and help a flag.
  const values = settings.values as Record<string, string | undefined> & { help?: boolean };
  if (values.help) {
    process.stdout.write(helpText(serveSpec));
    return 0;
  }
  if (!LOG_LEVELS.includes(values['log-level']!))
    throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not ${values['log-level']}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, not ${values.port}`);
  // Before --region is checked: it may name a declared region.
  if (values['regions-file'] !== undefined) useRegionsFile(resolve(values['regions-file']));
  const node = parseNodeRegion(values.region);
  const storeUrl = values.store ?? (process.env.OPENSTS_DATABASE_URL || undefined);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new Error(`--workers must be 1..256, not ${values.workers}`);
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new Error(`--metrics-port must be 0..65535, not ${values['metrics-port']}`);
  }
  const count = (flag: 'max-connections' | 'max-connections-per-address') => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n > 1_000_000) throw new Error(`--${flag} must be 0..1000000, not ${v}`);
    return n;
  };
  const maxConnections = count('max-connections');
  const maxConnectionsPerAddress = count('max-connections-per-address');
  const dataDir = resolve(values['data-dir']!);
  const auditLog = values['audit-log'] ?? (process.env.OPENSTS_AUDIT_LOG || undefined);
  const certFile = values['tls-cert'] ?? (process.env.OPENSTS_TLS_CERT_FILE || undefined);
  const keyFile = values['tls-key'] ?? (process.env.OPENSTS_TLS_KEY_FILE || undefined);
  const trustedProxies = values['trusted-proxies'] ?? (process.env.OPENSTS_TRUSTED_PROXIES || undefined);
  const issuerUrl = values['issuer-url'] ?? (process.env.OPENSTS_ISSUER_URL || undefined);
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new Error('--tls-cert and --tls-key go together: give both, or neither');
  const options = {
    host: values.host,
    port,
    dataDir,
    region: values.region,
    domain: values.domain,
    storeUrl,
    logLevel: values['log-level'],
    metricsPort,
    oidcCaFile: values['oidc-ca-file'] === undefined ? undefined : resolve(values['oidc-ca-file']),
    auditLog: auditLog === undefined || auditLog === '-' ? auditLog : resolve(auditLog),
    tls: certFile === undefined ? undefined : { certFile: resolve(certFile), keyFile: resolve(keyFile!) },
    trustedProxies: trustedProxies
      ?.split(',')
      .map((r) => r.trim())
      .filter((r) => r !== ''),
    issuerUrl: issuerUrl === undefined ? undefined : parseIssuerBaseUrl(issuerUrl),
    throttle: throttleLimits({
      throttle: values.throttle,
      issue: values['throttle-issue'],
      requests: values['throttle-requests'],
      failedAuth: values['throttle-failed-auth'],
    }),
    maxConnections,
    maxConnectionsPerAddress,
  };
  // Checked here, so that a typo stops the start with its message rather than failing every worker.
  if (options.trustedProxies) new TrustedProxies(options.trustedProxies);
  let started: Running;
  if (workers === 1) {
    const s = await startServer(options);
    const reopen = () => void s.reopen();
    if (reopensOnHangup(options)) process.on('SIGHUP', reopen);
    started = {
      url: s.url,
      accountId: s.app.accountId,
      rootCredentials: s.rootCredentials,
      metricsUrl: s.metricsUrl,
      setLogLevel: (level) => void (s.log.level = level),
      stop: () => {
        process.off('SIGHUP', reopen);
        return s.close();
      },
    };
  } else {
    started = await startCluster({ ...options, workers, log: createLogger(options.logLevel) });
  }
  const reload = settings.configFile === undefined ? undefined : () => reloadConfig(settings, started);
  if (reload) process.on('SIGHUP', reload);
  const stopped = new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (reload) process.off('SIGHUP', reload);
      void started.stop().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    stopWhenOrphaned(stop);
  });
  // Only once the signals are handled: a supervisor may send SIGTERM the moment it reads that the server is up.
  process.stdout.write(
    banner(started, node, describeStore({ dataDir, url: storeUrl }), workers, {
      auditLog: options.auditLog,
      tls: options.tls,
      host: options.host,
    }),
  );
  await stopped;
  return 0;
}
