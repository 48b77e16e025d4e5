/**
 * One audit event per Query API request, shaped and named like a CloudTrail record so that SIEM parsers for
 * CloudTrail read it: who called (userIdentity), what (eventName, requestParameters), from where, and what came of
 * it (responseElements, or errorCode and errorMessage).
 *
 * Secrets never enter an event: members the botocore models mark `sensitive`, plus the few secret members they do
 * not (one-time codes, session tokens), are left out of parameters and responses; validation messages are recorded
 * without the values they quote. Every string a caller chooses is cut to a bounded length.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../iam/principal.js';
import { principalArn, principalUserId, roleArn } from '../iam/principal.js';
import { members, models, type Member, type ServiceModel, type Shape } from '../protocol/model.js';
import { sessionMfaAuthenticatedAt, sessionSourceIdentity } from '../tokens/session-token.js';
import { unreachable } from '../unreachable.js';
import type { Reply } from './dispatch.js';
import type { TlsDetails } from './http1.js';
import { UNKNOWN_OPERATION } from './metrics.js';
import { findOperation } from './operations.js';

/** Secret members the models do not mark `sensitive`. */
const UNMARKED_SECRETS = new Set([
  'TokenCode',
  'AuthenticationCode1',
  'AuthenticationCode2',
  'SessionToken',
  'ContextAssertion',
]);

/** Longest string recorded (policy documents included): longer ones are cut and say how long they were. */
export const MAX_STRING = 1024;
const MAX_USER_AGENT = 256;
const MAX_ERROR_MESSAGE = 512;
const MAX_ACCESS_KEY_ID = 128;

export interface UserIdentity {
  type: 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'WebIdentityUser' | 'SAMLUser' | 'Unknown';
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  identityProvider?: string;
  sessionContext?: {
    sessionIssuer?: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string };
    attributes: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
    sourceIdentity?: string;
  };
}

/** The fields and their order as in CloudTrail's record contents (eventVersion 1.08). */
export interface AuditEvent {
  eventVersion: '1.08';
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion?: string;
  sourceIPAddress: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: unknown;
  responseElements?: unknown;
  requestID: string;
  /** A UUID of this event alone (requestID is the request's, and the client sees it). */
  eventID: string;
  /** Absent for a request that named no operation of ours. */
  readOnly?: boolean;
  eventType: 'AwsApiCall';
  managementEvent: true;
  recipientAccountId: string;
  eventCategory: 'Management';
  /** Only for a request that came over TLS to this server itself (not through a proxy that ended TLS). */
  tlsDetails?: { tlsVersion: string; cipherSuite: string; clientProvidedHostHeader?: string };
}

export interface RequestOrigin {
  sourceIp: string;
  userAgent: string | undefined;
  /** The account that answers when the caller is not known (the server's). */
  accountId: string;
  /** The client's own TLS connection to this server, if it used one. */
  tls?: TlsDetails;
  /** The Host header the client sent. */
  host?: string;
}

/** CloudTrail's time format: ISO 8601 to the second. */
const isoSeconds = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/** eventTime, formatted once a second: formatting dates is a good part of an event's cost. */
let eventSecond = -1;
let eventSecondText = '';
function eventTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== eventSecond) {
    eventSecond = second;
    eventSecondText = isoSeconds(ms);
  }
  return eventSecondText;
}

const EVENT_SOURCE = { sts: 'sts.amazonaws.com', iam: 'iam.amazonaws.com' } as const;
const MAX_HOST = 256;

/**
 * Whether CloudTrail records an operation as read-only. IAM's read-only calls are named Get*, List* and Simulate*
 * (GenerateCredentialReport and GenerateServiceLastAccessedDetails start jobs: not read-only). Every STS call is
 * read-only: it changes no resource (UNCONFIRMED for each one but GetCallerIdentity).
 */
const READ_ONLY_IAM = /^(Get|List|Simulate)/;
export function isReadOnly(service: 'sts' | 'iam', operation: string): boolean {
  return service === 'sts' || READ_ONLY_IAM.test(operation);
}

/** A lone surrogate (one a JWT's `\ud800` escape can put in a claim, or a cut can leave), which strict JSON readers refuse. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A string as recorded: cut to `max`, lone surrogates replaced by U+FFFD (JSON.stringify escapes controls itself). */
function cut(s: string, max: number): string {
  const c = s.length <= max ? s : `${s.slice(0, max)}...(${s.length} characters)`;
  return c.replace(LONE_SURROGATE, '\ufffd');
}

