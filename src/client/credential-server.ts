/**
 * Local credential servers, so that workloads which read credentials the way code on AWS does — from an ECS-style
 * container credentials endpoint or from the EC2 instance metadata service (IMDSv2) — get a profile's temporary
 * credentials, and new ones before the old expire, for as long as they run. `opensts exec --ecs-server |
 * --imds-server` starts one for its child; `opensts credential-server` runs one for daemons and sidecars.
 *
 * Both listen on loopback only and answer only callers that prove they were given the server's environment:
 * - ECS: `Authorization` must equal AWS_CONTAINER_AUTHORIZATION_TOKEN (compared in constant time).
 * - IMDS: a session token from `PUT /latest/api/token` is required on every GET (IMDSv1 is refused with 401), and a
 *   token request carrying X-Forwarded-For is refused, as EC2 does, so an open proxy on the host cannot fetch one.
 * A web page cannot reach either: both need a custom request header, which a browser sends cross-origin only after a
 * CORS preflight that these servers never approve.
 *
 * Requests are bounded: small headers, no bodies, short deadlines, few connections.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsCredentials, isoSeconds } from './credential-process.js';
import type { CredentialProvider } from './sts-client.js';

export type CredentialServerKind = 'ecs' | 'imds';

export interface CredentialServerOptions {
  readonly kind: CredentialServerKind;
  /**
   * Where the credentials come from, asked (one call at a time) only when the served ones enter their refresh window:
   * SERVER_REFRESH_WINDOW_MS before they expire, less for sessions shorter than an hour. A provider of this SDK
   * memoizes too: give it refreshWindowMs: SERVER_REFRESH_WINDOW_MS (and its cache the same), or it answers the
   * early refresh with the credentials it holds until its own window.
   */
  readonly provider: CredentialProvider;
  /** A loopback address (default 127.0.0.1). */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** ECS: the `RoleArn` member of the document, for a role profile. */
  readonly roleArn?: string;
  /** IMDS: the role name listed under security-credentials/ (default: the role's name from roleArn, else `opensts`). */
  readonly roleName?: string;
  /** ECS: the authorization token (default: 32 random bytes, base64url). */
  readonly token?: string;
  readonly now?: () => number;
  /** Told when a refresh failed but the current credentials were still good to hand out. */
  readonly warn?: (message: string) => void;
}

export interface CredentialServer {
  readonly kind: CredentialServerKind;
  readonly url: string;
  /** The variables that point the AWS SDKs and CLIs at this server. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * When the served credentials are replaced, and how much life a handed-out credential must have: chosen for
 * botocore (1.43, credentials.py and utils.py), the strictest of the stock clients.
 * - Container credentials: RefreshableCredentials refreshes when fewer than _DEFAULT_ADVISORY_REFRESH_TIMEOUT
 *   (15 min) remain, and blocks on it under _DEFAULT_MANDATORY_REFRESH_TIMEOUT (10 min).
 * - Instance metadata: InstanceMetadataFetcher._evaluate_expiration "stretches" credentials that have less than
 *   ec2_credential_refresh_window (create_credential_resolver passes the advisory 15 min) plus
 *   random.randint(120, 600) s of jitter left when fetched, i.e. under 17 to 25 minutes: it moves their expiry to
 *   now + that interval and keeps signing with them, past the real expiry if the interval is longer than what was
 *   left. So every credential handed out must have more than 25 minutes left, and sessions must last longer than
 *   that to be of use: the CLI asks for an hour unless the profile says otherwise.
 * For sessions shorter than an hour both margins shrink in proportion (a 15-minute session is replaced with 7.5
 * minutes left): a workload still never sees an error from the AWS SDK for JavaScript or the aws CLI's container
 * provider, but botocore over IMDS may stretch such credentials past their expiry and fail for a few minutes.
 */
export const SERVER_REFRESH_WINDOW_MS = 30 * 60_000;
/** Credentials with less left than this are not handed out while a refresh can still succeed (see above: > 25 min). */
const HANDOUT_MIN_MS = 26 * 60_000;
/** Sessions at least this long get the full margins; shorter ones get margins in proportion. */
const FULL_MARGIN_LIFETIME_MS = 60 * 60_000;
/** Credentials closer than this to expiring are not handed out even when a refresh fails. */
const MIN_VALIDITY_MS = 60_000;
const MAX_CONNECTIONS = 32;
const MAX_HEADER_BYTES = 8 * 1024;
const DEADLINE_MS = 5_000;
/** IMDSv2's limits for X-aws-ec2-metadata-token-ttl-seconds. */
const IMDS_TOKEN_TTL_MAX_S = 21_600;
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';

const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || LOOPBACK_ADDRESS.test(host.replace(/^\[|\]$/g, ''));
}

