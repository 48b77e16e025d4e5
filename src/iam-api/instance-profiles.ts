/**
 * Instance profiles, the containers that pass a role to EC2 instances: CreateInstanceProfile, GetInstanceProfile,
 * ListInstanceProfiles, ListInstanceProfilesForRole, DeleteInstanceProfile, AddRoleToInstanceProfile,
 * RemoveRoleFromInstanceProfile and their tags. OpenSTS runs no instances; the profiles are kept so that tools
 * that manage them (Terraform's aws_iam_instance_profile, and its role deletion, which lists them) work.
 */
import { authorize, requestTagKeys } from '../service/authorize.js';
import { PARTITION, roleArn } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { InstanceProfileRecord, RoleRecord, Tag } from '../store/store.js';
import { newUniqueId } from '../tokens/ids.js';
import { listResource, pageOf, requireRole, roleResource } from './lookup.js';
import { encodePolicyDocument } from './policy-documents.js';
import { checkTags, retag } from './tags.js';

export const instanceProfileArn = (accountId: string, path: string, name: string) =>
  `arn:${PARTITION}:iam::${accountId}:instance-profile${path}${name}`;

const notFound = (name: string) => errors.noSuchEntity(`Instance Profile ${name} cannot be found.`);

async function requireProfile(app: App, name: string): Promise<InstanceProfileRecord> {
  const profile = await app.store.getInstanceProfileByName(app.accountId, name);
  if (!profile) throw notFound(name);
  return profile;
}

/** The ARN permissions are checked on: the profile's real path, the root path when it does not exist. */
async function profileResource(app: App, name: string): Promise<string> {
  const profile = await app.store.getInstanceProfileByName(app.accountId, name);
  return instanceProfileArn(app.accountId, profile?.path ?? '/', profile?.name ?? name);
}

/** A role as AWS lists it inside an instance profile: without description, session duration, boundary or tags. */
const profileRole = (r: RoleRecord) => ({
  Path: r.path,
  RoleName: r.roleName,
  RoleId: r.roleId,
  Arn: roleArn(r.accountId, r.path, r.roleName),
  CreateDate: new Date(r.createdAt),
  AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
});

/**
 * The InstanceProfile structure. GetInstanceProfile always shows Tags (an empty list too), CreateInstanceProfile
 * only when some were given, the lists never (LocalStack's snapshots recorded against AWS).
 */
export function instanceProfileOutput(p: InstanceProfileRecord, tags: 'always' | 'when-set' | 'never') {
  return {
    Path: p.path,
    InstanceProfileName: p.name,
    InstanceProfileId: p.instanceProfileId,
    Arn: instanceProfileArn(p.accountId, p.path, p.name),
    CreateDate: new Date(p.createdAt),
    Roles: p.role ? [profileRole(p.role)] : [],
    Tags: tags === 'always' || (tags === 'when-set' && p.tags.length) ? p.tags : undefined,
  };
}

export const createInstanceProfile = operation({
  service: 'iam',
  name: 'CreateInstanceProfile',
  permission: ({ input, app }) => [
    'iam:CreateInstanceProfile',
    instanceProfileArn(app.accountId, input.Path ?? '/', input.InstanceProfileName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    checkTags(input.Tags);
    const profile: InstanceProfileRecord = {
      accountId: app.accountId,
      instanceProfileId: newUniqueId('AIPA', app.accountId),
      name: input.InstanceProfileName,
      path: input.Path ?? '/',
      createdAt: request.time,
      tags: input.Tags ?? [],
    };
    if (!(await app.store.createInstanceProfile(profile))) {
      throw errors.entityAlreadyExists(`Instance Profile ${input.InstanceProfileName} already exists.`);
    }
    return { InstanceProfile: instanceProfileOutput(profile, 'when-set') };
  },
});

export const getInstanceProfile = operation({
  service: 'iam',
  name: 'GetInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:GetInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
  ],
  handle: async ({ input, app }) => ({
    InstanceProfile: instanceProfileOutput(await requireProfile(app, input.InstanceProfileName), 'always'),
  }),
});

