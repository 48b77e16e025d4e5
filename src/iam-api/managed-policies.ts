/**
 * Customer managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
 * CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion, and the
 * policies' tags (TagPolicy, UntagPolicy, ListPolicyTags).
 * AWS managed policies (arn:aws:iam::aws:policy/...) can be read and attached, not changed.
 */
import { requestTagKeys } from '../service/authorize.js';
import { PARTITION } from '../iam/principal.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { ManagedPolicyRecord, PolicyVersionRecord, Tag } from '../store/store.js';
import { newUniqueId } from '../tokens/ids.js';
import { listResource, pageOf, requirePolicy } from './lookup.js';
import { checkManagedPolicy, encodePolicyDocument } from './policy-documents.js';
import { checkTags, retag } from './tags.js';

const MAX_VERSIONS = 5;

export const policyArn = (accountId: string, path: string, name: string) =>
  `arn:${PARTITION}:iam::${accountId}:policy${path}${name}`;

/**
 * The Policy structure as each operation shows it (recorded against AWS): GetPolicy has the description and the tags,
 * an empty list included; CreatePolicy no description and the tags only when given; ListPolicies neither.
 */
export function policyOutput(p: ManagedPolicyRecord, view: 'get' | 'create' | 'list' = 'get') {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount ?? 0,
    PermissionsBoundaryUsageCount: p.permissionsBoundaryUsageCount ?? 0,
    IsAttachable: true,
    Description: view === 'get' ? p.description : undefined,
    CreateDate: new Date(p.createdAt),
    UpdateDate: new Date(p.updatedAt),
    Tags: view === 'get' || (view === 'create' && p.tags.length) ? p.tags : undefined,
  };
}

const versionOutput = (v: PolicyVersionRecord, defaultVersionId: string, withDocument: boolean) => ({
  Document: withDocument ? encodePolicyDocument(v.document) : undefined,
  VersionId: v.versionId,
  IsDefaultVersion: v.versionId === defaultVersionId,
  CreateDate: new Date(v.createdAt),
});

/** A policy of this account that may be changed. UNCONFIRMED: AWS's error for changing an AWS managed policy. */
async function ownPolicy(app: App, arn: string): Promise<ManagedPolicyRecord> {
  const policy = await requirePolicy(app, arn);
  if (policy.accountId === 'aws')
    throw errors.invalidInput(`Policy ${arn} is an AWS managed policy and cannot be modified.`);
  return policy;
}

const noSuchVersion = (arn: string, versionId: string) =>
  errors.noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);

