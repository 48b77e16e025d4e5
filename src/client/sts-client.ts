/**
 * A small STS client: Query protocol over node:http(s) (faster to load than fetch/undici), signed with the same
 * SigV4 code the server verifies with, driven by models/sts.json. Retries throttling, 5xx and network
 * failures with capped exponential backoff and full jitter; corrects its clock from the `Date` header after a
 * clock-skew error, as the AWS SDK for JavaScript does. With several endpoints (opensts_endpoints), a refused
 * connection, a timeout or a 5xx moves the call to the next endpoint at once, and the failed one is set aside
 * for a while (endpoint-health.ts).
 */
// sign.js directly: the verifier half of src/sigv4 is not needed on the client, and start-up time counts.
import { signRequest } from '../sigv4/sign.js';
import type { AwsCredentials } from './credential-process.js';
import { HttpError, httpRequest } from './http.js';
import { EndpointHealth, sharedEndpointHealth } from './endpoint-health.js';
import { type ResolvedEndpoint, resolveStsEndpoints } from './endpoints.js';
import type { Profile } from './profile.js';
import type { Env, SharedConfigFiles } from './shared-config.js';
import {
  type OutputStructure,
  type Params,
  formEncode,
  operationModel,
  parseStructure,
  serializeInput,
} from './sts-model.js';
import { version } from './version.js';
import { XmlError, child, parseXml, textAt } from './xml-parser.js';

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface StsClientConfig {
  /** The region to sign for (and, without a custom endpoint, which AWS endpoint to use). Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's. */
  readonly region?: string;
  /** An explicit endpoint URL; wins over AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL and the config files. */
  readonly endpoint?: string;
  /** Credentials or a provider; not needed for AssumeRoleWithWebIdentity / AssumeRoleWithSAML. */
  readonly credentials?: AwsCredentials | CredentialProvider;
  /** Attempts per call and endpoint, first included (default AWS_MAX_ATTEMPTS or 3). */
  readonly maxAttempts?: number;
  /** Per-attempt response timeout in milliseconds, from connected to the whole answer (default: the profile's opensts_timeout_ms, else 10 s). */
  readonly timeoutMs?: number;
  /** Per-attempt connect timeout in milliseconds (default: the profile's opensts_connect_timeout_ms, else 3 s). */
  readonly connectTimeoutMs?: number;
  /** Which endpoints failed lately (default: one per process). */
  readonly endpointHealth?: EndpointHealth;
  /** Environment used to resolve the endpoint (default process.env). */
  readonly env?: Env;
  /** Profile and files whose endpoint settings apply (endpoint_url, services, sts_regional_endpoints). */
  readonly profile?: Profile;
  readonly files?: SharedConfigFiles;
  /** For tests: the local clock and the backoff sleep. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Base of the exponential backoff (default 100 ms; delays are capped at 20 s). */
  readonly retryBaseDelayMs?: number;
  readonly userAgent?: string;
}

/** An error answer from the service (`<ErrorResponse>`), with the CLI's wording as message. */
export class StsServiceError extends Error {
  override name = 'StsServiceError';
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly serviceMessage: string,
    readonly statusCode: number,
    readonly type: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`An error occurred (${code}) when calling the ${operation} operation: ${serviceMessage}`);
  }
}

/** No usable answer: connection refused, timeout, or a body that is not the Query protocol. */
export class StsRequestError extends Error {
  override name = 'StsRequestError';
  /** `status`: the HTTP status of an answer that was not the Query protocol; undefined for network failures. */
  constructor(
    readonly operation: string,
    readonly url: string,
    reason: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(`Could not call ${operation} at ${url}: ${reason}`);
  }
}

export interface StsResponse {
  readonly result: OutputStructure;
  readonly requestId?: string;
}

