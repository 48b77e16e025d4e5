/**
 * The throttle stage of the request path: token buckets, as AWS's own IAM and STS throttling is described (a bucket
 * per caller that refills continuously; a request takes a token or is answered `Throttling` / `Rate exceeded`, HTTP
 * 400, which botocore's legacy and standard retry modes and the AWS SDK for JavaScript treat as throttling: they back
 * off and retry).
 *
 * Buckets, each family a map of its own:
 * - per caller, after authentication: one bucket for credential-issuing operations (the strictest) and one for
 *   every other operation. A caller is the long-term credential the request rests on (the access key, or for a
 *   GetSessionToken or GetFederationToken session the key it came from; for a role session the role), so minting
 *   sessions does not buy fresh buckets;
 * - per source address (an IPv6 address's /64), before authentication: failed authentications (a bad signature, an unknown or inactive key,
 *   an expired token). Once an address has used up that bucket, its signed requests are refused before any key
 *   lookup or signature check, until the bucket refills;
 * - per source address: the unsigned credential-issuing operations (AssumeRoleWithWebIdentity, AssumeRoleWithSAML),
 *   which have no caller to count but verify a token or an XML signature.
 *
 * Limits are per process: with cluster workers, a client whose connections land on several workers can reach up to
 * workers × the rate (README, "Throttling"). Time is the app's injected clock, so tests move it instead of sleeping.
 */
import type { Caller } from '../iam/principal.js';
import { unreachable } from '../unreachable.js';

/** A token bucket's shape: `perSecond` tokens added each second, at most `burst` held. */
export interface Rate {
  perSecond: number;
  burst: number;
}

export interface ThrottleLimits {
  /** Credential-issuing operations per caller, and unsigned ones per source address. */
  issue: Rate;
  /** Every other operation, per caller. */
  requests: Rate;
  /** Failed authentications per source address. */
  failedAuth: Rate;
  /** Buckets kept per family (the memory bound); default MAX_TRACKED. */
  maxTracked?: number;
}

/**
 * Modelled on AWS's STS request quota for the credential-issuing operations, 600 requests per second per account and
 * Region (AWS General Reference, "AWS Security Token Service endpoints and quotas", docs.aws.amazon.com/general/latest/
 * gr/sts.html; UNCONFIRMED: the stored copies searched here end before that page's quota table). AWS describes its
 * IAM and STS throttling as token buckets refilled every second, answered `Throttling: Rate exceeded` with status 400
 * (AWS Security Blog, "How to monitor and query IAM resources at scale – Part 2"; AWS re:Post knowledge center,
 * "iam-sts-throttling-error"), so the burst is one second's worth. Other operations (GetCallerIdentity, IAM) get
 * twice that: they cost less and AWS publishes no figure for them. Failed authentications are cut off far sooner: a
 * working client fails to authenticate rarely (a skewed clock, an expired session, each retried once), so 10 a second
 * after a burst of 100 leaves it room and stops a flood of made-up keys.
 */
export const DEFAULT_LIMITS: ThrottleLimits = {
  issue: { perSecond: 600, burst: 600 },
  requests: { perSecond: 1200, burst: 1200 },
  failedAuth: { perSecond: 10, burst: 100 },
};

/** Buckets kept per family, whatever an attacker sends: 13.5 MB of heap for all four full (README, "Throttling"). */
export const MAX_TRACKED = 20_000;

/** Why a request was throttled: the metrics label. */
export type ThrottleReason = 'caller' | 'caller_issue' | 'address_issue' | 'failed_auth';

/** The operations that hand out credentials (temporary, long-term, or a web identity token). */
const CREDENTIAL_ISSUING = new Set([
  'GetSessionToken',
  'GetFederationToken',
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'GetWebIdentityToken',
  'CreateAccessKey',
]);
export const issuesCredentials = (operation: string | undefined) =>
  operation !== undefined && CREDENTIAL_ISSUING.has(operation);

/** What authenticate() answers for a request that did not prove who sent it. */
const AUTHENTICATION_FAILURES = new Set([
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
]);
export const isAuthenticationFailure = (code: string) => AUTHENTICATION_FAILURES.has(code);

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * Token buckets by key, at most `max` of them. A full bucket is the same as none, so when the map is full the
 * full buckets are swept first; if that frees less than a quarter, the oldest entries go too (a forgotten bucket
 * starts full again: eviction can only let a request through, never refuse one). Each sweep leaves room for a
 * quarter of `max` new keys, so its cost is constant per insertion.
 */
