/**
 * What each stage of the request path costs, cheaply enough to run on every request: the request costs ~50 µs of
 * CPU, so a prom-client histogram per stage is out. A stage boundary adds to preallocated typed arrays (and on timed
 * requests reads `performance.now()` once); the metrics read the sums at scrape time (metrics.ts: `opensts_stage_seconds_total`,
 * `opensts_stage_calls_total`).
 */

/** The stages, in the order a request meets them (throttle runs on both sides of authenticate). */
export const STAGES = [
  'read',
  'parse',
  'authenticate',
  'throttle',
  'validate',
  'authorize',
  'handle',
  'render',
  'audit',
] as const;
export type StageName = (typeof STAGES)[number];

/** A stage's slot in the timing arrays. */
export const Stage = {
  read: 0,
  parse: 1,
  authenticate: 2,
  throttle: 3,
  validate: 4,
  authorize: 5,
  handle: 6,
  render: 7,
  audit: 8,
} as const satisfies Record<StageName, number>;
export type Stage = (typeof Stage)[StageName];

/**
 * One request in this many is timed, and its times count for all of them: a clock read costs 30-70 ns, about what
 * a small stage does, and a request meets eleven stage boundaries. Counts are exact.
 */
export const TIMED_ONE_IN = 8;

/** Per process: how many requests reached each stage, and the milliseconds the timed ones spent in it. */
export class StageTimes {
  readonly calls = new Float64Array(STAGES.length);
  readonly timedMs = new Float64Array(STAGES.length);
  private untimedRequests = 0;
  private untimedAudits = 0;

  /** Whether to time the next request: every TIMED_ONE_IN-th. */
  timeRequest(): boolean {
    if (++this.untimedRequests < TIMED_ONE_IN) return false;
    this.untimedRequests = 0;
    return true;
  }

  /** The audit stage, which runs after the answer (http.ts): counts it, and answers its start when it is timed, else -1. */
  auditStarts(): number {
    this.calls[Stage.audit]++;
    if (++this.untimedAudits < TIMED_ONE_IN) return -1;
    this.untimedAudits = 0;
    return performance.now();
  }

  auditEnds(started: number): void {
    if (started >= 0) this.timedMs[Stage.audit] += performance.now() - started;
  }

  /** The seconds all requests spent in a stage, estimated from the timed ones (it only grows: a counter). */
  seconds(stage: number): number {
    return (this.timedMs[stage]! * TIMED_ONE_IN) / 1000;
  }
}
