/**
 * Permissions boundaries of users and roles: Put/Delete{User,Role}PermissionsBoundary, written once for both, and
 * the checks CreateUser and CreateRole share. A boundary is a managed policy (AWS or customer managed) that caps
 * what the user's or role's identity policies can grant; the authorizer applies it (src/service/authorize.ts).
 */
import { PARTITION } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation, type Operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { BoundedEntity } from '../store/store.js';
import { boundaryKey, ownerResource, ownerTarget, ownerWord, requireOwner } from './policy-owners.js';

const POLICY_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|aws):policy/`);

/** UNCONFIRMED wording (AWS answers NoSuchEntity for a boundary policy that does not exist). */
const noSuchBoundary = (arn: string) => errors.noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);

/** A boundary named in a request: the ARN of an existing managed policy of this account or AWS's. */
export async function checkBoundary(app: App, arn: string): Promise<void> {
  // UNCONFIRMED wording.
  if (!POLICY_ARN.test(arn)) throw errors.invalidInput(`ARN ${arn} is not valid.`);
  const policy = await app.store.getManagedPolicy(arn);
  if (!policy || (policy.accountId !== app.accountId && policy.accountId !== 'aws')) throw noSuchBoundary(arn);
}

type Named = Record<string, string>;

function boundaryOperations(kind: BoundedEntity): Operation[] {
  const Word = ownerWord(kind) as 'User' | 'Role';
  const ownerName = (input: object) => (input as Named)[`${Word}Name`]!;

  const put = operation({
    service: 'iam',
    name: `Put${Word}PermissionsBoundary`,
    permission: async ({ input, app }) => [
      `iam:Put${Word}PermissionsBoundary`,
      await ownerResource(app, kind, ownerName(input)),
      boundaryKey(input.PermissionsBoundary),
    ],
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      await checkBoundary(app, input.PermissionsBoundary);
      const r = await app.store.setPermissionsBoundary(kind, owner.id, input.PermissionsBoundary);
      // Gone between the checks and the write (a concurrent delete).
      if (r === 'no-such-policy') throw noSuchBoundary(input.PermissionsBoundary);
      if (r === 'missing') throw errors.noSuchEntity(`The ${kind} with name ${owner.name} cannot be found.`);
    },
  });

  const remove = operation({
    service: 'iam',
    name: `Delete${Word}PermissionsBoundary`,
    permission: async ({ input, app }) => {
      const target = await ownerTarget(app, kind, ownerName(input));
      return [`iam:Delete${Word}PermissionsBoundary`, target.arn, boundaryKey(target.boundary)];
    },
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      // UNCONFIRMED: AWS's answer when there is no boundary to delete; here it succeeds, as a no-op.
      if ((await app.store.setPermissionsBoundary(kind, owner.id, undefined)) === 'missing') {
        throw errors.noSuchEntity(`The ${kind} with name ${owner.name} cannot be found.`);
      }
    },
  });

  return [put, remove];
}

export const permissionsBoundaryOperationList: Operation[] = (['user', 'role'] as const).flatMap(boundaryOperations);