export class CredentialServerError extends Error {
  override name = 'CredentialServerError';
}

/** Equal strings, in time that depends on neither's content (hashing first makes the lengths equal). */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * The credentials to hand out now. The provider is asked only once the current credentials are inside their refresh
 * window (SERVER_REFRESH_WINDOW_MS, less for short sessions), one call in flight however many requests wait. While
 * they have more than HANDOUT_MIN_MS left they are answered at once and the refresh runs in the background; closer
 * to expiry the request waits for it. When a refresh fails the current ones are still handed out while they have a
 * minute left, so a passing STS outage costs the workload nothing.
 */
class CredentialSupply {
  private last: AwsCredentials | undefined;
  private lastUpdated = 0;
  private pending: Promise<{ credentials: AwsCredentials; lastUpdated: number }> | undefined;
  constructor(
    private readonly provider: CredentialProvider,
    private readonly now: () => number,
    private readonly warn?: (message: string) => void,
  ) {}

  async current(): Promise<{ credentials: AwsCredentials; lastUpdated: number }> {
    const last = this.last;
    if (!last) return this.refresh();
    const left = last.expiration!.getTime() - this.now();
    // The share of the full margins this session gets: its lifetime as seen when it arrived, against an hour.
    const scale = Math.min(1, (last.expiration!.getTime() - this.lastUpdated) / FULL_MARGIN_LIFETIME_MS);
    if (left > SERVER_REFRESH_WINDOW_MS * scale) return { credentials: last, lastUpdated: this.lastUpdated };
    const refreshed = this.refresh();
    if (left > HANDOUT_MIN_MS * scale) {
      refreshed.catch((err: unknown) =>
        this.warn?.(
          `opensts: could not refresh the credentials ahead of expiry (${(err as Error).message}); will try again`,
        ),
      );
      return { credentials: last, lastUpdated: this.lastUpdated };
    }
    try {
      return await refreshed;
    } catch (err) {
      if (last.expiration!.getTime() - this.now() > MIN_VALIDITY_MS) {
        this.warn?.(
          `opensts: could not refresh the credentials (${(err as Error).message}); still handing out the current ones, which expire at ${isoSeconds(last.expiration!)}`,
        );
        return { credentials: last, lastUpdated: this.lastUpdated };
      }
      throw err;
    }
  }

  private refresh(): Promise<{ credentials: AwsCredentials; lastUpdated: number }> {
    this.pending ??= this.provider()
      .then((fresh) => this.accept(fresh))
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private accept(fresh: AwsCredentials): { credentials: AwsCredentials; lastUpdated: number } {
    if (!fresh.sessionToken || !fresh.expiration) {
      throw new CredentialServerError(
        'The credential servers hand out temporary credentials only (these have no session token or expiration).',
      );
    }
    if (fresh.expiration.getTime() <= this.now())
      throw new CredentialServerError(`The credentials expired at ${isoSeconds(fresh.expiration)}.`);
    if (fresh !== this.last) {
      this.last = fresh;
      this.lastUpdated = this.now();
    }
    return { credentials: fresh, lastUpdated: this.lastUpdated };
  }
}

/** Stateless IMDSv2 session tokens: expiry time and its HMAC under a per-server key, so no table can grow. */
class ImdsTokens {
  private readonly key = randomBytes(32);
  constructor(private readonly now: () => number) {}

  issue(ttlSeconds: number): string {
    const expiry = Buffer.alloc(8);
    expiry.writeBigUInt64BE(BigInt(this.now() + ttlSeconds * 1000));
    return Buffer.concat([expiry, this.mac(expiry)]).toString('base64url');
  }

  valid(token: string): boolean {
    if (token.length !== 54) return false; // base64url of 8 + 32 bytes
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== 40) return false;
    const expiry = raw.subarray(0, 8);
    if (!timingSafeEqual(raw.subarray(8), this.mac(expiry))) return false;
    return Number(expiry.readBigUInt64BE()) > this.now();
  }

