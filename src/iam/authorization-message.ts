/**
 * Encoded authorization messages: the details of a refusal (which statements matched, the request context) sealed
 * under the token keyring, so the caller sees only an opaque blob and someone allowed
 * sts:DecodeAuthorizationMessage reads the JSON. Any node with the keyring decodes them.
 *
 * Layout (then base64url): version (1 byte) | token key id (uint32 BE) | AES-256-GCM box of the deflated JSON.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { open, seal } from '../tokens/aead.js';
import type { Keyring } from '../tokens/keyring.js';

const VERSION = 1;
const HEADER = 5;
const PURPOSE = Buffer.from('opensts:authorization-message', 'utf8');

const aad = (header: Buffer) => Buffer.concat([header, PURPOSE]);

export function encodeAuthorizationMessage(keyring: Keyring, details: object): string {
  const { id, key } = keyring.active();
  const header = Buffer.allocUnsafe(HEADER);
  header[0] = VERSION;
  header.writeUInt32BE(id, 1);
  const payload = deflateRawSync(Buffer.from(JSON.stringify(details), 'utf8'));
  return seal(key, payload, aad(header), header).toString('base64url');
}

/** The decoded JSON text, or undefined for anything that is not a message we sealed. */
export async function decodeAuthorizationMessage(keyring: Keyring, encoded: string): Promise<string | undefined> {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length <= HEADER || raw[0] !== VERSION || raw.toString('base64url') !== encoded) return undefined;
  const tokenKey = await keyring.get(raw.readUInt32BE(1));
  if (!tokenKey) return undefined;
  const header = raw.subarray(0, HEADER);
  const payload = open(tokenKey.key, raw.subarray(HEADER), aad(header));
  if (!payload) return undefined;
  try {
    return inflateRawSync(payload, { maxOutputLength: 1 << 20 }).toString('utf8');
  } catch {
    return undefined;
  }
}
