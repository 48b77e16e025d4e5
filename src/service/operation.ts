/**
 * Operations are data: which service, whether requests must be signed, what permission they need, and a handler
 * that receives validated input and returns the output structure. One dispatcher runs them all.
 */
import type { App } from './app.js';
import type { ContextValue } from '../policy/index.js';
import type { Caller } from '../iam/principal.js';
import type { ServiceName } from '../protocol/model.js';

export interface RequestInfo {
  id: string;
  /** The region of the credential scope (or the node's region for unsigned requests). */
  region: string;
  sourceIp: string;
  secureTransport: boolean;
  /** The clock's time when the request arrived. */
  time: number;
  /**
   * Where the tokens this request issues are valid (SessionClaims.tokenVersion): 1 at the global endpoint unless
   * the account prefers version 2 tokens, else 2. Absent: 2.
   */
  tokenVersion?: 1 | 2;
  /** True when an STS request reached the global endpoint (sts.amazonaws.com, or a node started with --region global). */
  globalEndpoint?: boolean;
}

export interface Call<I = Record<string, any>> {
  input: I;
  /** The authenticated caller; absent only for unsigned operations. */
  caller: Caller;
  request: RequestInfo;
  app: App;
}

/** An action on a resource, with the operation's own condition keys (aws:RequestTag/..., iam:PolicyARN...). */
export type Permission = [action: string, resource: string, context?: Record<string, ContextValue>];

export interface Operation<I = any> {
  service: ServiceName;
  /** The wire name, e.g. 'GetSessionToken'; its shapes come from the service model. */
  name: string;
  /** False for operations that clients send unsigned (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  signed?: boolean;
  /**
   * The permission to check before the handler runs, as `[action, resource, condition keys?]` (async when the
   * resource's ARN needs a lookup, e.g. for its path). Operations with checks of their own (GetSessionToken,
   * AssumeRole) or none (GetCallerIdentity) leave it out.
   */
  permission?: (call: Call<I>) => Permission | Promise<Permission>;
  handle(call: Call<I>): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
}

/** Declares an operation with typed input. */
export const operation = <I>(op: Operation<I>): Operation<I> => op;
