/**
 * The table of operations, built once at startup from the declarations and checked against the service models:
 * a mistake in a declaration stops the server from starting with a message that names it, rather than answering
 * wrongly later (a duplicate silently replacing the first, a misspelt name losing its input validation, an unsigned
 * operation whose permission would need a caller).
 */
import { models as loadModels, type ServiceModel, type ServiceName } from '../protocol/model.js';
import type { Operation, RegisteredOperation } from './operation.js';

export type OperationTable = ReadonlyMap<string, RegisteredOperation>;

export const operationKey = (service: ServiceName, name: string): string => `${service}:${name}`;

/** Thrown at load for a declaration the models contradict. */
export class OperationDeclarationError extends Error {
  override name = 'OperationDeclarationError';
}

/** The operations, by `service:name`; throws OperationDeclarationError for the first bad declaration. */
export function operationTable(
  declarations: readonly Operation[],
  models: Record<ServiceName, ServiceModel> = loadModels(),
): OperationTable {
  const table = new Map<string, RegisteredOperation>();
  for (const op of declarations) {
    const key = operationKey(op.service, op.name);
    const fail = (why: string) => {
      throw new OperationDeclarationError(`Operation ${key}: ${why}`);
    };
    const model = models[op.service];
    if (!model) fail(`no service model is called ${op.service}`);
    if (table.has(key)) fail('declared twice');
    // Own properties only: `toString` is no operation.
    const opModel = Object.hasOwn(model.operations, op.name) ? model.operations[op.name] : undefined;
    if (!opModel) fail(`the ${op.service} model has no operation of that name`);
    const signed = opModel!.authtype !== 'none';
    if (typeof op.permission !== 'function' && op.permission !== 'none' && op.permission !== 'in-handler')
      fail("declares no permission (an action function, 'in-handler' or 'none')");
    if (!signed && typeof op.permission === 'function')
      fail("the model has it unsigned (authtype none), but its permission needs a caller: use 'in-handler' or 'none'");
    if (typeof op.handle !== 'function') fail('has no handler');
    if (signed && op.auditIdentity) fail('is signed: the audit log records its caller, not an auditIdentity');
    if (signed && op.service === 'sts' && !Array.isArray(op.sessions))
      fail('is a signed STS operation: declare the sessions that may call it (`sessions`, [] for none)');
    if ((!signed || op.service !== 'sts') && op.sessions !== undefined)
      fail('declares sessions: only signed STS operations do (IAM limits sessions per service)');
    table.set(key, { ...op, signed } as RegisteredOperation);
  }
  return table;
}