export class BucketMap {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly rate: Rate,
    readonly max = MAX_TRACKED,
  ) {
    if (!(rate.perSecond > 0) || !(rate.burst >= 1)) throw new Error('a rate needs perSecond > 0 and burst >= 1');
    this.perMs = rate.perSecond / 1000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token for `key`: false when its bucket is empty. */
  take(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    if (!b) {
      this.add(key, { tokens: this.rate.burst - 1, at: now });
      return true;
    }
    this.refill(b, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether `key` has a token left, without taking it. */
  has(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    if (!b) return true;
    this.refill(b, now);
    return b.tokens >= 1;
  }

  private refill(b: Bucket, now: number): void {
    // A clock stepped back refills nothing, and the bucket counts on from the new time.
    if (now > b.at) b.tokens = Math.min(this.rate.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
  }

  private add(key: string, b: Bucket): void {
    if (this.buckets.size >= this.max) this.sweep(b.at);
    this.buckets.set(key, b);
  }

  private sweep(now: number): void {
    const target = this.max - Math.max(1, Math.floor(this.max / 4));
    for (const [key, b] of this.buckets) {
      this.refill(b, now);
      if (b.tokens >= this.rate.burst) this.buckets.delete(key);
    }
    // Oldest first: a Map iterates in insertion order.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * The key of an address's buckets: an IPv4 address itself, an IPv6 address's /64, the block one host or site is
 * usually given, so that cycling through its 2^64 addresses buys no fresh buckets. IPv4 costs two scans, no allocation.
 */
export function addressKey(ip: string): string {
  if (ip.indexOf(':') < 0 || ip.indexOf('.') >= 0) return ip; // IPv4, or IPv4-mapped IPv6
  const zone = ip.indexOf('%');
  const address = (zone < 0 ? ip : ip.slice(0, zone)).toLowerCase();
  const gap = address.indexOf('::');
  let groups: string[];
  if (gap < 0) {
    groups = address.split(':');
  } else {
    const head = gap === 0 ? [] : address.slice(0, gap).split(':');
    const tail = gap + 2 === address.length ? [] : address.slice(gap + 2).split(':');
    groups = [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  }
  return (
    groups
      .slice(0, 4)
      .map((g) => g.replace(/^0+(?=.)/, ''))
      .join(':') + '::/64'
  );
}

/** The key of a caller's buckets: the long-term credential, or role, its request rests on. */
export function callerKey({ accessKeyId, session }: Caller): string {
  if (!session) return accessKeyId;
  switch (session.kind) {
    case 'role':
      return session.roleId;
    case 'session':
    case 'federated':
      return session.sourceAccessKeyId;
    default:
      return unreachable(session, 'session kind');
  }
}

/** Every bucket of one process. Each check is a Map lookup and some arithmetic; nothing is allocated but new buckets. */
export class Throttle {
  private readonly issue: BucketMap;
  private readonly requests: BucketMap;
  private readonly failedAuth: BucketMap;
  private readonly unsigned: BucketMap;

  constructor(limits: ThrottleLimits) {
    const max = limits.maxTracked ?? MAX_TRACKED;
    this.issue = new BucketMap(limits.issue, max);
    this.requests = new BucketMap(limits.requests, max);
    this.failedAuth = new BucketMap(limits.failedAuth, max);
    this.unsigned = new BucketMap(limits.issue, max);
  }

  /** Before authentication: refuses an address that has used up its failed authentications. */
  beforeAuthentication(sourceIp: string, now: number): ThrottleReason | undefined {
    return this.failedAuth.has(addressKey(sourceIp), now) ? undefined : 'failed_auth';
  }

  /** After a failed authentication: counts it against the address. */
  authenticationFailed(sourceIp: string, now: number): void {
    this.failedAuth.take(addressKey(sourceIp), now);
  }

  /** After authentication: the caller's bucket for the operation's class. */
  afterAuthentication(caller: Caller, operation: string | undefined, now: number): ThrottleReason | undefined {
    if (issuesCredentials(operation)) return this.issue.take(callerKey(caller), now) ? undefined : 'caller_issue';
    return this.requests.take(callerKey(caller), now) ? undefined : 'caller';
  }

  /** An unsigned (credential-issuing) operation: its source address's bucket. */
  unsignedCall(sourceIp: string, now: number): ThrottleReason | undefined {
    return this.unsigned.take(addressKey(sourceIp), now) ? undefined : 'address_issue';
  }

  /** How many buckets each family holds (tests of the memory bound). */
  sizes(): Record<'issue' | 'requests' | 'failedAuth' | 'unsigned', number> {
    return {
      issue: this.issue.size,
      requests: this.requests.size,
      failedAuth: this.failedAuth.size,
      unsigned: this.unsigned.size,
    };
  }
}

/** What the request path calls. */
export type RequestThrottle = Pick<
  Throttle,
  'beforeAuthentication' | 'authenticationFailed' | 'afterAuthentication' | 'unsignedCall'
>;

/** No throttling (`--throttle off`). */
export const NO_THROTTLE: RequestThrottle = {
  beforeAuthentication: () => undefined,
  authenticationFailed: () => {},
  afterAuthentication: () => undefined,
  unsignedCall: () => undefined,
};

/** The limits the --throttle flags ask for: false for off, else the defaults with the given rates. */
export function throttleLimits(flags: {
  throttle?: string;
  issue?: string;
  requests?: string;
  failedAuth?: string;
}): ThrottleLimits | false {
  const mode = flags.throttle ?? 'on';
  if (mode !== 'on' && mode !== 'off') throw new Error(`--throttle must be on or off, not ${mode}`);
  // Parsed even when off, so that a typo is said at once rather than when throttling is turned back on.
  const limits: ThrottleLimits = {
    issue: flags.issue === undefined ? DEFAULT_LIMITS.issue : parseRate(flags.issue, '--throttle-issue'),
    requests: flags.requests === undefined ? DEFAULT_LIMITS.requests : parseRate(flags.requests, '--throttle-requests'),
    failedAuth:
      flags.failedAuth === undefined
        ? DEFAULT_LIMITS.failedAuth
        : parseRate(flags.failedAuth, '--throttle-failed-auth'),
  };
  return mode === 'off' ? false : limits;
}

export const rateText = (r: Rate) => `${r.perSecond}/${r.burst}`;

/** `RATE[/BURST]` (requests per second; the burst defaults to one second's worth), as the serve flags take it. */
export function parseRate(text: string, flag: string): Rate {
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(text.trim());
  const perSecond = m ? Number(m[1]) : NaN;
  const burst = m?.[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(perSecond));
  if (!m || !(perSecond > 0) || !(burst >= 1) || !Number.isFinite(perSecond)) {
    throw new Error(
      `${flag} takes RATE[/BURST]: requests per second (above 0) and an optional burst (1 or more), not ${text}`,
    );
  }
  return { perSecond, burst };
}
