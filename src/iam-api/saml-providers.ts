/**
 * IAM SAML providers: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders, UpdateSAMLProvider,
 * DeleteSAMLProvider and the provider's tags. A provider is what AssumeRoleWithSAML trusts: responses signed by a
 * certificate of its metadata, with its entityID as Issuer. The metadata is read when it is stored, so a document
 * AssumeRoleWithSAML could not use is refused up front (InvalidInput) instead of failing every sign-in later.
 *
 * Not supported: SAML assertion encryption (AssertionEncryptionMode, AddPrivateKey, RemovePrivateKey); a request
 * that asks for it is refused rather than silently stored.
 */
import { requestTagKeys } from '../service/authorize.js';
import {
  readSamlMetadata,
  samlProviderArn,
  SamlMetadataRejected,
  type SamlMetadata,
} from '../federation/saml-provider.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { SamlProviderRecord, Tag } from '../store/store.js';
import { listResource } from './lookup.js';
import { arnTagOperations, checkTags } from './tags.js';

/** AWS's quota of SAML providers per account. */
const MAX_PROVIDERS = 100;

// UNCONFIRMED wording, as AWS has been seen to answer a GetSAMLProvider for an ARN it does not know.
const notFound = (arn: string) => errors.noSuchEntity(`Manifest not found for arn ${arn}`);

interface EncryptionInput {
  AssertionEncryptionMode?: string;
  AddPrivateKey?: string;
  RemovePrivateKey?: string;
}

function refuseEncryption(input: EncryptionInput): void {
  if (
    input.AssertionEncryptionMode !== undefined ||
    input.AddPrivateKey !== undefined ||
    input.RemovePrivateKey !== undefined
  ) {
    throw errors.invalidInput(
      'SAML assertion encryption (AssertionEncryptionMode, AddPrivateKey, RemovePrivateKey) is not supported by this server.',
    );
  }
}

function metadataOf(document: string): SamlMetadata {
  try {
    return readSamlMetadata(document);
  } catch (err) {
    if (err instanceof SamlMetadataRejected) throw errors.invalidInput(err.message);
    throw err;
  }
}

async function requireProvider(app: App, arn: string): Promise<SamlProviderRecord> {
  const provider = await app.store.getSamlProvider(arn);
  if (!provider || provider.accountId !== app.accountId) throw notFound(arn);
  return provider;
}

interface ByArn {
  SAMLProviderArn: string;
}
/** The permission of an operation on one provider: the action on the provider's ARN. */
const onProvider =
  (action: string) =>
  ({ input }: { input: ByArn }) =>
    [action, input.SAMLProviderArn] as [string, string];

export const createSAMLProvider = operation({
  service: 'iam',
  name: 'CreateSAMLProvider',
  permission: ({ input, app }) => [
    'iam:CreateSAMLProvider',
    samlProviderArn(app.accountId, input.Name),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    refuseEncryption(input);
    checkTags(input.Tags);
    const metadata = metadataOf(input.SAMLMetadataDocument);
    const arn = samlProviderArn(app.accountId, input.Name);
    const r = await app.store.createSamlProvider(
      {
        accountId: app.accountId,
        arn,
        name: input.Name,
        metadata: input.SAMLMetadataDocument,
        validUntil: metadata.validUntil,
        createdAt: request.time,
        tags: input.Tags ?? [],
      },
      MAX_PROVIDERS,
    );
    // UNCONFIRMED wording of both.
    if (r === 'exists') throw errors.entityAlreadyExists(`SAMLProvider ${input.Name} already exists.`);
    if (r === 'limit-exceeded')
      throw errors.limitExceeded(`Cannot exceed quota for SAMLProvidersPerAccount: ${MAX_PROVIDERS}`);
    return { SAMLProviderArn: arn, Tags: input.Tags?.length ? input.Tags : undefined };
  },
});

export const getSAMLProvider = operation({
  service: 'iam',
  name: 'GetSAMLProvider',
  permission: onProvider('iam:GetSAMLProvider'),
  handle: async ({ input, app }) => {
    const p = await requireProvider(app, input.SAMLProviderArn);
    return {
      SAMLMetadataDocument: p.metadata,
      CreateDate: new Date(p.createdAt),
      ValidUntil: p.validUntil === undefined ? undefined : new Date(p.validUntil),
      // Both lists are sent even when empty (LocalStack's recorded test_get_saml_provider snapshot); no private keys
      // are held here. deliberate: no SAMLProviderUUID (no such id is stored) and no AssertionEncryptionMode (only
      // plain assertions are read, so neither "Allowed" nor "Required" would be true).
      Tags: p.tags,
      PrivateKeyList: [],
    };
  },
});

export const listSAMLProviders = operation({
  service: 'iam',
  name: 'ListSAMLProviders',
  permission: ({ app }) => ['iam:ListSAMLProviders', listResource(app, 'saml-provider')],
  handle: async ({ app }) => ({
    SAMLProviderList: (await app.store.listSamlProviders(app.accountId)).map((p) => ({
      Arn: p.arn,
      ValidUntil: p.validUntil === undefined ? undefined : new Date(p.validUntil),
      CreateDate: new Date(p.createdAt),
    })),
  }),
});

export const updateSAMLProvider = operation({
  service: 'iam',
  name: 'UpdateSAMLProvider',
  permission: onProvider('iam:UpdateSAMLProvider'),
  handle: async ({ input, app }) => {
    refuseEncryption(input);
    // Optional in the model since encryption settings arrived; without encryption there is nothing else to update.
    if (input.SAMLMetadataDocument === undefined)
      throw errors.invalidInput(
        'SAMLMetadataDocument is required: this server supports no other change to a SAML provider.',
      );
    const p = await requireProvider(app, input.SAMLProviderArn);
    const metadata = metadataOf(input.SAMLMetadataDocument);
    if (!(await app.store.updateSamlProviderMetadata(p.arn, input.SAMLMetadataDocument, metadata.validUntil)))
      throw notFound(p.arn);
    return { SAMLProviderArn: p.arn };
  },
});

/** Unlike DeleteOpenIDConnectProvider, a missing provider is NoSuchEntity: the model lists that error. */
export const deleteSAMLProvider = operation({
  service: 'iam',
  name: 'DeleteSAMLProvider',
  permission: onProvider('iam:DeleteSAMLProvider'),
  handle: async ({ input, app }) => {
    const p = await requireProvider(app, input.SAMLProviderArn);
    if (!(await app.store.deleteSamlProvider(p.arn))) throw notFound(p.arn);
  },
});

/** TagSAMLProvider, UntagSAMLProvider, ListSAMLProviderTags. */
export const samlProviderTagOperations = arnTagOperations({
  noun: 'SAMLProvider',
  arnMember: 'SAMLProviderArn',
  entity: 'saml-provider',
  quota: 'TagsPerSAMLProvider',
  find: requireProvider,
});
