/**
 * Identifiers in AWS's shapes. Access key ids carry their account the way AWS's do (community-documented,
 * UNCONFIRMED by AWS): characters 5..12 are base32 of (account / 2 + 2^39) and character 13 holds the parity, so
 * GetAccessKeyInfo answers for any key without a lookup.
 */
import { randomInt } from 'node:crypto';
import { randomBytesPooled } from './random.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ACCOUNT_OFFSET = 2 ** 39;

export type KeyPrefix = 'AKIA' | 'ASIA';
export type IdPrefix = 'AIDA' | 'AROA' | 'AGPA' | 'ANPA' | 'ANVA' | 'AIPA';

function randomBase32(length: number): string {
  const bytes = randomBytesPooled(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

/** The eight characters that name an account, computed once per account. */
const accountParts = new Map<string, string>();

function encodeAccount(accountId: string): string {
  let part = accountParts.get(accountId);
  if (part === undefined) {
    // Below 2^53: plain numbers are exact here.
    let n = Math.floor(Number(accountId) / 2) + ACCOUNT_OFFSET;
    part = '';
    for (let i = 0; i < 8; i++, n = Math.floor(n / 32)) part = BASE32[n % 32] + part;
    if (accountParts.size < 1000) accountParts.set(accountId, part);
  }
  const parityHalf = (Number(accountId.slice(-1)) % 2) * 16;
  return part + BASE32[parityHalf + (randomBytesPooled(1)[0]! & 15)];
}

/** A 20-character access key id (AKIA long-term, ASIA temporary) that encodes its account. */
export function newAccessKeyId(prefix: KeyPrefix, accountId: string): string {
  return prefix + encodeAccount(accountId) + randomBase32(7);
}

/** A 21-character unique id for a user, role, group or policy (AIDA..., AROA...). */
export function newUniqueId(prefix: IdPrefix, accountId: string): string {
  return prefix + encodeAccount(accountId) + randomBase32(8);
}

/** The account an access key id was minted for, or undefined when the id does not follow AWS's layout. */
export function accountOfAccessKeyId(accessKeyId: string): string | undefined {
  if (accessKeyId.length < 13) return undefined;
  let n = 0;
  for (let i = 4; i < 12; i++) {
    const v = BASE32.indexOf(accessKeyId[i]!);
    if (v < 0) return undefined;
    n = n * 32 + v;
  }
  const parity = BASE32.indexOf(accessKeyId[12]!);
  if (parity < 0 || n < ACCOUNT_OFFSET) return undefined;
  const account = (n - ACCOUNT_OFFSET) * 2 + (parity >= 16 ? 1 : 0);
  return account < 1e12 ? String(account).padStart(12, '0') : undefined;
}

/** A 40-character secret access key from 30 random bytes. */
export function newSecretAccessKey(): string {
  return randomBytesPooled(30).toString('base64');
}

/** A random 12-digit account id that does not start with 0. */
export function newAccountId(): string {
  return String(randomInt(1, 10)) + String(randomInt(0, 1e11)).padStart(11, '0');
}

export const isAccountId = (s: string): boolean => /^\d{12}$/.test(s);

/**
 * Whether a string may be an access key id: the models' accessKeyIdType, `[\w]*` of 16 to 128 characters, with `\w`
 * ASCII as in Java (no `u`/`i` flag here). Checked before a lookup or a token is opened for it.
 */
export const isAccessKeyId = (s: string): boolean => /^\w{16,128}$/.test(s);