export const CLOCK_SKEW_ERROR_CODES = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);
export const THROTTLING_ERROR_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT_CODES = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationError',
]);
const SKEW_THRESHOLD_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 20_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StsClient {
  /** The first endpoint (the one the AWS tools would use too). */
  readonly endpoint: ResolvedEndpoint;
  /** Every endpoint, in the configured order. */
  readonly endpoints: readonly ResolvedEndpoint[];
  /** Server time minus local time, learned from `Date` headers after clock-skew errors. */
  systemClockOffsetMs = 0;
  private readonly config: StsClientConfig;
  private readonly maxAttempts: number;
  private readonly health: EndpointHealth;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(config: StsClientConfig = {}) {
    this.config = config;
    const env = config.env ?? process.env;
    const region = config.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || config.profile?.region || undefined;
    this.endpoints = resolveStsEndpoints({
      service: 'sts',
      region,
      explicitEndpoint: config.endpoint,
      env,
      profile: config.profile,
      files: config.files,
    });
    this.endpoint = this.endpoints[0]!;
    this.health = config.endpointHealth ?? sharedEndpointHealth;
    const ms = (key: string) => {
      const raw = config.profile?.settings[key];
      const n = typeof raw === 'string' ? Number(raw) : NaN;
      return Number.isInteger(n) && n > 0 ? n : undefined;
    };
    this.timeoutMs = config.timeoutMs ?? ms('opensts_timeout_ms') ?? 10_000;
    this.connectTimeoutMs = config.connectTimeoutMs ?? ms('opensts_connect_timeout_ms') ?? 3_000;
    const fromEnv = Number(env.AWS_MAX_ATTEMPTS);
    this.maxAttempts = Math.max(
      1,
      Math.floor(config.maxAttempts ?? (Number.isFinite(fromEnv) && fromEnv >= 1 ? fromEnv : 3)),
    );
  }

  get region(): string {
    return this.endpoint.signingRegion;
  }

  private now(): number {
    return (this.config.now ?? Date.now)();
  }

  /** Calls an operation with model-shaped parameters; resolves with the result members in model order. */
  async send(operation: string, params: Params = {}): Promise<StsResponse> {
    const op = operationModel(operation);
    const body = formEncode(serializeInput(operation, params));
    const unsigned = op.authtype === 'none';
    let credentials: AwsCredentials | undefined;
    if (!unsigned) {
      const source = this.config.credentials;
      if (!source)
        throw new StsRequestError(operation, this.endpoint.url, 'no credentials to sign the request with', false);
      credentials = typeof source === 'function' ? await source() : source;
    }
    let skewRetried = false;
    // Endpoints that failed lately go last; each round tries every endpoint once, and only a full round backs off.
    // At most maxAttempts rounds: bounded however many endpoints are down.
    const order = this.health.order(this.endpoints);
    let round = 1;
    let index = 0;
    for (;;) {
      const endpoint = order[index]!;
      let retryable: boolean;
      let failover: boolean;
      let failure: Error;
      try {
        const reply = await this.attempt(endpoint, operation, body, credentials);
        if (reply.status < 500) this.health.markUp(endpoint.url);
        if (reply.status >= 200 && reply.status < 300) return parseSuccess(operation, reply, endpoint.url);
        const error = parseError(operation, reply, endpoint.url);
        if (error instanceof StsServiceError && CLOCK_SKEW_ERROR_CODES.has(error.code) && !skewRetried) {
          const serverTime = Date.parse(reply.date ?? '');
          if (
            Number.isFinite(serverTime) &&
            Math.abs(serverTime - (this.now() + this.systemClockOffsetMs)) >= SKEW_THRESHOLD_MS
          ) {
            this.systemClockOffsetMs = serverTime - this.now();
            skewRetried = true;
            continue; // a clock correction is not counted as a retry: same endpoint, same round
          }
        }
        failure = error;
        retryable =
          error instanceof StsServiceError
            ? THROTTLING_ERROR_CODES.has(error.code) ||
              TRANSIENT_CODES.has(error.code) ||
              error.statusCode >= 500 ||
              error.statusCode === 429
            : reply.status >= 500 || reply.status === 429;
        failover = reply.status >= 500;
      } catch (err) {
        if (!(err instanceof StsRequestError)) throw err;
        failure = err;
        retryable = err.retryable;
        failover = err.retryable && err.status === undefined;
      }
      if (failover!) this.health.markDown(endpoint.url);
      if (!retryable) throw failure;
      // Throttling stays with its endpoint (another one would not change the caller's rate); failures move on.
      if (failover! && index + 1 < order.length) {
        index++;
        continue;
      }
      if (round >= this.maxAttempts) throw failure;
      if (failover!) index = 0;
      const base = this.config.retryBaseDelayMs ?? 100;
      await (this.config.sleep ?? defaultSleep)(Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** round));
      round++;
    }
  }

  private async attempt(
    endpoint: ResolvedEndpoint,
    operation: string,
    body: string,
    credentials: AwsCredentials | undefined,
  ): Promise<RawReply> {
    // Each attempt is signed for its own endpoint: SigV4 covers the Host, and the scope names that endpoint's region.
    const url = new URL(endpoint.url);
    const path = (url.pathname || '/') + url.search;
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    };
    if (credentials) {
      Object.assign(
        headers,
        signRequest({
          method: 'POST',
          url: path,
          headers,
          body,
          credentials,
          region: endpoint.signingRegion,
          service: 'sts',
          now: new Date(this.now() + this.systemClockOffsetMs),
          signedHeaders: ['host', 'content-type'],
        }),
      );
    }
    headers['content-length'] = String(Buffer.byteLength(body));
    headers['user-agent'] = this.config.userAgent ?? `opensts-client/${version()}`;
    const env = this.config.env ?? process.env;
    return request(
      operation,
      url,
      headers,
      body,
      this.timeoutMs,
      this.connectTimeoutMs,
      env.AWS_CA_BUNDLE || profileCaBundle(this.config.profile),
    );
  }

  getCallerIdentity(params: Params = {}) {
    return this.send('GetCallerIdentity', params);
  }
  getSessionToken(params: Params = {}) {
    return this.send('GetSessionToken', params);
  }
  assumeRole(params: Params) {
    return this.send('AssumeRole', params);
  }
  assumeRoleWithWebIdentity(params: Params) {
    return this.send('AssumeRoleWithWebIdentity', params);
  }
  assumeRoleWithSAML(params: Params) {
    return this.send('AssumeRoleWithSAML', params);
  }
  getFederationToken(params: Params) {
    return this.send('GetFederationToken', params);
  }
  getAccessKeyInfo(params: Params) {
    return this.send('GetAccessKeyInfo', params);
  }
  decodeAuthorizationMessage(params: Params) {
    return this.send('DecodeAuthorizationMessage', params);
  }
}

