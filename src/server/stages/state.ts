/**
 * What the stages of the request path (dispatch.ts) share: the request, and what each stage learnt of it. Every
 * field is there from the start (one object shape for every request), filled in as the stages run.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../../iam/principal.js';
import type { AwsError } from '../../protocol/errors.js';
import type { ServiceName } from '../../protocol/model.js';
import type { Params } from '../../protocol/query.js';
import type { HttpRequestLike, SignedRequestInfo } from '../../sigv4/index.js';
import type { App } from '../../service/app.js';
import type { Call, Operation } from '../../service/operation.js';
import type { Endpoint } from '../../service/regions.js';
import type { ThrottleReason } from '../../service/throttle.js';
import { Stage, type StageTimes } from './timing.js';

export interface QueryRequest extends HttpRequestLike {
  sourceIp: string;
  secureTransport: boolean;
  contentType: string | undefined;
  /** The Host header: `sts.<region>.<domain>` may select the region (regions.ts). */
  host?: string;
  /** The client's Accept header asks for application/json (protocol/json-response.ts): STS answers JSON then. */
  acceptJson?: boolean;
}

export interface Reply {
  status: number;
  body: string;
  /** The body is JSON (protocol/json-response.ts), not XML. */
  json?: boolean;
  requestId: string;
  service: ServiceName;
  /** The operation, when the action named one of ours. */
  operation?: string;
  /** The AWS error code of a failure. */
  code?: string;
  /** What the audit log records (audit-event.ts): all of it references to what the request path made anyway. */
  time: number;
  region?: string;
  caller?: Caller;
  /** The access key id the request claims to be signed with, whether or not it authenticated. */
  claimedAccessKeyId?: string;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  error?: AwsError;
  /** Which bucket refused the request, when it was throttled. */
  throttled?: ThrottleReason;
}

export type ErrorLogger = (err: unknown, context: { requestId: string; action?: string }) => void;

export interface RequestState {
  readonly app: App;
  readonly req: QueryRequest;
  readonly requestId: string;
  /** The clock's time when the request arrived. */
  readonly now: number;
  /** read: the Query parameters. */
  readonly params: Params;
  /** parse: which API, action and operation, and the request's SigV4 authentication (or why it has none). */
  service: ServiceName;
  action: string | undefined;
  version: string | undefined;
  op: Operation | undefined;
  /** Whether the operation needs a signature (an unknown action does: it is authenticated before it is refused). */
  signed: boolean;
  endpoint: Endpoint | undefined;
  info: SignedRequestInfo | undefined;
  /** A malformed signature, which matters only to operations that need one. */
  authError: unknown;
  region: string | undefined;
  /** authenticate: who signed it, and where the credentials it is issued are valid. */
  caller: Caller | undefined;
  tokenVersion: 1 | 2;
  /** throttle: the bucket that refused it. */
  throttled: ThrottleReason | undefined;
  /** validate: the input, and the call the operation receives. */
  input: Record<string, unknown> | undefined;
  call: Call | undefined;
  /** handle: the operation's output. */
  output: Record<string, unknown> | undefined;
  /** Timing (timing.ts): the stage the request is in, the stages it has been through (a bit each), and when timed, since when. */
  readonly times: StageTimes | undefined;
  readonly timed: boolean;
  stage: Stage;
  seen: number;
  at: number;
}

export function requestState(app: App, req: QueryRequest, times?: StageTimes): RequestState {
  let timed = false;
  if (times !== undefined) {
    times.calls[Stage.read]++;
    timed = times.timeRequest();
  }
  return {
    app,
    req,
    requestId: randomUUID(),
    now: app.clock.now(),
    params: new Map(),
    service: 'sts',
    action: undefined,
    version: undefined,
    op: undefined,
    signed: true,
    endpoint: undefined,
    info: undefined,
    authError: undefined,
    region: undefined,
    caller: undefined,
    tokenVersion: 2,
    throttled: undefined,
    input: undefined,
    call: undefined,
    output: undefined,
    times,
    timed,
    stage: Stage.read,
    seen: 1 << Stage.read,
    at: timed ? performance.now() : 0,
  };
}

/** Ends the running stage (on a timed request, its time goes to its sum) and starts `next`. Without metrics, nothing. */
export function enter(s: RequestState, next: Stage): void {
  const times = s.times;
  if (times === undefined) return;
  if (s.timed) {
    const now = performance.now();
    times.timedMs[s.stage] += now - s.at;
    s.at = now;
  }
  const bit = 1 << next;
  if ((s.seen & bit) === 0) {
    s.seen |= bit;
    times.calls[next]++;
  }
  s.stage = next;
}

/** Ends the last stage. */
export function leave(s: RequestState): void {
  if (s.timed) s.times!.timedMs[s.stage] += performance.now() - s.at;
}