export const listInstanceProfiles = operation({
  service: 'iam',
  name: 'ListInstanceProfiles',
  permission: ({ app }) => ['iam:ListInstanceProfiles', listResource(app, 'instance-profile')],
  handle: async ({ input, app }) => {
    const page = await app.store.listInstanceProfiles(app.accountId, {
      pathPrefix: input.PathPrefix,
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      InstanceProfiles: page.items.map((p) => instanceProfileOutput(p, 'never')),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const listInstanceProfilesForRole = operation({
  service: 'iam',
  name: 'ListInstanceProfilesForRole',
  permission: async ({ input, app }) => ['iam:ListInstanceProfilesForRole', await roleResource(app, input.RoleName)],
  handle: async ({ input, app }) => {
    const role = await requireRole(app, input.RoleName);
    const page = await app.store.listInstanceProfilesForRole(role.roleId, {
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      InstanceProfiles: page.items.map((p) => instanceProfileOutput(p, 'never')),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const deleteInstanceProfile = operation({
  service: 'iam',
  name: 'DeleteInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:DeleteInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
  ],
  handle: async ({ input, app }) => {
    const profile = await requireProfile(app, input.InstanceProfileName);
    const result = await app.store.deleteInstanceProfile(profile.instanceProfileId);
    if (result === 'has-role')
      throw errors.deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
    if (result === 'missing') throw notFound(input.InstanceProfileName);
  },
});

/** AWS's quota of roles per instance profile, which cannot be raised. */
const ROLES_PER_PROFILE = 1;

export const addRoleToInstanceProfile = operation({
  service: 'iam',
  name: 'AddRoleToInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:AddRoleToInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
  ],
  handle: async (call) => {
    const { input, app } = call;
    const profile = await requireProfile(app, input.InstanceProfileName);
    const role = await requireRole(app, input.RoleName);
    // Whoever puts a role in a profile hands it to the instances that will use it: AWS asks for iam:PassRole too.
    await authorize(call, 'iam:PassRole', roleArn(role.accountId, role.path, role.roleName));
    const result = await app.store.addRoleToInstanceProfile(profile.instanceProfileId, role.roleId);
    // UNCONFIRMED: AWS's answer when the profile already holds this same role (taken to be the quota too).
    if (result === 'limit-exceeded')
      throw errors.limitExceeded(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_PROFILE}`);
    if (result === 'no-such-role') throw errors.noSuchEntity(`The role with name ${input.RoleName} cannot be found.`);
    if (result === 'missing') throw notFound(input.InstanceProfileName);
  },
});

export const removeRoleFromInstanceProfile = operation({
  service: 'iam',
  name: 'RemoveRoleFromInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:RemoveRoleFromInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
  ],
  handle: async ({ input, app }) => {
    const profile = await requireProfile(app, input.InstanceProfileName);
    const role = await requireRole(app, input.RoleName);
    if (!(await app.store.removeRoleFromInstanceProfile(profile.instanceProfileId, role.roleId))) {
      throw errors.noSuchEntity(
        `Role ${input.RoleName} in Instance Profile ${input.InstanceProfileName} cannot be found.`,
      );
    }
  },
});

// UNCONFIRMED: the quota's name in the error of a 51st tag.
const TAG_QUOTA = 'TagsPerInstanceProfile';

export const tagInstanceProfile = operation({
  service: 'iam',
  name: 'TagInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:TagInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, app }) => {
    checkTags(input.Tags);
    const profile = await requireProfile(app, input.InstanceProfileName);
    await retag(app, 'instance-profile', profile.instanceProfileId, TAG_QUOTA, input.Tags, []);
  },
});

export const untagInstanceProfile = operation({
  service: 'iam',
  name: 'UntagInstanceProfile',
  permission: async ({ input, app }) => [
    'iam:UntagInstanceProfile',
    await profileResource(app, input.InstanceProfileName),
    { 'aws:TagKeys': input.TagKeys },
  ],
  handle: async ({ input, app }) => {
    const profile = await requireProfile(app, input.InstanceProfileName);
    await retag(app, 'instance-profile', profile.instanceProfileId, TAG_QUOTA, [], input.TagKeys);
  },
});

export const listInstanceProfileTags = operation({
  service: 'iam',
  name: 'ListInstanceProfileTags',
  permission: async ({ input, app }) => [
    'iam:ListInstanceProfileTags',
    await profileResource(app, input.InstanceProfileName),
  ],
  handle: async ({ input, app }) => {
    const profile = await requireProfile(app, input.InstanceProfileName);
    const page = pageOf(profile.tags, (t) => t.Key, input.Marker, input.MaxItems);
    return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
});