/** The profile's ca_bundle (botocore reads it after AWS_CA_BUNDLE). */
function profileCaBundle(profile: Profile | undefined): string | undefined {
  const value = profile?.settings.ca_bundle;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

interface RawReply {
  status: number;
  body: string;
  date?: string;
  requestId?: string;
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

async function request(
  operation: string,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  connectTimeoutMs: number,
  caBundle?: string,
): Promise<RawReply> {
  try {
    const res = await httpRequest({ method: 'POST', url, headers, body, timeoutMs, connectTimeoutMs, caBundle });
    return {
      status: res.status,
      body: res.body.toString('utf8'),
      date: res.headers.date,
      requestId: res.headers['x-amzn-requestid'],
    };
  } catch (err) {
    const code = err instanceof HttpError ? err.code : ((err as NodeJS.ErrnoException).code ?? '');
    throw new StsRequestError(
      operation,
      url.origin + url.pathname,
      `${code ? `${code} ` : ''}(${(err as Error).message})`,
      RETRYABLE_NETWORK.has(code),
    );
  }
}

function parseSuccess(operation: string, reply: RawReply, url: string): StsResponse {
  const op = operationModel(operation);
  let root;
  try {
    root = parseXml(reply.body);
  } catch (err) {
    throw new StsRequestError(
      operation,
      url,
      `the answer is not XML (${(err as XmlError).message}); is this an STS endpoint?`,
      false,
    );
  }
  if (root.name !== `${operation}Response`) {
    throw new StsRequestError(
      operation,
      url,
      `expected <${operation}Response>, got <${root.name}>; is this an STS endpoint?`,
      false,
    );
  }
  const wrapper = op.output?.resultWrapper;
  const result = op.output ? parseStructure(op.output.shape, wrapper ? child(root, wrapper) : root) : {};
  return { result, requestId: textAt(root, 'ResponseMetadata', 'RequestId') ?? reply.requestId };
}

function parseError(operation: string, reply: RawReply, url: string): Error {
  let root;
  try {
    root = parseXml(reply.body);
  } catch {
    const start = reply.body.trim().slice(0, 120).replace(/\s+/g, ' ');
    return new StsRequestError(
      operation,
      url,
      `HTTP ${reply.status}${start ? `: ${start}` : ''}`,
      reply.status >= 500 || reply.status === 429,
      reply.status,
    );
  }
  // <ErrorResponse><Error>..</Error><RequestId/></ErrorResponse>, or EC2's <Response><Errors><Error>.
  const error = child(root, 'Error') ?? child(child(root, 'Errors'), 'Error');
  const code = textAt(error, 'Code')?.trim();
  if (!code) {
    return new StsRequestError(
      operation,
      url,
      `HTTP ${reply.status} with an answer that is not an AWS error (<${root.name}>)`,
      reply.status >= 500 || reply.status === 429,
      reply.status,
    );
  }
  const message = textAt(error, 'Message') ?? textAt(error, 'message') ?? '';
  const requestId = textAt(root, 'RequestId') ?? textAt(root, 'RequestID') ?? reply.requestId;
  return new StsServiceError(operation, code, message, reply.status, textAt(error, 'Type'), requestId);
}

/** The Credentials member of a result as a credentials object (accountId from an assumed-role or federated ARN). */
export function credentialsFromResult(result: OutputStructure): AwsCredentials {
  const c = result.Credentials as Record<string, string> | undefined;
  if (!c || typeof c.AccessKeyId !== 'string' || typeof c.SecretAccessKey !== 'string') {
    throw new Error('The STS answer has no Credentials');
  }
  const expiration = c.Expiration === undefined ? undefined : new Date(c.Expiration);
  if (expiration && Number.isNaN(expiration.getTime()))
    throw new Error(`The STS answer has an invalid Expiration: ${c.Expiration}`);
  const user = (result.AssumedRoleUser ?? result.FederatedUser) as Record<string, string> | undefined;
  const accountId = /^arn:[^:]*:[^:]*::(\d{12}):/.exec(user?.Arn ?? '')?.[1];
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken !== undefined && { sessionToken: c.SessionToken }),
    ...(expiration && { expiration }),
    ...(accountId && { accountId }),
  };
}
