/**
 * Token-key rotation: retiring keys once nothing they sealed can be valid, nodes picking up a rotation, the token
 * version claim, and `opensts keys rotate` against a running SQLite server while requests flow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keys } from '../../src/cli/keys.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Keyring, LONGEST_SESSION_MS, ROTATION_MARGIN_MS } from '../../src/tokens/keyring.js';
import { MasterKey } from '../../src/tokens/master-key.js';
import { SessionTokenCodec, type SessionClaims } from '../../src/tokens/session-token.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, sessionFor } from '../helpers/query.js';
import { startTestServer } from '../helpers/server.js';

const MASTER = MasterKey.fromText('33'.repeat(32));
const HOUR = 3_600_000;
const claims: SessionClaims = {
  secretAccessKey: 'x'.repeat(40),
  accountId: '123456789012',
  kind: 'session',
  sourceAccessKeyId: 'AKIA4IQ3WGOWC7CDUQ5P',
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_043_200_000,
  region: 'us-east-1',
};

async function keyring(t0: number) {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  const k = new Keyring(store, MASTER);
  await k.load(t0);
  return { store, keyring: k };
}

test('a key is retired once its successor is older than the longest session; the active key never', async () => {
  const t0 = Date.UTC(2025, 0, 1);
  const { store, keyring: k } = await keyring(t0);
  await k.rotate(t0 + HOUR); // key 2
  await k.rotate(t0 + 2 * HOUR); // key 3
  const grace = LONGEST_SESSION_MS + ROTATION_MARGIN_MS;
  assert.deepEqual(await k.retire(t0 + HOUR + grace - 1), []);
  assert.deepEqual(await k.retire(t0 + HOUR + grace), [1]);
  assert.deepEqual(await k.retire(t0 + 1000 * HOUR), [2]);
  assert.deepEqual(
    k.list().map((x) => x.id),
    [3],
  );
  assert.equal(k.active().id, 3);
  await store.close();
});

test('another keyring on the same store follows a rotation and a retirement', async () => {
  const t0 = Date.now();
  const { store, keyring: admin } = await keyring(t0);
  const node = new Keyring(store, MASTER);
  await node.load(t0);
  const codec = new SessionTokenCodec(node);
  await admin.rotate(t0);
  // The node hears of it (the store's revision moved) and seals with the new key from its next token on.
  codec.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  await new Promise((r) => setImmediate(r));
  const token = codec.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  assert.equal(Buffer.from(token, 'base64').readUInt32BE(1), 2);
  await admin.rotate(t0 + LONGEST_SESSION_MS + ROTATION_MARGIN_MS);
  assert.deepEqual(await admin.retire(t0 + 2 * (LONGEST_SESSION_MS + ROTATION_MARGIN_MS) - 1), [1]);
  assert.ok(await node.get(3), 'an unknown id after a change reloads at once');
  assert.equal(await node.get(1), undefined, 'a retired key is dropped on reload');
  await store.close();
});

test('an unknown key id is looked up in the store, never refused unread, and not once per forged token', async () => {
  const t0 = Date.now();
  const { store, keyring: admin } = await keyring(t0);
  const node = new Keyring(store, MASTER);
  await node.load(t0);
  let lists = 0;
  const list = store.listTokenKeys.bind(store);
  store.listTokenKeys = () => (lists++, list());
  const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => node.get(100 + i)));
  assert.ok(forged.every((k) => k === undefined));
  assert.ok(lists <= 2, `${lists} reloads for 50 forged ids`);
  // A real key added right after the forged ones is still found (SQLite's poll has not moved the revision yet).
  await admin.rotate(t0);
  assert.ok(await node.get(2));
  await store.close();
});

test('the token version travels in the token; tokens without one are valid everywhere', async () => {
  const { store, keyring: k } = await keyring(Date.now());
  const codec = new SessionTokenCodec(k);
  const v1 = codec.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, { ...claims, tokenVersion: 1 });
  const v2 = codec.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, { ...claims, tokenVersion: 2 });
  assert.equal((await codec.decode('ASIAEXAMPLE000000001', v1))?.tokenVersion, 1);
  assert.equal((await codec.decode('ASIAEXAMPLE000000001', v2))?.tokenVersion, undefined);
  assert.ok(v2.length < v1.length);
  await store.close();
});

test('`opensts keys rotate` on a running SQLite server while requests flow: none fails', async () => {
  const s = await startTestServer({ store: 'sqlite', env: { OPENSTS_MASTER_KEY: '44'.repeat(32) } });
  try {
    const alice = await createUserWithKey(s, 'alice');
    const before = await sessionFor(s, alice);
    let stop = false;
    const failures: string[] = [];
    let n = 0;
    const loop = async () => {
      while (!stop) {
        let session: Credentials;
        try {
          session = await sessionFor(s, alice, { DurationSeconds: 900 });
        } catch (err) {
          failures.push(String(err));
          continue;
        }
        for (const c of [session, before]) {
          const r = await call(s, 'GetCallerIdentity', {}, c);
          n++;
          if (r.status !== 200) failures.push(r.body);
        }
      }
    };
    const loops = [loop(), loop()];
    /** Resolves once the loops have made `more` requests from now: each rotation happens under traffic. */
    const traffic = async (more: number) => {
      const until = n + more;
      while (n < until && failures.length === 0) await new Promise((r) => setImmediate(r));
    };
    const out: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        await traffic(4);
        const code = await keys(['rotate', '--data-dir', s.dataDir], {
          env: { OPENSTS_MASTER_KEY: '44'.repeat(32) },
          out: (t) => void out.push(t),
          now: () => s.clock.now(),
        });
        assert.equal(code, 0);
      }
      // SQLite: the server notices another process's write at its next poll; the test asks for it now.
      (s.running.app.store as { checkExternalChanges?: () => void }).checkExternalChanges?.();
      await traffic(4);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.deepEqual(failures, []);
    assert.match(out.join(''), /Added token key 4/);
    const fresh = await sessionFor(s, alice);
    assert.equal(Buffer.from(fresh.sessionToken!, 'base64').readUInt32BE(1), 4);
  } finally {
    await s.close();
  }
});
