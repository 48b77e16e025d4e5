/** AES-256-GCM sealing: the one authenticated cipher used for session tokens and for secrets at rest. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** nonce || ciphertext || tag. `aad` binds the box to its context (e.g. the access key id it belongs to). */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = Buffer.from(randomBytesPooled(NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const last = cipher.final();
  return Buffer.concat([nonce, body, last, cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the box was tampered with, truncated or sealed under another key or context. */
export function open(key: Buffer, box: Buffer, aad: Buffer): Buffer | undefined {
  if (box.length < SEAL_OVERHEAD) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, NONCE_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
    const body = decipher.update(box.subarray(NONCE_BYTES, box.length - TAG_BYTES));
    return Buffer.concat([body, decipher.final()]);
  } catch {
    return undefined;
  }
}
