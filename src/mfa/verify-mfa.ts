/**
 * MFA as STS checks it (GetSessionToken, AssumeRole with SerialNumber and TokenCode): the device must be enabled
 * for the calling user, the code valid within a step of now and later than the last code accepted, so that no
 * code works twice. Failures carry AWS's AccessDenied messages.
 */
import { errors } from '../protocol/errors.js';
import type { Store } from '../store/store.js';
import type { MasterKey } from '../tokens/master-key.js';
import type { Caller } from '../iam/principal.js';
import { matchStep } from './totp.js';

export const UNBOUND_DEVICE =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';
export const INVALID_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

export const seedContext = (serialNumber: string) => `mfa-seed:${serialNumber}`;

/** What checking a code reads and writes: the device (its seed decrypted with the master key) and its last step. */
export interface MfaVerifier {
  store: Pick<Store, 'getMfaDevice' | 'acceptMfaStep'>;
  master: Pick<MasterKey, 'decrypt'>;
}

/** Checks the code and records its step; returns the time MFA was presented (now). */
export async function verifyMfa(
  app: MfaVerifier,
  caller: Caller,
  serialNumber: string | undefined,
  code: string | undefined,
  now: number,
): Promise<number> {
  // UNCONFIRMED: AWS's answer when only one of SerialNumber and TokenCode is given.
  if (serialNumber === undefined) throw errors.accessDenied(UNBOUND_DEVICE);
  if (code === undefined) throw errors.accessDenied(INVALID_CODE);
  const p = caller.principal;
  const device = await app.store.getMfaDevice(serialNumber);
  if (!device || p.type !== 'user' || device.userId !== p.userId || device.accountId !== p.accountId)
    throw errors.accessDenied(UNBOUND_DEVICE);
  const seed = app.master.decrypt(device.seedEncrypted, seedContext(serialNumber));
  const step = matchStep(seed, code, now);
  if (step === undefined || step <= device.lastStep) throw errors.accessDenied(INVALID_CODE);
  // The store accepts a step only once, atomically: of two concurrent uses of one code, one fails.
  if (!(await app.store.acceptMfaStep(serialNumber, step))) throw errors.accessDenied(INVALID_CODE);
  return now;
}
