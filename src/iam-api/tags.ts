/**
 * Tags on users and roles (TagUser, UntagUser, ListUserTags, TagRole, UntagRole, ListRoleTags), and the same three
 * operations for the identity providers, which are named by their ARN (arnTagOperations).
 */
import { requestTagKeys } from '../service/authorize.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { Tag, TaggedEntity } from '../store/store.js';
import { pageOf, requireRole, requireUser, roleResource, userResource } from './lookup.js';

export const MAX_TAGS = 50;

/** Keys must be unique in one request, compared case-insensitively. */
export function checkTags(tags: Tag[] | undefined): void {
  if (!tags) return;
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k))
      throw errors.invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(k);
  }
}

/** Adds and removes an entity's tags within AWS's quota of 50 (`quota` names it in the error). */
export async function retag(
  app: App,
  entity: TaggedEntity,
  id: string,
  quota: string,
  add: Tag[],
  remove: string[],
): Promise<void> {
  const r = await app.store.updateTags(entity, id, add, remove, MAX_TAGS);
  // UNCONFIRMED wording.
  if (r === 'limit-exceeded') throw errors.limitExceeded(`Cannot exceed quota for ${quota}: ${MAX_TAGS}.`);
}

export const tagUser = operation({
  service: 'iam',
  name: 'TagUser',
  permission: async ({ input, caller, app }) => [
    'iam:TagUser',
    await userResource(app, caller, input.UserName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, app }) => {
    checkTags(input.Tags);
    const user = await requireUser(app, input.UserName);
    await retag(app, 'user', user.userId, 'TagsPerUser', input.Tags, []);
  },
});

export const untagUser = operation({
  service: 'iam',
  name: 'UntagUser',
  permission: async ({ input, caller, app }) => [
    'iam:UntagUser',
    await userResource(app, caller, input.UserName),
    { 'aws:TagKeys': input.TagKeys },
  ],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    await retag(app, 'user', user.userId, 'TagsPerUser', [], input.TagKeys);
  },
});

export const listUserTags = operation({
  service: 'iam',
  name: 'ListUserTags',
  permission: async ({ input, caller, app }) => ['iam:ListUserTags', await userResource(app, caller, input.UserName)],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    const page = pageOf(user.tags, (t) => t.Key, input.Marker, input.MaxItems);
    return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
});

export const tagRole = operation({
  service: 'iam',
  name: 'TagRole',
  permission: async ({ input, app }) => [
    'iam:TagRole',
    await roleResource(app, input.RoleName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, app }) => {
    checkTags(input.Tags);
    const role = await requireRole(app, input.RoleName);
    await retag(app, 'role', role.roleId, 'TagsPerRole', input.Tags, []);
  },
});

export const untagRole = operation({
  service: 'iam',
  name: 'UntagRole',
  permission: async ({ input, app }) => [
    'iam:UntagRole',
    await roleResource(app, input.RoleName),
    { 'aws:TagKeys': input.TagKeys },
  ],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    await retag(app, 'role', role.roleId, 'TagsPerRole', [], input.TagKeys);
  },
});

export const listRoleTags = operation({
  service: 'iam',
  name: 'ListRoleTags',
  permission: async ({ input, app }) => ['iam:ListRoleTags', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    const page = pageOf(role.tags, (t) => t.Key, input.Marker, input.MaxItems);
    return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
});

/**
 * Tag<Noun>, Untag<Noun> and List<Noun>Tags for an entity that requests name by its ARN in `arnMember` (the
 * identity providers): the ARN is the policy resource, `find` the entity (NoSuchEntity when it is not there).
 */
export function arnTagOperations(spec: {
  noun: 'OpenIDConnectProvider' | 'SAMLProvider';
  arnMember: string;
  entity: TaggedEntity;
  quota: string;
  find: (app: App, arn: string) => Promise<{ arn: string; tags: Tag[] }>;
}) {
  type ByArn = Record<string, string>;
  const arnOf = (input: object) => (input as ByArn)[spec.arnMember]!;
  return [
    operation({
      service: 'iam',
      name: `Tag${spec.noun}`,
      permission: ({ input }) => [`iam:Tag${spec.noun}`, arnOf(input), requestTagKeys(input.Tags)],
      handle: async ({ input, app }) => {
        checkTags(input.Tags);
        const found = await spec.find(app, arnOf(input));
        await retag(app, spec.entity, found.arn, spec.quota, input.Tags, []);
      },
    }),
    operation({
      service: 'iam',
      name: `Untag${spec.noun}`,
      permission: ({ input }) => [`iam:Untag${spec.noun}`, arnOf(input), { 'aws:TagKeys': input.TagKeys }],
      handle: async ({ input, app }) => {
        const found = await spec.find(app, arnOf(input));
        await retag(app, spec.entity, found.arn, spec.quota, [], input.TagKeys);
      },
    }),
    operation({
      service: 'iam',
      name: `List${spec.noun}Tags`,
      permission: ({ input }) => [`iam:List${spec.noun}Tags`, arnOf(input)],
      handle: async ({ input, app }) => {
        const found = await spec.find(app, arnOf(input));
        const page = pageOf(found.tags, (t) => t.Key, input.Marker, input.MaxItems);
        return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
      },
    }),
  ] as const;
}
