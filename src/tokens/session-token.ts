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
  /**
   * Where the token is valid: 1 only in the regions enabled by default (the global endpoint's tokens, unless the
   * account prefers version 2), 2 (or absent, as in tokens from before versions were recorded) in every region.
   */
  tokenVersion?: 1 | 2;
  /** Role and federated sessions: the inline session policy (minified JSON), which limits their permissions. */
  sessionPolicy?: string;
  /** Role and federated sessions: managed policies passed as session policies (PolicyArns). */
  policyArns?: string[];
  /** Role and federated sessions: session tags (for roles also those inherited as transitive), as aws:PrincipalTag. */
  tags?: Array<{ Key: string; Value: string }>;
  /** Role sessions: keys of the tags passed on to sessions this one creates by role chaining. */
  transitiveTagKeys?: string[];
  /** Set once in a chain of role sessions and kept by every session after it. */
  sourceIdentity?: string;
  /** Role sessions made with temporary credentials (role chaining). */
  chained?: boolean;
}

/** The claims without the secret, as an operation grants them. */
export type SessionGrant = Omit<SessionClaims, 'secretAccessKey'>;

type Wire = {
  s: string;
  a: string;
  k: 's' | 'r' | 'f';
  src?: string;
  rid?: string;
  rsn?: string;
  fn?: string;
  iat: number;
  exp: number;
  mfa?: number;
  rg?: string;
  tv?: 1;
  pol?: string;
  pa?: string[];
  tg?: Array<[string, string]>;
  tt?: string[];
  si?: string;
  ch?: 1;
};

const KIND_TO_WIRE = { session: 's', role: 'r', federated: 'f' } as const;
const WIRE_TO_KIND = { s: 'session', r: 'role', f: 'federated' } as const;
const PLAIN = 1;
const DEFLATED = 2;
const DEFLATE_ABOVE = 768;
const HEADER = 5;

const seconds = (ms: number) => Math.floor(ms / 1000);

function toWire(secretAccessKey: string, c: SessionGrant): Wire {
  const w: Wire = {
    s: secretAccessKey,
    a: c.accountId,
    k: KIND_TO_WIRE[c.kind],
    iat: seconds(c.issuedAt),
    exp: seconds(c.expiresAt),
  };
  if (c.sourceAccessKeyId) w.src = c.sourceAccessKeyId;
  if (c.roleId) w.rid = c.roleId;
  if (c.roleSessionName) w.rsn = c.roleSessionName;
  if (c.federatedName) w.fn = c.federatedName;
  if (c.mfaAuthenticatedAt !== undefined) w.mfa = seconds(c.mfaAuthenticatedAt);
  if (c.region) w.rg = c.region;
  if (c.tokenVersion === 1) w.tv = 1;
  if (c.sessionPolicy !== undefined) w.pol = c.sessionPolicy;
  if (c.policyArns?.length) w.pa = c.policyArns;
  if (c.tags?.length) w.tg = c.tags.map((t) => [t.Key, t.Value]);
  if (c.transitiveTagKeys?.length) w.tt = c.transitiveTagKeys;
  if (c.sourceIdentity !== undefined) w.si = c.sourceIdentity;
  if (c.chained) w.ch = 1;
  return w;
}

function fromWire(w: Wire): SessionClaims | undefined {
  const kind = WIRE_TO_KIND[w.k];
  if (
    !kind ||
    typeof w.s !== 'string' ||
    typeof w.a !== 'string' ||
    typeof w.iat !== 'number' ||
    typeof w.exp !== 'number'
  )
    return undefined;
  const c: SessionClaims = {
    secretAccessKey: w.s,
    accountId: w.a,
    kind,
    sourceAccessKeyId: w.src,
    roleId: w.rid,
    roleSessionName: w.rsn,
    federatedName: w.fn,
    issuedAt: w.iat * 1000,
    expiresAt: w.exp * 1000,
    mfaAuthenticatedAt: w.mfa === undefined ? undefined : w.mfa * 1000,
    region: w.rg,
  };
  if (w.tv === 1) c.tokenVersion = 1;
  if (w.pol !== undefined) c.sessionPolicy = w.pol;
  if (w.pa) c.policyArns = w.pa;
  if (w.tg) c.tags = w.tg.map(([Key, Value]) => ({ Key, Value }));
  if (w.tt) c.transitiveTagKeys = w.tt;
  if (w.si !== undefined) c.sourceIdentity = w.si;
  if (w.ch) c.chained = true;
  return c;
}

/** Opened tokens, by token (with the access key id they opened for): a client signs many requests with one session. */
const OPENED_LIMIT = 10_000;

export class SessionTokenCodec {
  private readonly opened = new Map<string, { accessKeyId: string; claims: SessionClaims }>();

  constructor(private readonly keyring: Keyring) {}

  /** Seals a temporary access key's secret and what its session may do, for that access key id. */
  encode(accessKeyId: string, secretAccessKey: string, grant: SessionGrant): string {
    const { id, key } = this.keyring.active();
    let payload = Buffer.from(JSON.stringify(toWire(secretAccessKey, grant)), 'utf8');
    const version = payload.length > DEFLATE_ABOVE ? DEFLATED : PLAIN;
    if (version === DEFLATED) payload = deflateRawSync(payload);
    const header = Buffer.allocUnsafe(HEADER);
    header[0] = version;
    header.writeUInt32BE(id, 1);
    return seal(key, payload, aad(header, accessKeyId), header).toString('base64');
  }

  /** The claims, or undefined for anything that is not a token we sealed for this access key id. */
  async decode(accessKeyId: string, token: string): Promise<SessionClaims | undefined> {
    const hit = this.opened.get(token);
    // A token opens only for the key id it was sealed with: the same token with another id is opened (and refused).
    if (hit && hit.accessKeyId === accessKeyId) return hit.claims;
    const claims = await this.open(accessKeyId, token);
    if (claims) {
      if (this.opened.size >= OPENED_LIMIT) this.opened.clear();
      this.opened.set(token, { accessKeyId, claims });
    }
    return claims;
  }

  private async open(accessKeyId: string, token: string): Promise<SessionClaims | undefined> {
    if (!isAsciiId(accessKeyId) || token.length < 16 || token.length > 16384) return undefined;
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

/**
 * Only an id of printable ASCII has bytes that are exactly its characters: anything else would have to be encoded,
 * and a lossy encoding (latin1 keeps the low byte: `Œ`, U+0152, becomes `R`) would let a token open for an id it was
 * never issued with. Such an id opens no token and is sealed into none.
 */
const isAsciiId = (accessKeyId: string) => /^[\x21-\x7e]+$/.test(accessKeyId);

/** The associated data: the header, then the access key id's bytes. */
function aad(header: Buffer, accessKeyId: string): Buffer {
  if (!isAsciiId(accessKeyId)) throw new Error(`not an access key id: ${JSON.stringify(accessKeyId)}`);
  const out = Buffer.allocUnsafe(header.length + accessKeyId.length);
  header.copy(out, 0);
  out.write(accessKeyId, header.length, 'ascii'); // one byte per character, checked above
  return out;
}
