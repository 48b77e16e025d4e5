/**
 * Operations are data: which service and wire name, what permission they need, and a handler that receives
 * validated input and returns the output structure. One dispatcher runs them all.
 *
 * A declaration carries its whole contract and the compiler holds it to the model: its input and output types are
 * generated from the botocore models (protocol/shapes/, scripts/generate-shapes.mjs), so a misspelt name, input or
 * output member does not compile; whether it is signed comes from the model's `authtype` (an unsigned operation's
 * handler gets no caller); and `permission` is never left out by accident. server/operations.ts checks the same at
 * load (operation-registry.ts), for what the types cannot see.
 */
import type { App } from './app.js';
import type { ContextValue } from '../policy/index.js';
import type { Caller } from '../iam/principal.js';
import type { ServiceName } from '../protocol/model.js';
import type { IamInputs, IamOutputs, IamUnsignedOperation } from '../protocol/shapes/iam.js';
import type { StsInputs, StsOutputs, StsUnsignedOperation } from '../protocol/shapes/sts.js';
import type { SessionKind } from '../tokens/session-token.js';

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

/** A signed operation's call: the handler knows who is calling. */
export interface Call<I = Record<string, any>> {
  input: I;
  /** The authenticated caller. */
  caller: Caller;
  request: RequestInfo;
  app: App;
}

/** An unsigned operation's call (the model's `authtype: none`): there is no caller, only what the input proves. */
export interface UnsignedCall<I = Record<string, any>> {
  input: I;
  caller?: undefined;
  request: RequestInfo;
  app: App;
}

/** An action on a resource, with the operation's own condition keys (aws:RequestTag/..., iam:PolicyARN...). */
export type Permission = [action: string, resource: string, context?: Record<string, ContextValue>];

interface Inputs {
  sts: StsInputs;
  iam: IamInputs;
}
interface Outputs {
  sts: StsOutputs;
  iam: IamOutputs;
}
interface Unsigned {
  sts: StsUnsignedOperation;
  iam: IamUnsignedOperation;
}

/** The wire names of a service's operations, as its model lists them. */
export type OperationName<S extends ServiceName> = keyof Inputs[S] & keyof Outputs[S] & string;
/** The validated input of an operation (its model's input structure). */
export type InputOf<S extends ServiceName, N extends OperationName<S>> = Inputs[S][N] extends void
  ? Record<string, never>
  : Inputs[S][N];
/** What the handler returns: the model's output structure, or nothing for an operation without one. */
export type OutputOf<S extends ServiceName, N extends OperationName<S>> = Outputs[S][N];
/** The call a handler gets: with a caller for a signed operation, without for an unsigned one. */
export type CallOf<S extends ServiceName, N extends OperationName<S>> = [N] extends [Unsigned[S]]
  ? UnsignedCall<InputOf<S, N>>
  : Call<InputOf<S, N>>;

/**
 * Who may call an operation:
 * - an action function: the permission dispatch authorizes before the handler runs, as `[action, resource,
 *   condition keys?]` (async when the resource's ARN needs a lookup, e.g. for its path);
 * - `'in-handler'`: the handler decides, because the decision needs what only it finds (AssumeRole's trust policy,
 *   GetSessionToken's refusal of session credentials, the verified token of an unsigned federation call);
 * - `'none'`: any authenticated caller, deliberately (GetCallerIdentity: even an explicit Deny cannot hide it).
 */
export type PermissionRule<C> = ((call: C) => Permission | Promise<Permission>) | 'in-handler' | 'none';

type Awaitable<T> = T | Promise<T>;

/**
 * Who an unsigned call acted for, as the audit log names it (CloudTrail's WebIdentityUser, SAMLUser): there is no
 * caller, only what the verified input and the output say; on a failure, the output is missing.
 */
export interface FederatedIdentity {
  type: 'WebIdentityUser' | 'SAMLUser';
  principalId?: string;
  userName?: string;
  identityProvider?: string;
}

/** One operation's contract, typed from its service model. */
export interface OperationDeclaration<S extends ServiceName, N extends OperationName<S>> {
  service: S;
  /** The wire name, e.g. 'GetSessionToken'; its shapes come from the service model. */
  name: N;
  permission: PermissionRule<CallOf<S, N>>;
  /**
   * For a signed STS operation (required there): the kinds of temporary credentials that may call it at all,
   * whatever their policies say (AWS's limits: GetSessionToken credentials reach AssumeRole and GetCallerIdentity,
   * GetFederationToken credentials only GetCallerIdentity). Others are refused before any authorization with
   * AccessDenied "Cannot call <Operation> with session credentials". IAM's limits are per service (authorize.ts).
   */
  sessions?: readonly SessionKind[];
  handle(call: CallOf<S, N>): Awaitable<OutputOf<S, N>>;
  /** For an unsigned operation: who the audit log records as having called it. */
  auditIdentity?: (input: InputOf<S, N> | undefined, output: OutputOf<S, N> | undefined) => FederatedIdentity;
}

/** Any declaration, as the registry sees it before it checks it against the model. */
export interface Operation {
  service: ServiceName;
  name: string;
  permission: PermissionRule<any>;
  sessions?: readonly SessionKind[];
  handle(call: any): unknown;
  auditIdentity?: (input: any, output: any) => FederatedIdentity;
}

/** A declaration once registered: checked against its model, with `signed` read from the model's `authtype`. */
export interface RegisteredOperation extends Operation {
  /** False for operations that clients send unsigned (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  signed: boolean;
  permission: PermissionRule<Call>;
  handle(call: Call): Awaitable<Record<string, unknown> | void>;
  auditIdentity?: (input: unknown, output: unknown) => FederatedIdentity;
}

/** Declares an operation; its input, output and call types follow from `service` and `name`. */
export const operation = <S extends ServiceName, N extends OperationName<S>>(
  op: OperationDeclaration<S, N>,
): OperationDeclaration<S, N> => op;
