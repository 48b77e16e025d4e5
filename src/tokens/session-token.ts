/**
 * Session tokens are self-contained: everything needed to verify a request signed with temporary credentials
 * travels sealed (AES-256-GCM) inside the token, so any node holding the keyring verifies it without a database
 * read and the server keeps no row per session.
 *
 * Layout (then base64): version (1 byte) | token key id (uint32 BE) | nonce | ciphertext | tag.
 * The associated data is the 5-byte header plus the access key id: a token opens only with the key id it was
 * issued with, and any flipped bit is refused. Version 2 marks a deflated payload (large session policies).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { open, seal } from './aead.js';
import type { Keyring } from './keyring.js';

/** What a session carries. Times are epoch milliseconds in memory, seconds on the wire. */
export interface SessionClaims {
  /** The temporary secret access key. */
  secretAccessKey: string;
  accountId: string;
  /** 'session' (GetSessionToken), 'role' (AssumeRole*), 'federated' (GetFederationToken). */
  kind: 'session' | 'role' | 'federated';
  /** The long-term access key the session was made from (session, federated): refused when it is. */
  sourceAccessKeyId?: string;
  roleId?: string;
  roleSessionName?: string;
  federatedName?: string;
  issuedAt: number;
  expiresAt: number;
  /** When MFA was presented, if it was. */
  mfaAuthenticatedAt?: number;
  /** The region whose endpoint issued the token. */
  region?: string;
}

type Wire = {
  s: string; a: string; k: 's' | 'r' | 'f'; src?: string; rid?: string; rsn?: string; fn?: string;
  iat: number; exp: number; mfa?: number; rg?: string;
};

const KIND_TO_WIRE = { session: 's', role: 'r', federated: 'f' } as const;
const WIRE_TO_KIND = { s: 'session', r: 'role', f: 'federated' } as const;
const PLAIN = 1;
const DEFLATED = 2;
const DEFLATE_ABOVE = 768;
const HEADER = 5;

const seconds = (ms: number) => Math.floor(ms / 1000);

function toWire(c: SessionClaims): Wire {
  const w: Wire = { s: c.secretAccessKey, a: c.accountId, k: KIND_TO_WIRE[c.kind], iat: seconds(c.issuedAt), exp: seconds(c.expiresAt) };
  if (c.sourceAccessKeyId) w.src = c.sourceAccessKeyId;
  if (c.roleId) w.rid = c.roleId;
  if (c.roleSessionName) w.rsn = c.roleSessionName;
  if (c.federatedName) w.fn = c.federatedName;
  if (c.mfaAuthenticatedAt !== undefined) w.mfa = seconds(c.mfaAuthenticatedAt);
  if (c.region) w.rg = c.region;
  return w;
}

function fromWire(w: Wire): SessionClaims | undefined {
  const kind = WIRE_TO_KIND[w.k];
  if (!kind || typeof w.s !== 'string' || typeof w.a !== 'string' || typeof w.iat !== 'number' || typeof w.exp !== 'number') return undefined;
  return {
    secretAccessKey: w.s, accountId: w.a, kind, sourceAccessKeyId: w.src, roleId: w.rid, roleSessionName: w.rsn,
    federatedName: w.fn, issuedAt: w.iat * 1000, expiresAt: w.exp * 1000,
    mfaAuthenticatedAt: w.mfa === undefined ? undefined : w.mfa * 1000, region: w.rg,
  };
}

export class SessionTokenCodec {
  constructor(private readonly keyring: Keyring) {}

  /** Seals the claims for the given temporary access key id. */
  encode(accessKeyId: string, claims: SessionClaims): string {
    const { id, key } = this.keyring.active();
    let payload = Buffer.from(JSON.stringify(toWire(claims)), 'utf8');
    const version = payload.length > DEFLATE_ABOVE ? DEFLATED : PLAIN;
    if (version === DEFLATED) payload = deflateRawSync(payload);
    const header = Buffer.allocUnsafe(HEADER);
    header[0] = version;
    header.writeUInt32BE(id, 1);
    return Buffer.concat([header, seal(key, payload, aad(header, accessKeyId))]).toString('base64');
  }

  /** The claims, or undefined for anything that is not a token we sealed for this access key id. */
  async decode(accessKeyId: string, token: string): Promise<SessionClaims | undefined> {
    if (token.length < 16 || token.length > 16384) return undefined;
    const raw = Buffer.from(token, 'base64');
    // Buffer.from ignores characters outside base64; re-encoding catches a token that was altered that way.
    if (raw.length < HEADER || raw.toString('base64') !== token) return undefined;
    const version = raw[0];
    if (version !== PLAIN && version !== DEFLATED) return undefined;
    const tokenKey = await this.keyring.get(raw.readUInt32BE(1));
    if (!tokenKey) return undefined;
    const header = raw.subarray(0, HEADER);
    let payload = open(tokenKey.key, raw.subarray(HEADER), aad(header, accessKeyId));
    if (!payload) return undefined;
    try {
      if (version === DEFLATED) payload = inflateRawSync(payload, { maxOutputLength: 1 << 20 });
      return fromWire(JSON.parse(payload.toString('utf8')));
    } catch {
      return undefined;
    }
  }
}

function aad(header: Buffer, accessKeyId: string): Buffer {
  return Buffer.concat([header, Buffer.from(accessKeyId, 'latin1')]);
}
