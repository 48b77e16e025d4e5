/** IAM roles: CreateRole (optionally with a permissions boundary), GetRole, ListRoles, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole. */
import { addRequestTagKeys } from '../service/authorize.js';
import { roleArn } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { RoleRecord, Tag } from '../store/store.js';
import { newUniqueId } from '../tokens/ids.js';
import { boundaryOutput, listResource, requireRole, roleResource } from './lookup.js';
import { checkBoundary } from './permissions-boundaries.js';
import { boundaryKey } from './policy-owners.js';
import { checkTrustPolicy, encodePolicyDocument } from './policy-documents.js';
import { checkTags } from './tags.js';

const DEFAULT_MAX_SESSION_DURATION = 3600;

/** GetRole's RoleLastUsed: the last time a session of the role was issued, and in which region (empty if never). */
export function lastUsed(app: App, r: RoleRecord) {
  const stored = r.lastUsedAt === undefined ? undefined : { at: r.lastUsedAt, region: r.lastUsedRegion! };
  const used = app.roleUses.latest(r.roleId, stored);
  return used ? { LastUsedDate: new Date(used.at), Region: used.region } : {};
}

/** The Role structure; `full` adds what GetRole shows and ListRoles leaves out. */
export function roleOutput(r: RoleRecord, full = true) {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: roleArn(r.accountId, r.path, r.roleName),
    CreateDate: new Date(r.createdAt),
    AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: full ? boundaryOutput(r.permissionsBoundary) : undefined,
    ...(full ? { Tags: r.tags.length ? r.tags : undefined } : {}),
  };
}

export const createRole = operation({
  service: 'iam',
  name: 'CreateRole',
  permission: ({ input, app }) => [
    'iam:CreateRole',
    roleArn(app.accountId, input.Path ?? '/', input.RoleName),
    addRequestTagKeys(boundaryKey(input.PermissionsBoundary), input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    checkTags(input.Tags);
    await checkTrustPolicy(app, input.AssumeRolePolicyDocument);
    if (input.PermissionsBoundary !== undefined) await checkBoundary(app, input.PermissionsBoundary);
    const role: RoleRecord = {
      accountId: app.accountId,
      roleId: newUniqueId('AROA', app.accountId),
      roleName: input.RoleName,
      path: input.Path ?? '/',
      createdAt: request.time,
      trustPolicy: input.AssumeRolePolicyDocument,
      description: input.Description,
      maxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
      tags: input.Tags ?? [],
      permissionsBoundary: input.PermissionsBoundary,
    };
    if (!(await app.store.createRole(role)))
      throw errors.entityAlreadyExists(`Role with name ${input.RoleName} already exists.`);
    // CreateRole's Role has no MaxSessionDuration (LocalStack's test_create_describe_role snapshot; UNCONFIRMED when
    // one is given), which GetRole and ListRoles show.
    return { Role: { ...roleOutput(role), MaxSessionDuration: undefined } };
  },
});

export const getRole = operation({
  service: 'iam',
  name: 'GetRole',
  permission: async ({ input, app }) => ['iam:GetRole', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    return { Role: { ...roleOutput(role), RoleLastUsed: lastUsed(app, role) } };
  },
});

export const listRoles = operation({
  service: 'iam',
  name: 'ListRoles',
  permission: ({ app }) => ['iam:ListRoles', listResource(app, 'role')],
  handle: async ({ input, app }) => {
    const page = await app.store.listRoles(app.accountId, {
      pathPrefix: input.PathPrefix,
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      Roles: page.items.map((r) => roleOutput(r, false)),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const updateRole = operation({
  service: 'iam',
  name: 'UpdateRole',
  permission: async ({ input, app }) => ['iam:UpdateRole', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    await app.store.updateRole(role.roleId, {
      description: input.Description,
      maxSessionDuration: input.MaxSessionDuration,
    });
    return {};
  },
});

/** The older UpdateRole for the description alone, which answers with the role (Terraform still calls it). */
export const updateRoleDescription = operation({
  service: 'iam',
  name: 'UpdateRoleDescription',
  permission: async ({ input, app }) => ['iam:UpdateRoleDescription', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    await app.store.updateRole(role.roleId, { description: input.Description });
    // As CreateRole's: no MaxSessionDuration, no RoleLastUsed (LocalStack's recorded test_update_role snapshot).
    return { Role: { ...roleOutput({ ...role, description: input.Description }), MaxSessionDuration: undefined } };
  },
});

export const updateAssumeRolePolicy = operation({
  service: 'iam',
  name: 'UpdateAssumeRolePolicy',
  permission: async ({ input, app }) => ['iam:UpdateAssumeRolePolicy', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    await checkTrustPolicy(app, input.PolicyDocument);
    await app.store.updateRole(role.roleId, { trustPolicy: input.PolicyDocument });
  },
});

export const deleteRole = operation({
  service: 'iam',
  name: 'DeleteRole',
  permission: async ({ input, app }) => ['iam:DeleteRole', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    const result = await app.store.deleteRole(role.roleId);
    if (result === 'in-instance-profile')
      throw errors.deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
    if (result === 'has-policies') throw errors.deleteConflict('Cannot delete entity, must delete policies first.');
    if (result === 'has-attached-policies')
      throw errors.deleteConflict('Cannot delete entity, must detach all policies first.');
    if (result === 'missing') throw errors.noSuchEntity(`The role with name ${input.RoleName} cannot be found.`);
  },
});
