/**
 * What each stage of the request path costs, cheaply enough to run on every request: the request costs ~50 µs of
 * CPU, so a prom-client histogram per stage is out. A stage boundary reads `performance.now()` once and adds to a
 * preallocated typed array; the metrics read the sums at scrape time (metrics.ts: `opensts_stage_seconds_total`,
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

/** Per process: milliseconds spent in each stage, and how many requests reached it. */
export class StageTimes {
  readonly ms = new Float64Array(STAGES.length);
  readonly calls = new Float64Array(STAGES.length);

  /** One request's pass through `stage` (a stage run twice in a request is counted once: `first`). */
  add(stage: Stage, ms: number, first = true): void {
    this.ms[stage] += ms;
    if (first) this.calls[stage]++;
  }
}
