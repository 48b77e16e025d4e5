/** IAM users: CreateUser, GetUser, ListUsers, DeleteUser. */
import { errors } from '../protocol/errors.js';
import { operation } from '../protocol/operation.js';
import type { Tag } from '../store/store.js';
import { newUniqueId } from '../tokens/ids.js';
import { requireUser, targetUser, userOutput, userResource } from './lookup.js';
import { rootArn } from '../iam/principal.js';

export const createUser = operation<{ UserName: string; Path?: string; Tags?: Tag[] }>({
  service: 'iam',
  name: 'CreateUser',
  permission: ({ input, app }) => ['iam:CreateUser', `arn:aws:iam::${app.accountId}:user${input.Path ?? '/'}${input.UserName}`],
  handle: async ({ input, request, app }) => {
    const user = {
      accountId: app.accountId, userId: newUniqueId('AIDA', app.accountId), userName: input.UserName,
      path: input.Path ?? '/', createdAt: request.time, tags: input.Tags ?? [],
    };
    if (!(await app.store.createUser(user))) throw errors.entityAlreadyExists(`User with name ${input.UserName} already exists.`);
    return { User: userOutput(user) };
  },
});

export const getUser = operation<{ UserName?: string }>({
  service: 'iam',
  name: 'GetUser',
  permission: ({ input, caller, app }) => ['iam:GetUser', userResource(app, caller, input.UserName)],
  handle: async ({ input, caller, app }) => {
    const user = await targetUser(app, caller, input.UserName);
    if (user) return { User: userOutput(user) };
    // The root asking about itself: AWS answers with the account as the user.
    return { User: { UserId: app.accountId, Arn: rootArn(app.accountId), CreateDate: new Date(app.account.createdAt) } };
  },
});

export const listUsers = operation<{ PathPrefix?: string; Marker?: string; MaxItems?: number }>({
  service: 'iam',
  name: 'ListUsers',
  permission: ({ app }) => ['iam:ListUsers', `arn:aws:iam::${app.accountId}:user/`],
  handle: async ({ input, app }) => {
    const page = await app.store.listUsers(app.accountId, {
      pathPrefix: input.PathPrefix, marker: input.Marker, maxItems: input.MaxItems ?? 100,
    });
    return { Users: page.items.map(userOutput), IsTruncated: page.marker !== undefined, Marker: page.marker };
  },
});

export const deleteUser = operation<{ UserName: string }>({
  service: 'iam',
  name: 'DeleteUser',
  permission: ({ input, app }) => ['iam:DeleteUser', `arn:aws:iam::${app.accountId}:user/${input.UserName}`],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    const result = await app.store.deleteUser(app.accountId, user.userId);
    if (result === 'has-keys') throw errors.deleteConflict('Cannot delete entity, must delete access keys first.');
    if (result === 'missing') throw errors.noSuchEntity(`The user with name ${input.UserName} cannot be found.`);
  },
});
