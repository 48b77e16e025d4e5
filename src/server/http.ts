/**
 * The HTTP front of the server: the probes /healthz and /readyz (readiness.ts), the outbound federation issuers'
 * discovery documents (discovery.ts), and everything else to the Query API dispatcher, over the strict HTTP/1.1
 * layer in http1.ts (limits on header and body sizes and on slow clients live there).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { type AwsError, errors } from '../protocol/errors.js';
import { models } from '../protocol/model.js';
import { acceptsJson } from '../protocol/json-response.js';
import { renderError } from '../protocol/xml-response.js';
import type { App } from '../service/app.js';
import type { AuditLog } from './audit-log.js';
import { discovery } from './discovery.js';
import { dispatch, type QueryRequest } from './dispatch.js';
import type { TrustedProxies } from './forwarded.js';
import { UNKNOWN_OPERATION, type Metrics } from './metrics.js';
import { logRequest } from './request-log.js';
import { audit as auditStage } from './stages/audit.js';
import type { Readiness, ReadinessReport } from './readiness.js';
import {
  createHttp1Server,
  DEFAULT_LIMITS,
  type Http1Limits,
  type Http1Request,
  type Http1Response,
  type Http1Server,
} from './http1.js';

export const MAX_BODY_BYTES = DEFAULT_LIMITS.maxBodyBytes;

/** The Date header from the injected clock (SDKs correct their clock skew from it), formatted once a second. */
class DateHeader {
  private second = -1;
  private text = '';
  constructor(private readonly clock: Clock) {}
  get(): string {
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.text = new Date(second * 1000).toUTCString();
    }
    return this.text;
  }
}

function xmlReply(
  date: DateHeader,
  status: number,
  body: string,
  requestId: string,
  contentType = 'text/xml',
): Http1Response {
  return {
    status,
    body,
    headers: [
      ['Content-Type', contentType],
      ['Date', date.get()],
      ['x-amzn-RequestId', requestId],
    ],
  };
}

function errorReply(date: DateHeader, error: AwsError): Http1Response {
  const requestId = randomUUID();
  return xmlReply(date, error.status, renderError(models().sts.metadata.xmlNamespace, error, requestId), requestId);
}

/** What a request refused by the HTTP layer itself gets: still AWS error XML. */
function refusal(status: number, reason: string): AwsError {
  switch (status) {
    case 413:
      return errors.requestTooLarge(MAX_BODY_BYTES);
    case 431:
      return errors.requestHeadersTooLarge(DEFAULT_LIMITS.maxHeaderBytes);
    case 408:
      return errors.requestTimeout();
    case 503:
      return errors.tooManyConnections();
    case 500:
      return errors.internalFailure();
    default:
      return errors.malformedHttpRequest(reason, status);
  }
}

export interface HttpServerOptions {
  app: App;
  log: Logger;
  /** Answers /readyz (default: always ready). */
  readiness?: Pick<Readiness, 'check'>;
  metrics?: Metrics;
  /** Records every request that reaches the Query API dispatcher. */
  audit?: AuditLog;
  /** Serve HTTPS with this key and certificate. */
  tls?: SecureContextOptions;
  /** Proxies whose X-Forwarded-For and X-Forwarded-Proto name the client (forwarded.ts). */
  trustedProxies?: TrustedProxies;
  /** Connection caps and deadlines other than the defaults (http1.ts). */
  limits?: Partial<Http1Limits>;
}

const alwaysReady = { check: async (): Promise<ReadinessReport> => ({ status: 'ready', store: 'ok', keys: 'loaded' }) };

/** /healthz and /readyz: small JSON, no auth, no throttling, nothing from AWS. */
const probeReply = (status: number, body: object): Http1Response => ({
  status,
  headers: [
    ['Content-Type', 'application/json'],
    ['Cache-Control', 'no-store'],
  ],
  body: JSON.stringify(body),
});

export function createHttpServer({
  app,
  log,
  readiness = alwaysReady,
  metrics,
  audit,
  tls,
  trustedProxies,
  limits,
}: HttpServerOptions): Http1Server {
  const logError = (err: unknown, context: object) => log.error({ err, ...context }, 'request failed');
  const date = new DateHeader(app.clock);
  const stageTimes = metrics?.stages;
  /** A request refused before it reached the Query API. */
  const refuse = (error: AwsError) => {
    metrics?.record('sts', UNKNOWN_OPERATION, error.code, 0);
    return errorReply(date, error);
  };

  const handle = async (req: Http1Request): Promise<Http1Response> => {
    // Liveness: the process serves. Whether it should get traffic is /readyz's question.
    if (req.url === '/healthz') return probeReply(200, { status: 'ok' });
    if (req.url === '/readyz') {
      const report = await readiness.check();
      return probeReply(report.status === 'ready' ? 200 : 503, report);
    }
    if (req.method === 'GET' && req.url.includes('/.well-known/')) {
      const found = await discovery(app, req.url);
      if (found) return found;
    }
    if (req.method !== 'GET' && req.method !== 'POST') return refuse(errors.methodNotAllowed(req.method));
    const client = trustedProxies?.clientOf(req.remoteAddress, req.secure, req.headers);
    const request: QueryRequest = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: req.body,
      sourceIp: client ? client.sourceIp : req.remoteAddress,
      secureTransport: client ? client.secureTransport : req.secure,
      contentType: req.header('content-type'),
      host: req.header('host'),
      acceptJson: acceptsJson(req.header('accept')),
    };
    const started = performance.now();
    const reply = await dispatch(app, request, logError, stageTimes);
    const latencyMs = performance.now() - started;
    metrics?.record(reply.service, reply.operation ?? UNKNOWN_OPERATION, reply.code ?? 'OK', latencyMs / 1000);
    if (reply.throttled) metrics?.throttled(reply.service, reply.operation ?? UNKNOWN_OPERATION, reply.throttled);
    if (audit) {
      const auditing = stageTimes?.auditStarts() ?? -1;
      auditStage(audit, reply, {
        sourceIp: request.sourceIp,
        userAgent: req.header('user-agent'),
        accountId: app.accountId,
        // The TLS a trusted proxy ended is not known here: only the client's own connection's is recorded.
        tls: client ? undefined : req.tls,
        host: request.host,
      });
      stageTimes?.auditEnds(auditing);
    }
    logRequest(log, reply, {
      sourceIp: request.sourceIp,
      latencyMs,
      userAgent: req.header('user-agent'),
      host: request.host,
    });
    return xmlReply(date, reply.status, reply.body, reply.requestId, reply.json ? 'application/json' : 'text/xml');
  };

  return createHttp1Server(
    handle,
    (status, reason) => refuse(refusal(status, reason)),
    { ...DEFAULT_LIMITS, ...limits },
    tls,
  );
}

export function listen(http: Http1Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(port, host, () => {
      http.server.off('error', reject);
      resolve(http.server.address() as AddressInfo);
    });
  });
}