  private mac(data: Buffer): Buffer {
    return createHmac('sha256', this.key).update(data).digest();
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export async function startCredentialServer(options: CredentialServerOptions): Promise<CredentialServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host))
    throw new CredentialServerError(`A credential server listens on a loopback address only, not ${host}.`);
  const now = options.now ?? Date.now;
  const supply = new CredentialSupply(options.provider, now, options.warn);
  const ecsToken = options.token ?? randomBytes(32).toString('base64url');
  if (/[\r\n]/.test(ecsToken) || ecsToken.length === 0)
    throw new CredentialServerError('The authorization token must be one non-empty line.');
  const imdsTokens = new ImdsTokens(now);
  const roleName = options.roleName ?? options.roleArn?.split('/').pop() ?? 'opensts';

  const ecs = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return send(res, 405, 'Method Not Allowed', 'text/plain', { allow: 'GET' });
    const auth = req.headers.authorization;
    if (auth === undefined || !constantTimeEqual(auth, ecsToken))
      return send(
        res,
        401,
        json({ code: 'Unauthorized', message: 'A valid Authorization header is required.' }),
        'application/json',
      );
    const { credentials: c } = await supply.current();
    return send(
      res,
      200,
      json({
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        Token: c.sessionToken,
        Expiration: isoSeconds(c.expiration!),
        ...(options.roleArn && { RoleArn: options.roleArn }),
        ...(c.accountId && { AccountId: c.accountId }),
      }),
      'application/json',
    );
  };

  const imds = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return send(res, 405, 'Method Not Allowed', 'text/plain', { allow: 'PUT' });
      // EC2 refuses token requests that went through a proxy: an SSRF through a forwarding proxy cannot get one.
      if (req.headers['x-forwarded-for'] !== undefined) return send(res, 403, 'Forbidden');
      const ttlText = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
      const ttl = typeof ttlText === 'string' && /^\d{1,5}$/.test(ttlText) ? Number(ttlText) : NaN;
      if (!(ttl >= 1 && ttl <= IMDS_TOKEN_TTL_MAX_S)) return send(res, 400, 'Bad Request');
      return send(res, 200, imdsTokens.issue(ttl), 'text/plain', {
        'x-aws-ec2-metadata-token-ttl-seconds': String(ttl),
      });
    }
    if (req.method !== 'GET') return send(res, 405, 'Method Not Allowed', 'text/plain', { allow: 'GET' });
    const token = req.headers['x-aws-ec2-metadata-token'];
    // IMDSv1 (no token) is refused, as on an instance that requires IMDSv2.
    if (typeof token !== 'string' || !imdsTokens.valid(token)) return send(res, 401, 'Unauthorized');
    if (path === CREDENTIALS_PATH) return send(res, 200, roleName);
    if (path === CREDENTIALS_PATH + roleName) {
      const { credentials: c, lastUpdated } = await supply.current();
      return send(
        res,
        200,
        json({
          Code: 'Success',
          LastUpdated: isoSeconds(new Date(lastUpdated)),
          Type: 'AWS-HMAC',
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken,
          Expiration: isoSeconds(c.expiration!),
        }),
        'text/plain',
      );
    }
    return send(res, 404, 'Not Found');
  };

  const handler = options.kind === 'ecs' ? ecs : imds;
  const { createServer } = await import('node:http'); // on demand: most client commands never serve
  const server: Server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: DEADLINE_MS,
      headersTimeout: DEADLINE_MS,
      keepAliveTimeout: DEADLINE_MS,
    },
    (req, res) => {
      // Bound before anything else: a caller from elsewhere (a port forward), or one that sends a body, gets nothing.
      if (!isLoopbackHost(req.socket.remoteAddress ?? '')) {
        req.socket.destroy();
        return;
      }
      const length = req.headers['content-length'];
      if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
        res.shouldKeepAlive = false;
        return send(res, 413, 'Payload Too Large');
      }
      req.resume();
      handler(req, res).catch((err: unknown) => {
        // The workload's SDK retries and reports this; the message names the cause, never a credential.
        if (!res.headersSent)
          send(res, 500, json({ code: 'CredentialsUnavailable', message: (err as Error).message }), 'application/json');
        else res.destroy();
      });
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const authority =
    address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  const url = `http://${authority}`;
  const env: Record<string, string> =
    options.kind === 'ecs'
      ? { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}/`, AWS_CONTAINER_AUTHORIZATION_TOKEN: ecsToken }
      : {
          // The SDKs look for IMDS at 169.254.169.254 unless told otherwise.
          AWS_EC2_METADATA_SERVICE_ENDPOINT: url,
          AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: address.family === 'IPv6' ? 'IPv6' : 'IPv4',
          AWS_EC2_METADATA_V1_DISABLED: 'true',
        };
  return {
    kind: options.kind,
    url,
    env,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
