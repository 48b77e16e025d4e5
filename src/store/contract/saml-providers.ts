import { methodNames, type Tag } from './common.js';

/** An IAM SAML provider: the identity provider whose signed SAML responses AssumeRoleWithSAML accepts for this account. */
export interface SamlProviderRecord {
  accountId: string;
  /** `arn:aws:iam::ACCOUNT:saml-provider/NAME`. */
  arn: string;
  name: string;
  /** The SAML metadata document as uploaded (checked when stored: see federation/saml-provider.ts). */
  metadata: string;
  /** The metadata's validUntil, if it has one. */
  validUntil?: number;
  createdAt: number;
  tags: Tag[];
}

export interface SamlProviderStore {
  /** Adds a provider unless its ARN exists or the account has `maxPerAccount` already; atomic. */
  createSamlProvider(
    provider: SamlProviderRecord,
    maxPerAccount: number,
  ): Promise<'created' | 'exists' | 'limit-exceeded'>;
  getSamlProvider(arn: string): Promise<SamlProviderRecord | undefined>;
  /** The account's providers, in ARN order. */
  listSamlProviders(accountId: string): Promise<SamlProviderRecord[]>;
  /** Replaces the metadata document; false when there is no such provider. */
  updateSamlProviderMetadata(arn: string, metadata: string, validUntil: number | undefined): Promise<boolean>;
  /** False when it was gone. */
  deleteSamlProvider(arn: string): Promise<boolean>;
}

export const SAML_PROVIDER_STORE_METHODS = methodNames<SamlProviderStore>()([
  'createSamlProvider',
  'getSamlProvider',
  'listSamlProviders',
  'updateSamlProviderMetadata',
  'deleteSamlProvider',
]);
