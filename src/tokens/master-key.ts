/**
 * The master key encrypts every secret at rest (long-term secret keys, token keys). It comes from
 * OPENSTS_MASTER_KEY (64 hex characters or base64 of 32 bytes) or from `master.key` in the data dir, created with
 * mode 0600 on first start. A database dump without it reveals no secret.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { open, seal } from './aead.js';

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static fromText(text: string): MasterKey {
    const t = text.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
    if (key.length !== 32) throw new Error('The master key must be 32 bytes, given as 64 hex characters or base64');
    return new MasterKey(key);
  }

  /** From the environment if set, else the data dir's master.key, created (0600) when missing. */
  static load(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): MasterKey {
    if (env.OPENSTS_MASTER_KEY) return MasterKey.fromText(env.OPENSTS_MASTER_KEY);
    if (!dataDir) throw new Error('OPENSTS_MASTER_KEY is required when the store has no data dir');
    const file = join(dataDir, 'master.key');
    try {
      return MasterKey.fromText(readFileSync(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(32);
    try {
      const fd = openSync(file, 'wx', 0o600); // wx: never overwrite a key another process just wrote
      writeSync(fd, key.toString('hex') + '\n');
      closeSync(fd);
      return new MasterKey(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return MasterKey.fromText(readFileSync(file, 'utf8'));
      throw err;
    }
  }

  /** Encrypts a secret bound to `context` (for example the access key id), as base64 text for the store. */
  encrypt(plaintext: string, context: string): string {
    return seal(this.key, Buffer.from(plaintext, 'utf8'), Buffer.from(context, 'utf8')).toString('base64');
  }

  decrypt(ciphertext: string, context: string): string {
    const out = open(this.key, Buffer.from(ciphertext, 'base64'), Buffer.from(context, 'utf8'));
    if (!out) throw new Error(`A secret in the store does not decrypt under this master key (${context})`);
    return out.toString('utf8');
  }
}
