/**
 * render: the reply, as the Query protocol's XML or, for an STS client that accepts it, AWS's legacy Query JSON
 * (IAM's answer to Accept: application/json is UNCONFIRMED, so IAM keeps to XML). Every failure leaves as an AWS
 * error: `failure` is the one place that decides which.
 */
import { type AwsError, errors } from '../../protocol/errors.js';
import { renderJsonError, renderJsonResult } from '../../protocol/json-response.js';
import { models } from '../../protocol/model.js';
import { renderError, renderResult } from '../../protocol/xml-response.js';
import { toWireError } from '../wire-error.js';
import type { ErrorLogger, Reply, RequestState } from './state.js';

const answersJson = (s: RequestState) => s.req.acceptJson === true && s.service === 'sts';

export function render(s: RequestState): Reply {
  const model = models()[s.service];
  const name = s.op!.name;
  const json = answersJson(s);
  return {
    status: 200,
    body: json
      ? renderJsonResult(model, name, s.output, s.requestId)
      : renderResult(model, name, s.output, s.requestId),
    json,
    requestId: s.requestId,
    service: s.service,
    operation: name,
    time: s.now,
    region: s.region,
    caller: s.caller,
    claimedAccessKeyId: s.info?.accessKeyId,
    input: s.input,
    output: s.output,
  };
}

/**
 * The AWS error a failure answers: ours, and the library layers' typed errors (wire-error.ts); the store out of reach (the node reconnects by itself) a
 * retryable ServiceUnavailable; anything else a bug, logged and answered InternalFailure, never with a stack trace.
 */
export function failure(s: RequestState, err: unknown, logError: ErrorLogger): AwsError {
  // An AWS error, or a library layer's typed one (wire-error.ts); anything else is a fault.
  const error = toWireError(err);
  if (error) return error;
  if (s.app.store.available?.() === false) return errors.serviceUnavailable();
  logError(err, { requestId: s.requestId, action: s.action });
  return errors.internalFailure();
}

export function renderFailure(s: RequestState, error: AwsError): Reply {
  const json = answersJson(s);
  return {
    status: error.status,
    body: json
      ? renderJsonError(error, s.requestId)
      : renderError(models()[s.service].metadata.xmlNamespace, error, s.requestId),
    json,
    requestId: s.requestId,
    service: s.service,
    operation: s.op?.name,
    code: error.code,
    time: s.now,
    region: s.region,
    caller: s.caller,
    claimedAccessKeyId: s.info?.accessKeyId,
    input: s.input,
    error,
    throttled: s.throttled,
  };
}
