/** AES-256-GCM sealing: the one authenticated cipher used for session tokens and for secrets at rest. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/**
 * `prefix || nonce || ciphertext || tag`, written into one buffer. `aad` binds the box to its context (e.g. the
 * access key id it belongs to); `prefix` (e.g. a token's header) is not sealed unless it is also part of `aad`.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer, prefix?: Buffer): Buffer {
  const start = prefix?.length ?? 0;
  const out = Buffer.allocUnsafe(start + NONCE_BYTES + plaintext.length + TAG_BYTES);
  if (prefix) prefix.copy(out, 0);
  const nonce = out.subarray(start, start + NONCE_BYTES);
  randomBytesPooled(NONCE_BYTES).copy(nonce);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  // GCM is a stream mode: the ciphertext is as long as the plaintext, and final() adds nothing.
  const body = cipher.update(plaintext);
  if (body.length !== plaintext.length || cipher.final().length !== 0)
    throw new Error('unexpected AES-GCM output length');
  body.copy(out, start + NONCE_BYTES);
  cipher.getAuthTag().copy(out, start + NONCE_BYTES + plaintext.length);
  return out;
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
