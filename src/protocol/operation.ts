/**
 * Operations are data: which service, whether requests must be signed, what permission they need, and a handler
 * that receives validated input and returns the output structure. One dispatcher runs them all.
 */
import type { App } from '../server/app.js';
import type { Caller } from '../iam/principal.js';
import type { ServiceName } from './model.js';

export interface RequestInfo {
  id: string;
  /** The region of the credential scope (or the node's region for unsigned requests). */
  region: string;
  sourceIp: string;
  secureTransport: boolean;
  /** The clock's time when the request arrived. */
  time: number;
}

export interface Call<I = Record<string, any>> {
  input: I;
  /** The authenticated caller; absent only for unsigned operations. */
  caller: Caller;
  request: RequestInfo;
  app: App;
}

export interface Operation<I = any> {
  service: ServiceName;
  /** The wire name, e.g. 'GetSessionToken'; its shapes come from the service model. */
  name: string;
  /** False for operations that clients send unsigned (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  signed?: boolean;
  /**
   * The permission to check before the handler runs, as `[action, resource]`. Operations with checks of their own
   * (GetSessionToken, AssumeRole) or none (GetCallerIdentity) leave it out.
   */
  permission?: (call: Call<I>) => [action: string, resource: string];
  handle(call: Call<I>): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
}

/** Declares an operation with typed input. */
export const operation = <I>(op: Operation<I>): Operation<I> => op;
