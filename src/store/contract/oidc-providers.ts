import { methodNames, type Tag } from './common.js';

/** An IAM OpenID Connect provider: the issuer whose tokens AssumeRoleWithWebIdentity accepts for this account. */
export interface OidcProviderRecord {
  accountId: string;
  /** `arn:aws:iam::ACCOUNT:oidc-provider/<url>`. */
  arn: string;
  /** The issuer URL without `https://` (`host[:port][/path]`): the ARN's tail, and a token's `iss` after the scheme. */
  url: string;
  /** The audiences (`aud`) a token may carry. */
  clientIds: string[];
  /** SHA-1 thumbprints of the issuer's certificates, kept for IAM compatibility. */
  thumbprints: string[];
  createdAt: number;
  tags: Tag[];
}

export interface OidcProviderStore {
  /** Adds a provider unless its ARN exists or the account has `maxPerAccount` already; atomic. */
  createOidcProvider(
    provider: OidcProviderRecord,
    maxPerAccount: number,
  ): Promise<'created' | 'exists' | 'limit-exceeded'>;
  getOidcProvider(arn: string): Promise<OidcProviderRecord | undefined>;
  /** The account's providers, in ARN order. */
  listOidcProviders(accountId: string): Promise<OidcProviderRecord[]>;
  /** False when it was gone. */
  deleteOidcProvider(arn: string): Promise<boolean>;
  /** Adds and removes client ids (adding one that is there changes nothing) unless the result would exceed `max`. */
  updateOidcClientIds(
    arn: string,
    add: string[],
    remove: string[],
    max: number,
  ): Promise<'updated' | 'limit-exceeded' | 'missing'>;
  /** Replaces the thumbprint list; false when there is no such provider. */
  setOidcThumbprints(arn: string, thumbprints: string[]): Promise<boolean>;
}

export const OIDC_PROVIDER_STORE_METHODS = methodNames<OidcProviderStore>()([
  'createOidcProvider',
  'getOidcProvider',
  'listOidcProviders',
  'deleteOidcProvider',
  'updateOidcClientIds',
  'setOidcThumbprints',
]);
