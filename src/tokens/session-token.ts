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
import { unreachable } from '../unreachable.js';
import type { Keyring } from './keyring.js';

/** What every kind of session carries. Times are epoch milliseconds in memory, seconds on the wire. */
interface SessionCommon {
  /** The temporary secret access key. */
  secretAccessKey: string;
  accountId: string;
  issuedAt: number;
  expiresAt: number;
  /** The region whose endpoint issued the token. */
  region?: string;
  /**
   * Where the token is valid: 1 only in the regions enabled by default (the global endpoint's tokens, unless the
   * account prefers version 2), 2 (or absent, as in tokens from before versions were recorded) in every region.
   */
  tokenVersion?: 1 | 2;
}

/** What limits a role or federated session beyond its principal's own policies. */
export interface SessionLimits {
  /** The inline session policy (minified JSON), which limits the session's permissions. */
  sessionPolicy?: string;
  /** Managed policies passed as session policies (PolicyArns). */
  policyArns?: string[];
  /** Session tags (for roles also those inherited as transitive), as aws:PrincipalTag. */
  tags?: Array<{ Key: string; Value: string }>;
}

/** GetSessionToken: a user's (or the root's) session, made from one of its long-term keys. */
export interface UserSessionClaims extends SessionCommon {
  kind: 'session';
  /** The long-term access key the session was made from: the session ends when that key is deactivated or deleted. */
  sourceAccessKeyId: string;
  /** When MFA was presented, if it was. */
  mfaAuthenticatedAt?: number;
}

/** AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML: a session of a role (role-session.ts issues them). */
export interface RoleSessionClaims extends SessionCommon, SessionLimits {
  kind: 'role';
  roleId: string;
  roleSessionName: string;
  /** When MFA was presented, if it was. */
  mfaAuthenticatedAt?: number;
  /** Keys of the tags passed on to sessions this one creates by role chaining. */
  transitiveTagKeys?: string[];
  /** Set once in a chain of role sessions and kept by every session after it. */
  sourceIdentity?: string;
  /** Made with temporary credentials (role chaining). */
  chained?: boolean;
}

/** GetFederationToken: a federated user, made from a user's (or the root's) long-term key; never with MFA. */
export interface FederatedSessionClaims extends SessionCommon, SessionLimits {
  kind: 'federated';
  /** The long-term access key the session was made from: the session ends when that key is deactivated or deleted. */
  sourceAccessKeyId: string;
  federatedName: string;
}

/**
 * What a session carries, by kind. Code that depends on the kind switches over it exhaustively (`unreachable` in
 * the default), so that a new kind is a compile error wherever it needs a decision.
 */
export type SessionClaims = UserSessionClaims | RoleSessionClaims | FederatedSessionClaims;
export type SessionKind = SessionClaims['kind'];

/** The claims without the secret, as an operation grants them. */
export type SessionGrant = WithoutSecret<SessionClaims>;
/** Omit over each kind in turn: Omit over the union would keep only the members common to every kind. */
type WithoutSecret<C> = C extends unknown ? Omit<C, 'secretAccessKey'> : never;

/** When MFA was presented for the session, if it was (undefined too for no session). */
export function sessionMfaAuthenticatedAt(s: SessionClaims | undefined): number | undefined {
  if (s === undefined) return undefined;
  switch (s.kind) {
    case 'session':
    case 'role':
      return s.mfaAuthenticatedAt;
    case 'federated':
      return undefined;
    default:
      return unreachable(s, 'session kind');
  }
}

/** The source identity the session carries (set once in a chain of role sessions), if any. */
export function sessionSourceIdentity(s: SessionClaims | undefined): string | undefined {
  if (s === undefined) return undefined;
  switch (s.kind) {
    case 'role':
      return s.sourceIdentity;
    case 'session':
    case 'federated':
      return undefined;
    default:
      return unreachable(s, 'session kind');
  }
}

/** The session's own policies and tags (role and federated sessions); undefined for a kind without them, or none. */
export function sessionLimits(s: SessionClaims | undefined): SessionLimits | undefined {
  if (s === undefined) return undefined;
  switch (s.kind) {
    case 'role':
    case 'federated':
      return s;
    case 'session':
      return undefined;
    default:
      return unreachable(s, 'session kind');
  }
}

/**
 * The wire form: short names, absent members left out. Its names, their order and the kinds' letters are the sealed
 * bytes of every token in circulation: test/tokens/session-token-wire.test.ts holds tokens sealed by earlier
 * releases, which must keep opening.
 */