export function auditEvent(reply: Reply, origin: RequestOrigin): AuditEvent {
  const model = models()[reply.service];
  const opModel = reply.operation === undefined ? undefined : model.operations[reply.operation];
  const error = reply.error;
  return {
    eventVersion: '1.08',
    userIdentity: userIdentity(reply),
    eventTime: eventTime(reply.time),
    eventSource: EVENT_SOURCE[reply.service],
    eventName: reply.operation ?? UNKNOWN_OPERATION,
    awsRegion: reply.region,
    sourceIPAddress: origin.sourceIp,
    userAgent: origin.userAgent === undefined ? undefined : cut(origin.userAgent, MAX_USER_AGENT),
    errorCode: reply.code,
    errorMessage: error ? cut(error.auditMessage ?? error.message, MAX_ERROR_MESSAGE) : undefined,
    requestParameters:
      reply.input && opModel?.input ? recorded(model, model.shapes[opModel.input.shape]!, reply.input) : undefined,
    responseElements:
      reply.output && opModel?.output && issuesCredentials(model, opModel.output.shape)
        ? recorded(model, model.shapes[opModel.output.shape]!, reply.output)
        : undefined,
    requestID: reply.requestId,
    eventID: randomUUID(),
    readOnly: reply.operation === undefined ? undefined : isReadOnly(reply.service, reply.operation),
    eventType: 'AwsApiCall',
    managementEvent: true,
    // The account whose IAM and STS answered: the caller's (one server may hold several accounts), else the server's.
    recipientAccountId: reply.caller?.principal.accountId ?? origin.accountId,
    eventCategory: 'Management',
    tlsDetails:
      origin.tls === undefined
        ? undefined
        : {
            tlsVersion: origin.tls.version,
            cipherSuite: origin.tls.cipherSuite,
            clientProvidedHostHeader: origin.host === undefined ? undefined : cut(origin.host, MAX_HOST),
          },
  };
}

function userIdentity(reply: Reply): UserIdentity {
  const caller = reply.caller;
  if (caller) return callerIdentity(caller);
  // Unsigned calls: who the operation says the verified token or response named (its auditIdentity).
  const op = reply.operation === undefined ? undefined : findOperation(reply.service, reply.operation);
  if (op?.auditIdentity) return op.auditIdentity(reply.input, reply.output);
  // Failed authentication: the key the request claimed, for tracing attempts with a leaked or revoked key.
  return {
    type: 'Unknown',
    accessKeyId: reply.claimedAccessKeyId === undefined ? undefined : cut(reply.claimedAccessKeyId, MAX_ACCESS_KEY_ID),
  };
}

function callerIdentity({ principal, accessKeyId, session }: Caller): UserIdentity {
  const identity: UserIdentity = {
    type: 'Root',
    principalId: principalUserId(principal),
    arn: principalArn(principal),
    accountId: principal.accountId,
    accessKeyId,
  };
  switch (principal.type) {
    case 'root':
      break;
    case 'user':
      identity.type = 'IAMUser';
      identity.userName = principal.userName;
      break;
    case 'assumed-role':
      identity.type = 'AssumedRole';
      break;
    case 'federated-user':
      identity.type = 'FederatedUser';
      break;
    default:
      return unreachable(principal, 'principal type');
  }
  if (session) {
    identity.sessionContext = {
      sessionIssuer:
        principal.type === 'assumed-role'
          ? {
              type: 'Role',
              principalId: principal.roleId,
              arn: roleArn(principal.accountId, principal.rolePath, principal.roleName),
              accountId: principal.accountId,
              userName: principal.roleName,
            }
          : undefined,
      attributes: {
        creationDate: isoSeconds(session.issuedAt),
        mfaAuthenticated: sessionMfaAuthenticatedAt(session) === undefined ? 'false' : 'true',
      },
      sourceIdentity: sessionSourceIdentity(session),
    };
  }
  return identity;
}

/** Operations whose response hands out credentials: their response is recorded, minus the secrets. */
const credentialIssuing = new WeakMap<Shape, boolean>();
function issuesCredentials(model: ServiceModel, outputShape: string): boolean {
  const shape = model.shapes[outputShape]!;
  let issues = credentialIssuing.get(shape);
  if (issues === undefined) {
    issues = members(shape).some((m) => m.name === 'Credentials' || m.name === 'AccessKey');
    credentialIssuing.set(shape, issues);
  }
  return issues;
}

/** A structure's members that may be recorded, worked out once per shape. */
const recordable = new WeakMap<Shape, Member[]>();
function recordableMembers(model: ServiceModel, shape: Shape): Member[] {
  let list = recordable.get(shape);
  if (!list) {
    list = members(shape).filter((m) => !model.shapes[m.ref.shape]!.sensitive && !UNMARKED_SECRETS.has(m.name));
    recordable.set(shape, list);
  }
  return list;
}

/** A value as the audit log records it: CloudTrail's lower camel case names, no secrets, bounded strings. */
function recorded(model: ServiceModel, shape: Shape, value: unknown): unknown {
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const v = value as Record<string, unknown>;
      for (const m of recordableMembers(model, shape)) {
        if (v[m.name] !== undefined) out[m.pathName] = recorded(model, model.shapes[m.ref.shape]!, v[m.name]);
      }
      return out;
    }
    case 'list': {
      const item = model.shapes[shape.member!.shape]!;
      return (value as unknown[]).map((v) => recorded(model, item, v));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      const item = model.shapes[shape.value!.shape]!;
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out[cut(k, MAX_STRING)] = recorded(model, item, v);
      return out;
    }
    case 'string':
      return cut(value as string, MAX_STRING);
    case 'timestamp':
      return isoSeconds(value instanceof Date ? value.getTime() : (value as number));
    case 'blob':
      return undefined; // binary (SAML metadata, certificates): bulky, never useful in a log line
    default:
      return value;
  }
}
