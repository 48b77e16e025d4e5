/** IAM users: CreateUser (optionally with a permissions boundary), GetUser, ListUsers, UpdateUser (rename, move), DeleteUser (refused while it still owns keys, policies, groups or MFA devices). */
import { errors } from '../protocol/errors.js';
import type { User } from '../protocol/shapes/iam.js';
import { operation } from '../service/operation.js';
import type { Tag, UserRecord } from '../store/store.js';
import { newUniqueId } from '../tokens/ids.js';
import { addRequestTagKeys } from '../service/authorize.js';
import { rootArn, userArn } from '../iam/principal.js';
import { listResource, requireUser, targetUser, userOutput, userResource } from './lookup.js';
import { checkBoundary } from './permissions-boundaries.js';
import { boundaryKey } from './policy-owners.js';
import { checkTags } from './tags.js';

/** Why a user cannot be deleted yet, in AWS's words. */
const DELETE_CONFLICTS = {
  'has-keys': 'Cannot delete entity, must delete access keys first.',
  'has-policies': 'Cannot delete entity, must delete policies first.',
  'has-attached-policies': 'Cannot delete entity, must detach all policies first.',
  'in-groups': 'Cannot delete entity, must remove users from group first.',
  // UNCONFIRMED wording.
  'has-mfa': 'Cannot delete entity, must delete MFA device first.',
} as const;

export const createUser = operation({
  service: 'iam',
  name: 'CreateUser',
  permission: ({ input, app }) => [
    'iam:CreateUser',
    userArn(app.accountId, input.Path ?? '/', input.UserName),
    addRequestTagKeys(boundaryKey(input.PermissionsBoundary), input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    checkTags(input.Tags);
    if (input.PermissionsBoundary !== undefined) await checkBoundary(app, input.PermissionsBoundary);
    const user: UserRecord = {
      accountId: app.accountId,
      userId: newUniqueId('AIDA', app.accountId),
      userName: input.UserName,
      path: input.Path ?? '/',
      createdAt: request.time,
      tags: input.Tags ?? [],
      permissionsBoundary: input.PermissionsBoundary,
    };
    if (!(await app.store.createUser(user)))
      throw errors.entityAlreadyExists(`User with name ${input.UserName} already exists.`);
    return { User: userOutput(user) };
  },
});

export const getUser = operation({
  service: 'iam',
  name: 'GetUser',
  permission: async ({ input, caller, app }) => ['iam:GetUser', await userResource(app, caller, input.UserName)],
  handle: async ({ input, caller, app }) => {
    const user = await targetUser(app, caller, input.UserName);
    if (user) return { User: userOutput(user) };
    // The root asking about itself: AWS answers with the account as the user, without the UserName and Path the
    // model calls required (hence the cast).
    const root = { UserId: app.accountId, Arn: rootArn(app.accountId), CreateDate: new Date(app.account.createdAt) };
    return { User: root as User };
  },
});

export const listUsers = operation({
  service: 'iam',
  name: 'ListUsers',
  permission: ({ app }) => ['iam:ListUsers', listResource(app, 'user')],
  handle: async ({ input, app }) => {
    const page = await app.store.listUsers(app.accountId, {
      pathPrefix: input.PathPrefix,
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      Users: page.items.map((u) => userOutput(u, false)),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const deleteUser = operation({
  service: 'iam',
  name: 'DeleteUser',
  permission: async ({ input, caller, app }) => ['iam:DeleteUser', await userResource(app, caller, input.UserName)],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    const result = await app.store.deleteUser(app.accountId, user.userId);
    if (result === 'missing') throw errors.noSuchEntity(`The user with name ${input.UserName} cannot be found.`);
    if (result !== 'deleted') throw errors.deleteConflict(DELETE_CONFLICTS[result]);
  },
});

export const updateUser = operation({
  service: 'iam',
  name: 'UpdateUser',
  permission: async ({ input, caller, app }) => ['iam:UpdateUser', await userResource(app, caller, input.UserName)],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    const result = await app.store.renameEntity('user', user.userId, { name: input.NewUserName, path: input.NewPath });
    // UNCONFIRMED: the wording of a rename onto a taken name (CreateUser's).
    if (result === 'exists') throw errors.entityAlreadyExists(`User with name ${input.NewUserName} already exists.`);
    if (result === 'missing') throw errors.noSuchEntity(`The user with name ${input.UserName} cannot be found.`);
  },
});
