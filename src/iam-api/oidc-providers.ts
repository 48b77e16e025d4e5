/**
 * IAM OpenID Connect providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider, ListOpenIDConnectProviders,
 * DeleteOpenIDConnectProvider, Add/RemoveClientID..., UpdateOpenIDConnectProviderThumbprint and the provider's tags.
 * A provider is what AssumeRoleWithWebIdentity trusts: tokens whose `iss` is its URL and whose `aud` is one of its
 * client ids.
 */
import { requestTagKeys } from '../service/authorize.js';
import { issuerUrl, oidcProviderArn } from '../federation/oidc-provider.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { OidcProviderRecord, Tag } from '../store/store.js';
import { listResource } from './lookup.js';
import { arnTagOperations, checkTags } from './tags.js';

/** AWS's quotas. */
const MAX_PROVIDERS = 100;
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

const notFound = (arn: string) => errors.noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
const clientIdQuota = () =>
  errors.limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);

// UNCONFIRMED wording, as other AWS emulators have it.
function checkThumbprints(thumbprints: string[]): void {
  if (thumbprints.length > MAX_THUMBPRINTS)
    throw errors.invalidInput(`Thumbprint list must contain fewer than ${MAX_THUMBPRINTS} entries.`);
}

async function requireProvider(app: App, arn: string): Promise<OidcProviderRecord> {
  const provider = await app.store.getOidcProvider(arn);
  if (!provider || provider.accountId !== app.accountId) throw notFound(arn);
  return provider;
}

interface ByArn {
  OpenIDConnectProviderArn: string;
}
/** The permission of an operation on one provider: the action on the provider's ARN. */
const onProvider =
  (action: string) =>
  ({ input }: { input: ByArn }) =>
    [action, input.OpenIDConnectProviderArn] as [string, string];

export const createOpenIDConnectProvider = operation({
  service: 'iam',
  name: 'CreateOpenIDConnectProvider',
  permission: ({ input, app }) => [
    'iam:CreateOpenIDConnectProvider',
    oidcProviderArn(app.accountId, issuerUrl(input.Url) ?? input.Url),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    const url = issuerUrl(input.Url);
    // UNCONFIRMED wording.
    // AWS's words and code (LocalStack's recorded test_create_open_id_connect_provider_invalid_url snapshot).
    if (url === undefined) throw errors.validation('Invalid Open ID Connect Provider URL');
    checkTags(input.Tags);
    const thumbprints = input.ThumbprintList ?? [];
    checkThumbprints(thumbprints);
    const clientIds = [...new Set(input.ClientIDList ?? [])];
    if (clientIds.length > MAX_CLIENT_IDS) throw clientIdQuota();
    const arn = oidcProviderArn(app.accountId, url);
    const r = await app.store.createOidcProvider(
      {
        accountId: app.accountId,
        arn,
        url,
        clientIds,
        thumbprints,
        createdAt: request.time,
        tags: input.Tags ?? [],
      },
      MAX_PROVIDERS,
    );
    // UNCONFIRMED wording of both.
    if (r === 'exists') throw errors.entityAlreadyExists(`Provider with url ${input.Url} already exists.`);
    if (r === 'limit-exceeded')
      throw errors.limitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_PROVIDERS}`);
    return { OpenIDConnectProviderArn: arn, Tags: input.Tags?.length ? input.Tags : undefined };
  },
});

export const getOpenIDConnectProvider = operation({
  service: 'iam',
  name: 'GetOpenIDConnectProvider',
  permission: onProvider('iam:GetOpenIDConnectProvider'),
  handle: async ({ input, app }) => {
    const p = await requireProvider(app, input.OpenIDConnectProviderArn);
    return {
      Url: p.url,
      ClientIDList: p.clientIds,
      ThumbprintList: p.thumbprints,
      CreateDate: new Date(p.createdAt),
      // Sent even when empty (LocalStack's recorded test_get_open_id_connect_provider snapshot).
      Tags: p.tags,
    };
  },
});

export const listOpenIDConnectProviders = operation({
  service: 'iam',
  name: 'ListOpenIDConnectProviders',
  permission: ({ app }) => ['iam:ListOpenIDConnectProviders', listResource(app, 'oidc-provider')],
  handle: async ({ app }) => ({
    OpenIDConnectProviderList: (await app.store.listOidcProviders(app.accountId)).map((p) => ({ Arn: p.arn })),
  }),
});

/**
 * Not idempotent, whatever the API reference says: AWS answers 404 for a provider that is not there (LocalStack's
 * test_delete_open_id_connect_provider snapshot, recorded against AWS in 2026).
 */
export const deleteOpenIDConnectProvider = operation({
  service: 'iam',
  name: 'DeleteOpenIDConnectProvider',
  permission: onProvider('iam:DeleteOpenIDConnectProvider'),
  handle: async ({ input, app }) => {
    const p = await app.store.getOidcProvider(input.OpenIDConnectProviderArn);
    if (p?.accountId !== app.accountId)
      throw errors.noSuchEntity(`OpenId connect Provider ${input.OpenIDConnectProviderArn} cannot be found.`);
    await app.store.deleteOidcProvider(p.arn);
  },
});

/** Adding a client id that is there already, or removing one that is not, is no error (AWS documents both). */
export const addClientIDToOpenIDConnectProvider = operation({
  service: 'iam',
  name: 'AddClientIDToOpenIDConnectProvider',
  permission: onProvider('iam:AddClientIDToOpenIDConnectProvider'),
  handle: async ({ input, app }) => {
    const p = await requireProvider(app, input.OpenIDConnectProviderArn);
    const r = await app.store.updateOidcClientIds(p.arn, [input.ClientID], [], MAX_CLIENT_IDS);
    if (r === 'missing') throw notFound(p.arn);
    if (r === 'limit-exceeded') throw clientIdQuota();
  },
});

export const removeClientIDFromOpenIDConnectProvider = operation({
  service: 'iam',
  name: 'RemoveClientIDFromOpenIDConnectProvider',
  permission: onProvider('iam:RemoveClientIDFromOpenIDConnectProvider'),
  handle: async ({ input, app }) => {
    const p = await requireProvider(app, input.OpenIDConnectProviderArn);
    if ((await app.store.updateOidcClientIds(p.arn, [], [input.ClientID], MAX_CLIENT_IDS)) === 'missing')
      throw notFound(p.arn);
  },
});

export const updateOpenIDConnectProviderThumbprint = operation({
  service: 'iam',
  name: 'UpdateOpenIDConnectProviderThumbprint',
  permission: onProvider('iam:UpdateOpenIDConnectProviderThumbprint'),
  handle: async ({ input, app }) => {
    checkThumbprints(input.ThumbprintList);
    const p = await requireProvider(app, input.OpenIDConnectProviderArn);
    if (!(await app.store.setOidcThumbprints(p.arn, input.ThumbprintList))) throw notFound(p.arn);
  },
});

/** TagOpenIDConnectProvider, UntagOpenIDConnectProvider, ListOpenIDConnectProviderTags. */
export const oidcProviderTagOperations = arnTagOperations({
  noun: 'OpenIDConnectProvider',
  arnMember: 'OpenIDConnectProviderArn',
  entity: 'oidc-provider',
  quota: 'TagsPerOpenIdConnectProvider',
  find: requireProvider,
});
