/** Identifiers and the session-token codec. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  accountOfAccessKeyId,
  newAccessKeyId,
  newAccountId,
  newSecretAccessKey,
  newUniqueId,
} from '../../src/tokens/ids.js';
import { Keyring } from '../../src/tokens/keyring.js';
import { MasterKey } from '../../src/tokens/master-key.js';
import { SessionTokenCodec, type RoleSessionClaims, type SessionClaims } from '../../src/tokens/session-token.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

test('access key ids encode their account as AWS (and moto) do', () => {
  for (const account of ['123456789012', '000000000001', '999999999999', '100000000000', newAccountId()]) {
    for (const prefix of ['AKIA', 'ASIA'] as const) {
      const id = newAccessKeyId(prefix, account);
      assert.match(id, new RegExp(`^${prefix}[A-Z2-7]{16}$`));
      assert.equal(accountOfAccessKeyId(id), account);
    }
  }
  assert.match(newUniqueId('AIDA', '123456789012'), /^AIDA[A-Z2-7]{17}$/);
  // Ids minted by moto's generate_access_key_id_from_account_id.
  const moto = execFileSync(
    'python3',
    [
      '-c',
      'from moto.iam.utils import generate_access_key_id_from_account_id as g\nfor a in ["123456789012","000000000001","734582903451"]: print(a, g(a, "ASIA"))',
    ],
    { encoding: 'utf8' },
  );
  for (const line of moto.trim().split('\n')) {
    const [account, id] = line.split(' ');
    assert.equal(accountOfAccessKeyId(id!), account, id);
  }
  assert.equal(accountOfAccessKeyId('short'), undefined);
  assert.equal(accountOfAccessKeyId('AKIA11111111AAAAAAAA'), undefined);
});

test('secrets are 40 characters of base64', () => {
  const s = newSecretAccessKey();
  assert.match(s, /^[A-Za-z0-9+/]{40}$/);
  assert.notEqual(s, newSecretAccessKey());
});

test('master key: sealed secrets open only with the same key and context', () => {
  const m = MasterKey.fromText('00'.repeat(32));
  const box = m.encrypt('the secret', 'access-key:AKIA1');
  assert.equal(m.decrypt(box, 'access-key:AKIA1'), 'the secret');
  assert.throws(() => m.decrypt(box, 'access-key:AKIA2'), /does not decrypt/);
  assert.throws(() => MasterKey.fromText('11'.repeat(32)).decrypt(box, 'access-key:AKIA1'), /does not decrypt/);
  assert.throws(() => MasterKey.fromText('abcd'), /32 bytes/);
});

async function codec() {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  const keyring = new Keyring(store, MasterKey.fromText('22'.repeat(32)));
  await keyring.load(Date.now());
  return { store, keyring, codec: new SessionTokenCodec(keyring) };
}

const claims: SessionClaims = {
  secretAccessKey: 'x'.repeat(40),
  accountId: '123456789012',
  kind: 'session',
  sourceAccessKeyId: 'AKIA4IQ3WGOWC7CDUQ5P',
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_043_200_000,
  region: 'eu-central-1',
};

test('a token round-trips, and only with its access key id', async () => {
  const { codec: c, store } = await codec();
  const token = c.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  assert.deepEqual(await c.decode('ASIAEXAMPLE000000001', token), { ...claims, mfaAuthenticatedAt: undefined });
  assert.equal(await c.decode('ASIAEXAMPLE000000002', token), undefined);
  assert.ok(token.length <= 600);
  await store.close();
});

test('a token opens for no id that only a lossy encoding makes equal to its own (Œ is U+0152: latin1 keeps 0x52, R)', async () => {
  const { codec: c, store } = await codec();
  const id = 'ASIAEXAMPLERRRRRRRR1';
  const token = c.encode(id, claims.secretAccessKey, claims);
  for (const forged of [
    id.replace('R', 'Œ'),
    id.replace('A', '\u0141'),
    id.replace('1', '\u0131'),
    id.replace('1', '\u{10031}'),
  ]) {
    assert.equal(await c.decode(forged, token), undefined, forged);
    assert.throws(() => c.encode(forged, claims.secretAccessKey, claims), /not an access key id/);
  }
  assert.ok(await c.decode(id, token));
  await store.close();
});

test('every flipped bit of a token is refused', async () => {
  const { codec: c, store } = await codec();
  const token = c.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  const raw = Buffer.from(token, 'base64');
  for (let byte = 0; byte < raw.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const forged = Buffer.from(raw);
      forged[byte]! ^= 1 << bit;
      assert.equal(
        await c.decode('ASIAEXAMPLE000000001', forged.toString('base64')),
        undefined,
        `byte ${byte} bit ${bit}`,
      );
    }
  }
  assert.equal(await c.decode('ASIAEXAMPLE000000001', token.slice(0, -4)), undefined);
  assert.equal(await c.decode('ASIAEXAMPLE000000001', token + 'AAAA'), undefined);
  assert.equal(await c.decode('ASIAEXAMPLE000000001', ' ' + token), undefined);
  assert.equal(await c.decode('ASIAEXAMPLE000000001', ''), undefined);
  await store.close();
});

test('large claims are compressed and still round-trip', async () => {
  const { codec: c, store } = await codec();
  const big: RoleSessionClaims = {
    secretAccessKey: claims.secretAccessKey,
    accountId: claims.accountId,
    kind: 'role',
    roleId: 'AROAEXAMPLE0000000001',
    roleSessionName: 'r'.repeat(2000),
    issuedAt: claims.issuedAt,
    expiresAt: claims.expiresAt,
  };
  const token = c.encode('ASIAEXAMPLE000000001', big.secretAccessKey, big);
  assert.ok(token.length < 1000, `${token.length}`);
  const decoded = await c.decode('ASIAEXAMPLE000000001', token);
  assert.ok(decoded?.kind === 'role');
  assert.equal(decoded.roleSessionName, big.roleSessionName);
  await store.close();
});

test('after a rotation, tokens sealed under the previous key still open', async () => {
  const { codec: c, keyring, store } = await codec();
  const old = c.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  const before = keyring.active().id;
  await keyring.rotate(Date.now());
  assert.equal(keyring.active().id, before + 1);
  const fresh = c.encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  assert.equal(Buffer.from(fresh, 'base64').readUInt32BE(1), before + 1);
  assert.equal((await c.decode('ASIAEXAMPLE000000001', old))?.accountId, '123456789012');
  assert.equal((await c.decode('ASIAEXAMPLE000000001', fresh))?.accountId, '123456789012');
  await store.close();
});

test('a key rotated on another node is found by reloading the keyring', async () => {
  const { codec: c, keyring, store } = await codec();
  const other = new Keyring(store, MasterKey.fromText('22'.repeat(32)));
  await other.load(Date.now());
  await other.rotate(Date.now());
  const token = new SessionTokenCodec(other).encode('ASIAEXAMPLE000000001', claims.secretAccessKey, claims);
  assert.equal((await c.decode('ASIAEXAMPLE000000001', token))?.accountId, '123456789012');
  assert.equal(keyring.active().id, other.active().id);
  await store.close();
});