type Wire = {
  s: string;
  a: string;
  k: WireKind;
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

const KIND_TO_WIRE = { session: 's', role: 'r', federated: 'f' } as const satisfies Record<SessionKind, string>;
type WireKind = (typeof KIND_TO_WIRE)[SessionKind];
const WIRE_TO_KIND: Record<WireKind, SessionKind> = { s: 'session', r: 'role', f: 'federated' };
const PLAIN = 1;
const DEFLATED = 2;
const DEFLATE_ABOVE = 768;
const HEADER = 5;

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Members are written in one fixed order whatever the kind (that of the wire type above). */
function toWire(secretAccessKey: string, c: SessionGrant): Wire {
  const w: Wire = {
    s: secretAccessKey,
    a: c.accountId,
    k: KIND_TO_WIRE[c.kind],
    iat: seconds(c.issuedAt),
    exp: seconds(c.expiresAt),
  };
  switch (c.kind) {
    case 'session':
      w.src = c.sourceAccessKeyId;
      if (c.mfaAuthenticatedAt !== undefined) w.mfa = seconds(c.mfaAuthenticatedAt);
      placeToWire(w, c);
      return w;
    case 'role':
      w.rid = c.roleId;
      w.rsn = c.roleSessionName;
      if (c.mfaAuthenticatedAt !== undefined) w.mfa = seconds(c.mfaAuthenticatedAt);
      placeToWire(w, c);
      limitsToWire(w, c);
      if (c.transitiveTagKeys?.length) w.tt = c.transitiveTagKeys;
      if (c.sourceIdentity !== undefined) w.si = c.sourceIdentity;
      if (c.chained) w.ch = 1;
      return w;
    case 'federated':
      w.src = c.sourceAccessKeyId;
      w.fn = c.federatedName;
      placeToWire(w, c);
      limitsToWire(w, c);
      return w;
    default:
      return unreachable(c, 'session kind');
  }
}

function placeToWire(w: Wire, c: Omit<SessionCommon, 'secretAccessKey'>): void {
  if (c.region) w.rg = c.region;
  if (c.tokenVersion === 1) w.tv = 1;
}

function limitsToWire(w: Wire, c: SessionLimits): void {
  if (c.sessionPolicy !== undefined) w.pol = c.sessionPolicy;
  if (c.policyArns?.length) w.pa = c.policyArns;
  if (c.tags?.length) w.tg = c.tags.map((t) => [t.Key, t.Value]);
}

/** The claims of a wire form our codec wrote (the token is authenticated); undefined if a kind's member is missing. */
function fromWire(w: Wire): SessionClaims | undefined {
  if (typeof w.s !== 'string' || typeof w.a !== 'string' || typeof w.iat !== 'number' || typeof w.exp !== 'number')
    return undefined;
  const kind = Object.hasOwn(WIRE_TO_KIND, w.k) ? WIRE_TO_KIND[w.k] : undefined;
  if (kind === undefined) return undefined;
  const mfa = w.mfa === undefined ? undefined : w.mfa * 1000;
  switch (kind) {
    case 'session': {
      if (!w.src) return undefined;
      const c: UserSessionClaims = {
        secretAccessKey: w.s,
        accountId: w.a,
        kind,
        sourceAccessKeyId: w.src,
        issuedAt: w.iat * 1000,
        expiresAt: w.exp * 1000,
        mfaAuthenticatedAt: mfa,
        region: w.rg,
      };
      if (w.tv === 1) c.tokenVersion = 1;
      return c;
    }
    case 'role': {
      if (!w.rid || !w.rsn) return undefined;
      const c: RoleSessionClaims = {
        secretAccessKey: w.s,
        accountId: w.a,
        kind,
        roleId: w.rid,
        roleSessionName: w.rsn,
        issuedAt: w.iat * 1000,
        expiresAt: w.exp * 1000,
        mfaAuthenticatedAt: mfa,
        region: w.rg,
      };
      if (w.tv === 1) c.tokenVersion = 1;
      limitsFromWire(c, w);
      if (w.tt) c.transitiveTagKeys = w.tt;
      if (w.si !== undefined) c.sourceIdentity = w.si;
      if (w.ch) c.chained = true;
      return c;
    }
    case 'federated': {
      if (!w.src || !w.fn) return undefined;
      const c: FederatedSessionClaims = {
        secretAccessKey: w.s,
        accountId: w.a,
        kind,
        sourceAccessKeyId: w.src,
        federatedName: w.fn,
        issuedAt: w.iat * 1000,
        expiresAt: w.exp * 1000,
        region: w.rg,
      };
      if (w.tv === 1) c.tokenVersion = 1;
      limitsFromWire(c, w);
      return c;
    }
    default:
      return unreachable(kind, 'session kind');
  }
}

function limitsFromWire(c: SessionLimits, w: Wire): void {
  if (w.pol !== undefined) c.sessionPolicy = w.pol;
  if (w.pa) c.policyArns = w.pa;
  if (w.tg) c.tags = w.tg.map(([Key, Value]) => ({ Key, Value }));
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
