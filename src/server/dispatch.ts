/**
 * The one request path of the Query API, for every operation, as named stages (src/server/stages/, one small
 * function each): read the parameters -> parse (service, operation) -> throttle the source address -> authenticate
 * (SigV4) -> throttle the caller -> validate (model constraints, ARN parameters) -> authorize -> handle -> render
 * XML (or JSON, for an STS client that accepts it). Every failure leaves as an AWS error (render.ts `failure`);
 * anything unexpected is logged and answered as InternalFailure, never with a stack trace. The audit stage runs after
 * the reply (http.ts). With metrics, each stage's time is summed per process (stages/timing.ts).
 */
import type { App } from '../service/app.js';
import { authenticate, tokenScope } from './stages/authenticate.js';
import { authorize } from './stages/authorize.js';
import { handle } from './stages/handle.js';
import { parse } from './stages/parse.js';
import { read } from './stages/read.js';
import { failure, render, renderFailure } from './stages/render.js';
import { enter, leave, requestState, type ErrorLogger, type QueryRequest, type Reply } from './stages/state.js';
import { validate } from './stages/validate.js';
import { throttleAddress, throttleCaller } from './stages/throttle.js';
import { Stage, type StageTimes } from './stages/timing.js';

export type { ErrorLogger, QueryRequest, Reply };

export async function dispatch(app: App, req: QueryRequest, logError: ErrorLogger, times?: StageTimes): Promise<Reply> {
  const s = requestState(app, req, times);
  let reply: Reply;
  // A stage with nothing to wait for answers undefined instead of a promise: an await costs a turn even then.
  let wait: Promise<void> | undefined;
  try {
    read(s);
    enter(s, Stage.parse);
    parse(s);
    enter(s, Stage.throttle);
    throttleAddress(s);
    enter(s, Stage.authenticate);
    await authenticate(s);
    enter(s, Stage.throttle);
    throttleCaller(s);
    enter(s, Stage.authenticate);
    if ((wait = tokenScope(s))) await wait;
    enter(s, Stage.validate);
    validate(s);
    enter(s, Stage.authorize);
    if ((wait = authorize(s))) await wait;
    enter(s, Stage.handle);
    if ((wait = handle(s))) await wait;
    enter(s, Stage.render);
    reply = render(s);
  } catch (err) {
    // The time until the failure goes to the stage that failed.
    enter(s, Stage.render);
    reply = renderFailure(s, failure(s, err, logError));
  }
  leave(s);
  return reply;
}