export const createPolicy = operation({
  service: 'iam',
  name: 'CreatePolicy',
  permission: ({ input, app }) => [
    'iam:CreatePolicy',
    policyArn(app.accountId, input.Path ?? '/', input.PolicyName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    checkTags(input.Tags);
    checkManagedPolicy(input.PolicyDocument);
    const path = input.Path ?? '/';
    const policy: ManagedPolicyRecord = {
      accountId: app.accountId,
      policyId: newUniqueId('ANPA', app.accountId),
      arn: policyArn(app.accountId, path, input.PolicyName),
      policyName: input.PolicyName,
      path,
      description: input.Description,
      defaultVersionId: 'v1',
      createdAt: request.time,
      updatedAt: request.time,
      tags: input.Tags ?? [],
      attachmentCount: 0,
      permissionsBoundaryUsageCount: 0,
    };
    if (!(await app.store.createManagedPolicy(policy, input.PolicyDocument))) {
      throw errors.entityAlreadyExists(
        `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`,
      );
    }
    return { Policy: policyOutput(policy, 'create') };
  },
});

export const getPolicy = operation({
  service: 'iam',
  name: 'GetPolicy',
  permission: ({ input }) => ['iam:GetPolicy', input.PolicyArn],
  handle: async ({ input, app }) => ({ Policy: policyOutput(await requirePolicy(app, input.PolicyArn)) }),
});

export const listPolicies = operation({
  service: 'iam',
  name: 'ListPolicies',
  permission: ({ app }) => ['iam:ListPolicies', listResource(app, 'policy')],
  handle: async ({ input, app }) => {
    const page = await app.store.listManagedPolicies(app.accountId, {
      scope: input.Scope ?? 'All',
      onlyAttached: input.OnlyAttached ?? false,
      pathPrefix: input.PathPrefix,
      marker: input.Marker,
      maxItems: input.MaxItems ?? 100,
    });
    return {
      Policies: page.items.map((p) => policyOutput(p, 'list')),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
});

export const deletePolicy = operation({
  service: 'iam',
  name: 'DeletePolicy',
  permission: ({ input }) => ['iam:DeletePolicy', input.PolicyArn],
  handle: async ({ input, app }) => {
    await ownPolicy(app, input.PolicyArn);
    const result = await app.store.deleteManagedPolicy(input.PolicyArn);
    // Attached to an entity or used as a permissions boundary: AWS answers both alike.
    if (result === 'attached') throw errors.deleteConflict('Cannot delete a policy attached to entities.');
    if (result === 'has-versions') {
      throw errors.deleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    if (result === 'missing') throw errors.noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
  },
});

export const createPolicyVersion = operation({
  service: 'iam',
  name: 'CreatePolicyVersion',
  permission: ({ input }) => ['iam:CreatePolicyVersion', input.PolicyArn],
  handle: async ({ input, request, app }) => {
    const policy = await ownPolicy(app, input.PolicyArn);
    checkManagedPolicy(input.PolicyDocument);
    const setAsDefault = input.SetAsDefault ?? false;
    const v = await app.store.createPolicyVersion(
      policy.policyId,
      input.PolicyDocument,
      setAsDefault,
      request.time,
      MAX_VERSIONS,
    );
    if (v === 'missing') throw errors.noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
    if (v === 'limit-exceeded') {
      throw errors.limitExceeded(
        `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    return { PolicyVersion: versionOutput(v, setAsDefault ? v.versionId : policy.defaultVersionId, false) };
  },
});

export const getPolicyVersion = operation({
  service: 'iam',
  name: 'GetPolicyVersion',
  permission: ({ input }) => ['iam:GetPolicyVersion', input.PolicyArn],
  handle: async ({ input, app }) => {
    const policy = await requirePolicy(app, input.PolicyArn);
    const v = await app.store.getPolicyVersion(policy.policyId, input.VersionId);
    if (!v) throw noSuchVersion(input.PolicyArn, input.VersionId);
    return { PolicyVersion: versionOutput(v, policy.defaultVersionId, true) };
  },
});

export const listPolicyVersions = operation({
  service: 'iam',
  name: 'ListPolicyVersions',
  permission: ({ input }) => ['iam:ListPolicyVersions', input.PolicyArn],
  handle: async ({ input, app }) => {
    const policy = await requirePolicy(app, input.PolicyArn);
    const versions = await app.store.listPolicyVersions(policy.policyId);
    return { Versions: versions.map((v) => versionOutput(v, policy.defaultVersionId, false)), IsTruncated: false };
  },
});

export const deletePolicyVersion = operation({
  service: 'iam',
  name: 'DeletePolicyVersion',
  permission: ({ input }) => ['iam:DeletePolicyVersion', input.PolicyArn],
  handle: async ({ input, app }) => {
    const policy = await ownPolicy(app, input.PolicyArn);
    const r = await app.store.deletePolicyVersion(policy.policyId, input.VersionId);
    if (r === 'is-default') throw errors.deleteConflict('Cannot delete the default version of a policy.');
    if (r === 'missing') throw noSuchVersion(input.PolicyArn, input.VersionId);
  },
});

export const setDefaultPolicyVersion = operation({
  service: 'iam',
  name: 'SetDefaultPolicyVersion',
  permission: ({ input }) => ['iam:SetDefaultPolicyVersion', input.PolicyArn],
  handle: async ({ input, request, app }) => {
    const policy = await ownPolicy(app, input.PolicyArn);
    if (!(await app.store.setDefaultPolicyVersion(policy.policyId, input.VersionId, request.time)))
      throw noSuchVersion(input.PolicyArn, input.VersionId);
  },
});

// UNCONFIRMED: the quota's name in the error of a 51st tag.
const TAG_QUOTA = 'TagsPerPolicy';

export const tagPolicy = operation({
  service: 'iam',
  name: 'TagPolicy',
  permission: ({ input }) => ['iam:TagPolicy', input.PolicyArn, requestTagKeys(input.Tags)],
  handle: async ({ input, app }) => {
    checkTags(input.Tags);
    const policy = await ownPolicy(app, input.PolicyArn);
    await retag(app, 'policy', policy.policyId, TAG_QUOTA, input.Tags, []);
  },
});

export const untagPolicy = operation({
  service: 'iam',
  name: 'UntagPolicy',
  permission: ({ input }) => ['iam:UntagPolicy', input.PolicyArn, { 'aws:TagKeys': input.TagKeys }],
  handle: async ({ input, app }) => {
    const policy = await ownPolicy(app, input.PolicyArn);
    await retag(app, 'policy', policy.policyId, TAG_QUOTA, [], input.TagKeys);
  },
});

export const listPolicyTags = operation({
  service: 'iam',
  name: 'ListPolicyTags',
  permission: ({ input }) => ['iam:ListPolicyTags', input.PolicyArn],
  handle: async ({ input, app }) => {
    const policy = await requirePolicy(app, input.PolicyArn);
    const page = pageOf(policy.tags, (t) => t.Key, input.Marker, input.MaxItems);
    return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
});
