/**
 * Managed policies attached to users, groups and roles: Attach/Detach/ListAttached{User,Group,Role}Policies,
 * written once for the three owner kinds.
 */
import { errors } from '../protocol/errors.js';
import { operation, type Operation } from '../service/operation.js';
import { pageOf } from './lookup.js';
import { OWNER_KINDS, ownerChange, ownerResource, ownerWord, requireOwner, type OwnerKind } from './policy-owners.js';

/** AWS's default quota of managed policies per user, group or role. */
const MAX_ATTACHED = 10;

type Named = Record<string, string>;

function attachmentOperations(kind: OwnerKind): Operation[] {
  const Word = ownerWord(kind);
  const ownerName = (input: object) => (input as Named)[`${Word}Name`]!;

  const attach = operation({
    service: 'iam',
    name: `Attach${Word}Policy`,
    permission: async ({ input, app }) =>
      ownerChange(app, kind, ownerName(input), `iam:Attach${Word}Policy`, input.PolicyArn),
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      const policy = await app.store.getManagedPolicy(input.PolicyArn);
      if (!policy || (policy.accountId !== app.accountId && policy.accountId !== 'aws')) {
        throw errors.noSuchEntity(`Policy ${input.PolicyArn} does not exist or is not attachable.`);
      }
      if ((await app.store.attachPolicy(owner.id, policy.arn, MAX_ATTACHED)) === 'limit-exceeded') {
        throw errors.limitExceeded(`Cannot exceed quota for PoliciesPer${Word}: ${MAX_ATTACHED}`);
      }
    },
  });

  const detach = operation({
    service: 'iam',
    name: `Detach${Word}Policy`,
    permission: async ({ input, app }) =>
      ownerChange(app, kind, ownerName(input), `iam:Detach${Word}Policy`, input.PolicyArn),
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      if (!(await app.store.detachPolicy(owner.id, input.PolicyArn)))
        throw errors.noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
    },
  });

  const list = operation({
    service: 'iam',
    name: `ListAttached${Word}Policies`,
    permission: async ({ input, app }) => [
      `iam:ListAttached${Word}Policies`,
      await ownerResource(app, kind, ownerName(input)),
    ],
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      const prefix = input.PathPrefix as string | undefined;
      const attached = (await app.store.listAttachedPolicies(owner.id)).filter(
        (p) => !prefix || p.path.startsWith(prefix),
      );
      const page = pageOf(
        attached,
        (p) => p.arn,
        input.Marker as string | undefined,
        input.MaxItems as number | undefined,
      );
      return {
        AttachedPolicies: page.items.map((p) => ({ PolicyName: p.policyName, PolicyArn: p.arn })),
        IsTruncated: page.IsTruncated,
        Marker: page.Marker,
      };
    },
  });

  return [attach, detach, list];
}

export const attachedPolicyOperationList: Operation[] = OWNER_KINDS.flatMap(attachmentOperations);
