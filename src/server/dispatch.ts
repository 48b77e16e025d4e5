/**
 * The one request path of the Query API, for every operation:
 * parameters -> service and operation -> SigV4 authentication, throttled around it (throttle.ts) -> validation
 * (model constraints, ARN parameters) -> authorization -> handler -> XML (or JSON, for an STS client that accepts it). Every failure leaves as AWS error XML; anything unexpected is logged
 * and answered as InternalFailure, never with a stack trace.
 */
import { randomUUID } from 'node:crypto';
import { authorize } from '../service/authorize.js';
import type { Caller } from '../iam/principal.js';
import { type AwsError, errors } from '../protocol/errors.js';
import { models, serviceForVersion, type ServiceName } from '../protocol/model.js';
import type { Call } from '../service/operation.js';
import { checkArnParameters } from '../protocol/arn-parameters.js';
import { parseParams, readInput, type Params } from '../protocol/query.js';
import { renderJsonError, renderJsonResult } from '../protocol/json-response.js';
import { renderError, renderResult } from '../protocol/xml-response.js';
import { parseAuthentication, type HttpRequestLike } from '../sigv4/index.js';
import type { App } from '../service/app.js';
import { authenticate } from './authenticate.js';
import { endpointOf, isRegionActive, issuedTokenVersion, regionDisabled } from '../service/regions.js';
import { findOperation } from './operations.js';
import { isAuthenticationFailure, type ThrottleReason } from '../service/throttle.js';
import { toWireError } from './wire-error.js';

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

function readParams(req: QueryRequest): Params {
  const params: Params = new Map();
  const q = req.url.indexOf('?');
  if (q >= 0) parseParams(params, req.url.slice(q + 1));
  if (
    req.method === 'POST' &&
    req.body.length &&
    (req.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
  ) {
    parseParams(params, req.body.toString('utf8'));
  }
  return params;
}

export async function dispatch(app: App, req: QueryRequest, logError: ErrorLogger): Promise<Reply> {
  const requestId = randomUUID();
  const now = app.clock.now();
  let service: ServiceName = 'sts';
  let action: string | undefined;
  let operation: string | undefined;
  let region: string | undefined;
  let caller: Caller | undefined;
  let info: ReturnType<typeof parseAuthentication> | undefined;
  let input: Record<string, unknown> | undefined;
  let throttled: ThrottleReason | undefined;
  try {
    const params = readParams(req);
    action = params.get('Action');
    const version = params.get('Version');
    // A malformed signature matters only to operations that need one (unsigned ones ignore it).
    let authError: unknown;
    try {
      info = parseAuthentication(req);
    } catch (err) {
      authError = err;
    }
    const byVersion = serviceForVersion(version);
    // Without a Version, the credential scope tells which API the client meant.
    service = byVersion ?? (version === undefined && info?.scope.service === 'iam' ? 'iam' : 'sts');
    if (!action) throw errors.missingAction();

    const op = version === undefined || byVersion ? findOperation(service, action) : undefined;
    operation = op?.name;
    const endpoint = service === 'sts' ? endpointOf(app.endpoint, req.host, app.options.domain) : undefined;
    region = endpoint?.region ?? app.options.region;
    let tokenVersion: 1 | 2 = 2;
    if (op?.signed !== false) {
      // An address that keeps failing to authenticate is refused before any key lookup or signature check.
      throttled = app.throttle.beforeAuthentication(req.sourceIp, now);
      if (throttled) throw errors.throttling();
      try {
        if (authError) throw authError;
        ({ caller } = await authenticate(app, req, info, service, now, endpoint));
      } catch (err) {
        const wire = toWireError(err);
        if (wire && isAuthenticationFailure(wire.code)) app.throttle.authenticationFailed(req.sourceIp, now);
        throw wire ?? err;
      }
      region = endpoint?.region ?? info!.scope.region;
      throttled = app.throttle.afterAuthentication(caller, op?.name, now);
      if (throttled) throw errors.throttling();
      if (endpoint?.global)
        tokenVersion = issuedTokenVersion(
          endpoint,
          (await app.settings.get(caller.principal.accountId)).globalEndpointTokenVersion,
        );
    } else {
      // Unsigned operations issue credentials for a verified token: counted per source address, before that work.
      throttled = app.throttle.unsignedCall(req.sourceIp, now);
      if (throttled) throw errors.throttling();
      if (endpoint) {
        // An unsigned STS call (AssumeRoleWithWebIdentity) acts for the server's account: its region and token settings apply.
        const settings = await app.settings.get(app.accountId);
        if (!isRegionActive(region, settings.regions)) throw regionDisabled(app.accountId, region);
        tokenVersion = issuedTokenVersion(endpoint, settings.globalEndpointTokenVersion);
      }
    }
    if (!op) throw errors.invalidAction(action, version ?? models()[service].metadata.apiVersion);

    // Validate: the model's constraints, then the parameters that must be ARNs; a bad input is a 400 before any
    // authorization or lookup (AWS answers ValidationError for a malformed RoleArn, not AccessDenied).
    const model = models()[service];
    input = readInput(model, model.operations[op.name]?.input?.shape, params);
    checkArnParameters(service, op.name, input);
    // Authorize, then handle.
    const call: Call = {
      input,
      caller: caller!,
      request: {
        id: requestId,
        region,
        sourceIp: req.sourceIp,
        secureTransport: req.secureTransport,
        time: now,
        tokenVersion,
        globalEndpoint: endpoint?.global === true,
      },
      app,
    };
    if (typeof op.permission === 'function') {
      const [action, resource, context] = await op.permission(call);
      await authorize(call, action, resource, context);
    }
    const output = (await op.handle(call)) ?? undefined;
    const json = req.acceptJson === true && service === 'sts';
    return {
      status: 200,
      body: json
        ? renderJsonResult(model, op.name, output, requestId)
        : renderResult(model, op.name, output, requestId),
      json,
      requestId,
      service,
      operation,
      time: now,
      region,
      caller,
      claimedAccessKeyId: info?.accessKeyId,
      input,
      output,
    };
  } catch (err) {
    // An AWS error, or a library layer's typed one (wire-error.ts); anything else is a fault.
    let error = toWireError(err);
    if (!error && app.store.available?.() === false) {
      // The database is out of reach (the node reconnects by itself): a retryable fault, not a bug.
      error = errors.serviceUnavailable();
    } else if (!error) {
      logError(err, { requestId, action });
      error = errors.internalFailure();
    }
    // JSON for STS only: IAM's answer to Accept: application/json is UNCONFIRMED, so IAM keeps to XML.
    const json = req.acceptJson === true && service === 'sts';
    return {
      status: error.status,
      body: json
        ? renderJsonError(error, requestId)
        : renderError(models()[service].metadata.xmlNamespace, error, requestId),
      json,
      requestId,
      service,
      operation,
      code: error.code,
      time: now,
      region,
      caller,
      claimedAccessKeyId: info?.accessKeyId,
      input,
      error,
      throttled,
    };
  }
}
