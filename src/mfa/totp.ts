/**
 * Virtual MFA codes: TOTP per RFC 6238 (HMAC-SHA1, 6 digits, 30-second steps) through otpauth, always at the
 * injected clock's time. Steps are counted explicitly so that callers can refuse a step accepted before (replay).
 */
import { HOTP, Secret } from 'otpauth';

export const STEP_SECONDS = 30;
/** Steps of drift tolerated either side of now when a code is used. */
export const USE_WINDOW = 1;
/** Resynchronising exists to recover from drift: it looks further. */
export const RESYNC_WINDOW = 10;

/** A new seed, as Base32 text: 40 random bytes, 64 characters, like AWS's. */
export const newSeed = (): string => new Secret({ size: 40 }).base32;

export const stepAt = (ms: number): number => Math.floor(ms / 1000 / STEP_SECONDS);

export function codeAt(seedBase32: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(seedBase32), counter: step, algorithm: 'SHA1', digits: 6 });
}

/** The step within `window` of now whose code this is (the earliest), or undefined. */
export function matchStep(seedBase32: string, code: string, now: number, window = USE_WINDOW): number | undefined {
  const secret = Secret.fromBase32(seedBase32);
  const current = stepAt(now);
  for (let step = current - window; step <= current + window; step++) {
    if (HOTP.generate({ secret, counter: step, algorithm: 'SHA1', digits: 6 }) === code) return step;
  }
  return undefined;
}

/** Two codes of consecutive steps, the second within `window` of now: the step of the second, or undefined. */
export function matchConsecutive(
  seedBase32: string,
  code1: string,
  code2: string,
  now: number,
  window = USE_WINDOW,
): number | undefined {
  const secret = Secret.fromBase32(seedBase32);
  const current = stepAt(now);
  const at = (step: number) => HOTP.generate({ secret, counter: step, algorithm: 'SHA1', digits: 6 });
  for (let step = current - window; step <= current + window; step++) {
    if (at(step) === code2 && at(step - 1) === code1) return step;
  }
  return undefined;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function provisioningUri(seedBase32: string, label: string, issuer: string): string {
  const e = encodeURIComponent;
  return `otpauth://totp/${e(issuer)}:${e(label)}?secret=${seedBase32}&issuer=${e(issuer)}`;
}
