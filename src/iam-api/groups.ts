/** IAM groups and membership: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser. */
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import { newUniqueId } from '../tokens/ids.js';
import {
  groupArn,
  groupOutput,
  groupResource,
  listResource,
  requireGroup,
  requireUser,
  userOutput,
  userResource,
} from './lookup.js';

/** AWS's quota of groups a user may belong to. */
const GROUPS_PER_USER = 10;

const DELETE_CONFLICTS = {
  'has-members': 'Cannot delete entity, must remove users from group first.',
  'has-policies': 'Cannot delete entity, must delete policies first.',
  'has-attached-policies': 'Cannot delete entity, must detach all policies first.',
} as const;

export const createGroup = operation({
  service: 'iam',
  name: 'CreateGroup',
  permission: ({ input, app }) => ['iam:CreateGroup', groupArn(app.accountId, input.Path ?? '/', input.GroupName)],
  handle: async ({ input, request, app }) => {
    const group = {
      accountId: app.accountId,
      groupId: newUniqueId('AGPA', app.accountId),
      groupName: input.GroupName,
      path: input.Path ?? '/',
      createdAt: request.time,
    };
    if (!(await app.store.createGroup(group)))
      throw errors.entityAlreadyExists(`Group with name ${input.GroupName} already exists.`);
    return { Group: groupOutput(group) };
  },
});

export const getGroup = operation({
  service: 'iam',
  name: 'GetGroup',
  permission: async ({ input, app }) => ['iam:GetGroup', await groupResource(app, input.GroupName)],
  handle: async ({ input, app }) => {
    const group = await requireGroup(app, input.GroupName);
    const page = await app.store.listGroupMembers(group.groupId, {
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      Group: groupOutput(group),
      Users: page.items.map((u) => ({ ...userOutput(u, false), Tags: undefined })),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const listGroups = operation({
  service: 'iam',
  name: 'ListGroups',
  permission: ({ app }) => ['iam:ListGroups', listResource(app, 'group')],
  handle: async ({ input, app }) => {
    const page = await app.store.listGroups(app.accountId, {
      pathPrefix: input.PathPrefix,
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return { Groups: page.items.map(groupOutput), IsTruncated: page.marker !== undefined, Marker: page.marker };
  },
});

export const deleteGroup = operation({
  service: 'iam',
  name: 'DeleteGroup',
  permission: async ({ input, app }) => ['iam:DeleteGroup', await groupResource(app, input.GroupName)],
  handle: async ({ input, app }) => {
    const group = await requireGroup(app, input.GroupName);
    const result = await app.store.deleteGroup(group.groupId);
    if (result === 'missing') throw errors.noSuchEntity(`The group with name ${input.GroupName} cannot be found.`);
    if (result !== 'deleted') throw errors.deleteConflict(DELETE_CONFLICTS[result]);
  },
});

export const addUserToGroup = operation({
  service: 'iam',
  name: 'AddUserToGroup',
  permission: async ({ input, app }) => ['iam:AddUserToGroup', await groupResource(app, input.GroupName)],
  handle: async ({ input, app }) => {
    const group = await requireGroup(app, input.GroupName);
    const user = await requireUser(app, input.UserName);
    const groups = (await app.store.listGroupsForUser(user.userId, { maxItems: GROUPS_PER_USER + 1 })).items;
    if (groups.length >= GROUPS_PER_USER && !groups.some((g) => g.groupId === group.groupId)) {
      throw errors.limitExceeded(`Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`);
    }
    await app.store.addUserToGroup(group.groupId, user.userId);
  },
});

export const removeUserFromGroup = operation({
  service: 'iam',
  name: 'RemoveUserFromGroup',
  permission: async ({ input, app }) => ['iam:RemoveUserFromGroup', await groupResource(app, input.GroupName)],
  handle: async ({ input, app }) => {
    // The user is looked up first (LocalStack's recorded test_remove_user_from_unknown_group: neither exists, the
    // user is named).
    const user = await requireUser(app, input.UserName);
    const group = await requireGroup(app, input.GroupName);
    // UNCONFIRMED: AWS's message for a user that is not in the group.
    if (!(await app.store.removeUserFromGroup(group.groupId, user.userId))) {
      throw errors.noSuchEntity(`The user with name ${input.UserName} cannot be found in group ${group.groupName}.`);
    }
  },
});

export const listGroupsForUser = operation({
  service: 'iam',
  name: 'ListGroupsForUser',
  permission: async ({ input, caller, app }) => [
    'iam:ListGroupsForUser',
    await userResource(app, caller, input.UserName),
  ],
  handle: async ({ input, app }) => {
    const user = await requireUser(app, input.UserName);
    const page = await app.store.listGroupsForUser(user.userId, {
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return { Groups: page.items.map(groupOutput), IsTruncated: page.marker !== undefined, Marker: page.marker };
  },
});

export const updateGroup = operation({
  service: 'iam',
  name: 'UpdateGroup',
  permission: async ({ input, app }) => ['iam:UpdateGroup', await groupResource(app, input.GroupName)],
  handle: async ({ input, app }) => {
    const group = await requireGroup(app, input.GroupName);
    const result = await app.store.renameEntity('group', group.groupId, {
      name: input.NewGroupName,
      path: input.NewPath,
    });
    // UNCONFIRMED: the wording of a rename onto a taken name (CreateGroup's).
    if (result === 'exists') throw errors.entityAlreadyExists(`Group with name ${input.NewGroupName} already exists.`);
    if (result === 'missing') throw errors.noSuchEntity(`The group with name ${input.GroupName} cannot be found.`);
  },
});
