/**
 * Outbound identity federation: the account is an OpenID Connect issuer whose JWTs (GetWebIdentityToken) external
 * services verify with the keys it publishes. The issuer is `<public base URL>/outbound/<account id>`; its discovery
 * document and JWKS are served, unauthenticated, under `<issuer>/.well-known/` (server/http.ts).
 *
 * Enabling makes two signing keys (RSA 2048 for RS256, P-384 for ES384). The private keys are stored sealed under
 * the master key, so every worker and every node of a shared store signs with the same keys; each process caches
 * them (decrypted) and reloads when the store's revision moves.
 */
import { generateKeyPair, createPrivateKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { RevisionCache } from '../store/revision-cache.js';
import type { OutboundFederationRecord, OutboundSigningKeyRecord, Store } from '../store/store.js';
import type { MasterKey } from '../tokens/master-key.js';

export type SigningAlgorithm = OutboundSigningKeyRecord['alg'];
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES384'];

/** The claims namespace AWS nests its own claims under. */
export const CLAIMS_NAMESPACE = 'https://sts.amazonaws.com/';

const generate = promisify(generateKeyPair);
const context = (kid: string) => `outbound-signing-key:${kid}`;

/** `<base>/outbound/<account id>`. */
export const issuerOf = (baseUrl: string, accountId: string) => `${baseUrl.replace(/\/+$/, '')}/outbound/${accountId}`;

/** A base URL for issuers (`--issuer-url`): http(s), no query or fragment; returned without a trailing slash. */
export function parseIssuerBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--issuer-url must be a URL such as https://sts.example.com, not ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`--issuer-url must be an https:// (or http://) URL, not ${value}`);
  if (url.search || url.hash || url.username || url.password)
    throw new Error(`--issuer-url must have no query, fragment or credentials: ${value}`);
  return url.toString().replace(/\/+$/, '');
}

/** New signing keys for an account, sealed for the store. */
export async function newSigningKeys(
  master: MasterKey,
  accountId: string,
  now: number,
): Promise<OutboundSigningKeyRecord[]> {
  const pairs = await Promise.all([
    generate('rsa', { modulusLength: 2048 }).then((p) => ({ alg: 'RS256' as const, ...p })),
    generate('ec', { namedCurve: 'P-384' }).then((p) => ({ alg: 'ES384' as const, ...p })),
  ]);
  return Promise.all(
    pairs.map(async ({ alg, publicKey, privateKey }) => {
      const jwk = publicKey.export({ format: 'jwk' }) as JWK;
      const kid = await calculateJwkThumbprint(jwk, 'sha256');
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      return {
        accountId,
        kid,
        alg,
        createdAt: now,
        privateKeyEncrypted: master.encrypt(pem, context(kid)),
        publicJwk: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }),
      };
    }),
  );
}

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  /** Public members only (kty, n, e / crv, x, y) with kid, alg and use. */
  publicJwk: JWK;
}

export interface OutboundFederationState {
  /** False: never enabled. */
  known: boolean;
  enabled: boolean;
  /** By algorithm; empty while disabled. */
  keys: ReadonlyMap<SigningAlgorithm, SigningKey>;
}

const NEVER: OutboundFederationState = Object.freeze({ known: false, enabled: false, keys: new Map() });

/** Each account's outbound federation state, cached per process until the store's revision moves. */
export class OutboundFederation {
  private readonly cache: RevisionCache<OutboundFederationState>;
  /** Decrypted keys by kid: a reload after an unrelated change decrypts nothing again. */
  private readonly opened = new Map<string, SigningKey>();

  constructor(
    private readonly store: Store,
    private readonly master: MasterKey,
  ) {
    this.cache = new RevisionCache(store, async (accountId) =>
      this.stateOf(await store.getOutboundFederation(accountId)),
    );
  }

  get(accountId: string): Promise<OutboundFederationState> {
    return this.cache.get(accountId);
  }

  private stateOf(record: OutboundFederationRecord | undefined): OutboundFederationState {
    if (!record) return NEVER;
    const keys = new Map<SigningAlgorithm, SigningKey>();
    if (record.enabled) {
      for (const r of record.keys) {
        let key = this.opened.get(r.kid);
        if (!key) {
          key = {
            kid: r.kid,
            alg: r.alg,
            publicJwk: JSON.parse(r.publicJwk) as JWK,
            privateKey: createPrivateKey(this.master.decrypt(r.privateKeyEncrypted, context(r.kid))),
          };
          this.opened.set(r.kid, key);
        }
        keys.set(r.alg, key);
      }
    }
    return { known: true, enabled: record.enabled, keys };
  }
}

/** The OpenID Connect discovery document of an issuer. */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', CLAIMS_NAMESPACE],
  };
}

/** The issuer's JSON Web Key Set: public keys only. */
export function jwks(state: OutboundFederationState): { keys: JWK[] } {
  return { keys: [...state.keys.values()].map((k) => k.publicJwk) };
}
