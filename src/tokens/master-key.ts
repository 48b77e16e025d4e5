/**
 * The master key encrypts every secret at rest (long-term secret keys, token keys). It comes from
 * OPENSTS_MASTER_KEY (64 hex characters or base64 of 32 bytes) or from `master.key` in the data dir, created with
 * mode 0600 for a new store only (store-master-key.ts decides). A database dump without it reveals no secret.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { makePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tighten } from '../private-files.js';
import { open, seal } from './aead.js';

/** What the check value seals: a known text, so that opening it tells whether a key is the store's. */
const CHECK_TEXT = 'OpenSTS master key check v1';
const CHECK_CONTEXT = 'master-key-check';

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static fromText(text: string): MasterKey {
    const t = text.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
    if (key.length !== 32) throw new Error('The master key must be 32 bytes, given as 64 hex characters or base64');
    return new MasterKey(key);
  }

  /** The key in `file` (made 0600 if it was more open), or undefined when there is no such file. */
  static readFile(file: string): MasterKey | undefined {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`Cannot read the master key file ${file}: ${(err as Error).message}`);
    }
    tighten(file, PRIVATE_FILE_MODE);
    tighten(dirname(file), PRIVATE_DIR_MODE);
    try {
      return MasterKey.fromText(text);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }

  /**
   * A new random key written to `file` (0600, synced to disk before the store records it), or the key already
   * there if another process wrote it first; `created` tells which.
   */
  static createFile(file: string): { key: MasterKey; created: boolean } {
    makePrivateDir(dirname(file));
    const key = randomBytes(32);
    // Written whole under a name of its own, then linked into place: link never replaces a key another process
    // just wrote, and no process ever reads a half-written one.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, key.toString('hex') + '\n');
      fsyncSync(fd);
    } catch (err) {
      unlinkSync(tmp);
      throw err;
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return { key: MasterKey.readFile(file)!, created: false };
    } finally {
      unlinkSync(tmp);
    }
    return { key: new MasterKey(key), created: true };
  }

  /** Encrypts a secret bound to `context` (for example the access key id), as base64 text for the store. */
  encrypt(plaintext: string, context: string): string {
    return seal(this.key, Buffer.from(plaintext, 'utf8'), Buffer.from(context, 'utf8')).toString('base64');
  }

  decrypt(ciphertext: string, context: string): string {
    const out = this.open(ciphertext, context);
    if (out === undefined) throw new Error(`A secret in the store does not decrypt under this master key (${context})`);
    return out;
  }

  /** Whether the secret was sealed under this key with this context. */
  opens(ciphertext: string, context: string): boolean {
    return this.open(ciphertext, context) !== undefined;
  }

  /** The store's check value for this key: a known text sealed under it. */
  sealCheck(): string {
    return this.encrypt(CHECK_TEXT, CHECK_CONTEXT);
  }

  /** Whether `sealed` is the check value of this key. */
  opensCheck(sealed: string): boolean {
    return this.open(sealed, CHECK_CONTEXT) === CHECK_TEXT;
  }

  private open(ciphertext: string, context: string): string | undefined {
    return open(this.key, Buffer.from(ciphertext, 'base64'), Buffer.from(context, 'utf8'))?.toString('utf8');
  }
}
