/**
 * Prometheus metrics (`opensts serve --metrics-port`): requests by service, operation and AWS error code, their
 * latency, and the process's own metrics. Served on a listener of its own, so that the STS port shows nothing
 * but the AWS API; with several workers the primary gathers every worker's metrics (prom-client's cluster
 * aggregation). Labels hold no identity: only operation names from the model and error codes from our own list, so
 * neither a caller's names nor an attacker's made-up actions can grow the label set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { version } from '../client/version.js';
import { STAGES, StageTimes } from './stages/timing.js';

/** The operation label of a request whose action is not one of ours. */
export const UNKNOWN_OPERATION = 'unknown';

interface Series {
  requests: Counter.Internal;
  seconds: Histogram.Internal<'service' | 'operation'>;
}

export class Metrics {
  readonly registry = new Registry();
  /** Each stage's time and requests (stages/timing.ts), summed by the request path and read at scrape time. */
  readonly stages = new StageTimes();
  private readonly requests: Counter<'service' | 'operation' | 'code'>;
  private readonly seconds: Histogram<'service' | 'operation'>;
  private readonly throttles: Counter<'service' | 'operation' | 'reason'>;
  /** Label children by `service operation code`: the labels are hashed once, not on every request. */
  private readonly series = new Map<string, Series>();
  private readonly throttleSeries = new Map<string, Counter.Internal>();

  constructor() {
    this.requests = new Counter({
      name: 'opensts_requests_total',
      help: 'Query API requests answered, by service, operation and result (OK or the AWS error code)',
      labelNames: ['service', 'operation', 'code'],
      registers: [this.registry],
    });
    this.seconds = new Histogram({
      name: 'opensts_request_duration_seconds',
      help: 'Time from a complete request to its answer, by service and operation',
      labelNames: ['service', 'operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers: [this.registry],
    });
    this.throttles = new Counter({
      name: 'opensts_throttled_requests_total',
      help: 'Requests refused with Throttling, by service, operation and the bucket that refused them (throttle.ts)',
      labelNames: ['service', 'operation', 'reason'],
      registers: [this.registry],
    });
    // Read from the typed arrays at scrape time: the request path adds to them without touching prom-client.
    const stages = this.stages;
    new Counter({
      name: 'opensts_stage_seconds_total',
      help: 'Time spent in each stage of the request path (wall clock, waits for the store included), summed over requests',
      labelNames: ['stage'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (let i = 0; i < STAGES.length; i++) this.inc({ stage: STAGES[i]! }, stages.seconds(i));
      },
    });
    new Counter({
      name: 'opensts_stage_calls_total',
      help: 'Requests that reached each stage of the request path',
      labelNames: ['stage'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (let i = 0; i < STAGES.length; i++) this.inc({ stage: STAGES[i]! }, stages.calls[i]!);
      },
    });
    // The usual build_info series: 1, labelled with the version (one per process; 'first' across workers, not a sum).
    new Gauge({
      name: 'opensts_build_info',
      help: 'Always 1, labelled with the version of OpenSTS that runs',
      labelNames: ['version'],
      aggregator: 'first',
      registers: [this.registry],
    }).set({ version: version() }, 1);
    collectDefaultMetrics({ register: this.registry, prefix: 'opensts_' });
  }

  record(service: string, operation: string, code: string, seconds: number): void {
    const key = service + ' ' + operation + ' ' + code;
    let s = this.series.get(key);
    if (!s) {
      s = {
        requests: this.requests.labels(service, operation, code),
        seconds: this.seconds.labels(service, operation),
      };
      this.series.set(key, s);
    }
    s.requests.inc();
    s.seconds.observe(seconds);
  }

  /** A throttled request, by the bucket that refused it (record() counts it too, with code Throttling). */
  throttled(service: string, operation: string, reason: string): void {
    const key = service + ' ' + operation + ' ' + reason;
    let c = this.throttleSeries.get(key);
    if (!c) {
      c = this.throttles.labels(service, operation, reason);
      this.throttleSeries.set(key, c);
    }
    c.inc();
  }

  /** In a cluster worker: answer the primary's requests for this process's metrics. */
  shareWithPrimary(): void {
    AggregatorRegistry.setRegistries([this.registry]);
    new AggregatorRegistry(); // installs the worker's listener for the primary's requests
  }
}

/** The metrics listener: `GET /metrics`, and the probes /healthz and /readyz when `readiness` is given. */
export function serveMetrics(
  collect: () => Promise<{ contentType: string; text: string }>,
  port: number,
  host: string,
  readiness?: () => Promise<{ status: string }>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (readiness && (req.url === '/healthz' || req.url === '/readyz')) {
      const probe = (status: number, body: object) =>
        res
          .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          .end(JSON.stringify(body));
      if (req.url === '/healthz') probe(200, { status: 'ok' });
      else
        readiness().then(
          (r) => probe(r.status === 'ready' ? 200 : 503, r),
          () => probe(503, { status: 'not-ready' }),
        );
      return;
    }
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    collect().then(
      ({ contentType, text }) => res.writeHead(200, { 'Content-Type': contentType }).end(text),
      () => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ server, url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics` });
    });
  });
}

/** What the single-process server serves. */
export const ownMetrics = (m: Metrics) => async () => ({
  contentType: m.registry.contentType,
  text: await m.registry.metrics(),
});

/** What a cluster primary serves: every worker's metrics, summed. */
export function clusterMetrics(): () => Promise<{ contentType: string; text: string }> {
  const aggregator = new AggregatorRegistry();
  return async () => ({ contentType: aggregator.contentType, text: await aggregator.clusterMetrics() });
}
