import { methodNames } from './common.js';

/** A JWT signing key of outbound identity federation (GetWebIdentityToken). */
export interface OutboundSigningKeyRecord {
  accountId: string;
  /** The key id (`kid`): the RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: 'RS256' | 'ES384';
  /** The private key (PKCS#8 PEM) sealed under the master key, bound to the kid. */
  privateKeyEncrypted: string;
  /** The public key as a JWK (JSON text, with kid, alg and use). */
  publicJwk: string;
  createdAt: number;
}

/** An account's outbound identity federation: whether it is on, and (while it is) its signing keys. */
export interface OutboundFederationRecord {
  accountId: string;
  enabled: boolean;
  /** When it was last enabled or disabled. */
  changedAt: number;
  /** Empty while disabled: disabling deletes the keys, enabling again makes new ones. */
  keys: OutboundSigningKeyRecord[];
}

export interface OutboundFederationStore {
  /** Undefined when the account never enabled outbound identity federation. */
  getOutboundFederation(accountId: string): Promise<OutboundFederationRecord | undefined>;
  /** Turns it on with these (new) keys; false, changing nothing, when it is on already. Atomic. */
  enableOutboundFederation(accountId: string, keys: OutboundSigningKeyRecord[], at: number): Promise<boolean>;
  /** Turns it off and deletes the keys; false when it was not on. */
  disableOutboundFederation(accountId: string, at: number): Promise<boolean>;
}

export const OUTBOUND_FEDERATION_STORE_METHODS = methodNames<OutboundFederationStore>()([
  'getOutboundFederation',
  'enableOutboundFederation',
  'disableOutboundFederation',
]);
