/**
 * Random bytes from the CSPRNG, drawn from a pooled buffer: issuing a credential needs several small random values,
 * and one syscall-sized fill per few hundred requests costs far less than one per value. Bytes are never reused.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** `n` fresh random bytes (a view into the pool: use them before the next call, or copy them). */
export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(n));
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}
