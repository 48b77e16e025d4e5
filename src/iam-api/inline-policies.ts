/**
 * Inline policies of users, groups and roles: Put/Get/List/Delete{User,Group,Role}Policy, written once for the
 * three owner kinds.
 */
import { errors } from '../protocol/errors.js';
import { operation, type Operation } from '../service/operation.js';
import { pageOf } from './lookup.js';
import { checkInlinePolicy, encodePolicyDocument } from './policy-documents.js';
import { OWNER_KINDS, ownerChange, ownerResource, ownerWord, requireOwner, type OwnerKind } from './policy-owners.js';

type Named = Record<string, string>;

function inlinePolicyOperations(kind: OwnerKind): Operation[] {
  const Word = ownerWord(kind);
  const nameMember = `${Word}Name`;
  const ownerName = (input: object) => (input as Named)[nameMember]!;
  const notFound = (policyName: string) =>
    errors.noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);

  const put = operation({
    service: 'iam',
    name: `Put${Word}Policy`,
    permission: async ({ input, app }) => ownerChange(app, kind, ownerName(input), `iam:Put${Word}Policy`),
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      checkInlinePolicy(input.PolicyDocument, kind, owner.name);
      await app.store.putInlinePolicy({
        ownerId: owner.id,
        policyName: input.PolicyName,
        document: input.PolicyDocument,
      });
    },
  });

  const get = operation({
    service: 'iam',
    name: `Get${Word}Policy`,
    permission: async ({ input, app }) => [`iam:Get${Word}Policy`, await ownerResource(app, kind, ownerName(input))],
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      const policy = await app.store.getInlinePolicy(owner.id, input.PolicyName);
      if (!policy) throw notFound(input.PolicyName);
      return {
        // One of UserName, GroupName, RoleName: the compiler cannot see which from the computed key.
        ...({ [nameMember]: owner.name } as Record<'UserName' | 'GroupName' | 'RoleName', string>),
        PolicyName: policy.policyName,
        PolicyDocument: encodePolicyDocument(policy.document),
      };
    },
  });

  const list = operation({
    service: 'iam',
    name: `List${Word}Policies`,
    permission: async ({ input, app }) => [`iam:List${Word}Policies`, await ownerResource(app, kind, ownerName(input))],
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      const names = (await app.store.listInlinePolicies([owner.id])).map((p) => p.policyName);
      const page = pageOf(
        names,
        (n) => n.toLowerCase(),
        input.Marker as string | undefined,
        input.MaxItems as number | undefined,
      );
      return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  });

  const remove = operation({
    service: 'iam',
    name: `Delete${Word}Policy`,
    permission: async ({ input, app }) => ownerChange(app, kind, ownerName(input), `iam:Delete${Word}Policy`),
    handle: async ({ input, app }) => {
      const owner = await requireOwner(app, kind, ownerName(input));
      if (!(await app.store.deleteInlinePolicy(owner.id, input.PolicyName))) throw notFound(input.PolicyName);
    },
  });

  return [put, get, list, remove];
}

export const inlinePolicyOperationList: Operation[] = OWNER_KINDS.flatMap(inlinePolicyOperations);
