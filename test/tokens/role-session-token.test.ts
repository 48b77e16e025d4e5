/** Role sessions' claims in the sealed session token: every field round-trips, and large ones stay compact. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Keyring } from '../../src/tokens/keyring.js';
import { MasterKey } from '../../src/tokens/master-key.js';
import { SessionTokenCodec, type SessionClaims } from '../../src/tokens/session-token.js';

async function codec(): Promise<SessionTokenCodec> {
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  const keyring = new Keyring(store, MasterKey.fromText('33'.repeat(32)));
  await keyring.load(1);
  return new SessionTokenCodec(keyring);
}

const role: SessionClaims = {
  secretAccessKey: 'y'.repeat(40),
  accountId: '123456789012',
  kind: 'role',
  roleId: 'AROAEXAMPLE0000000001',
  roleSessionName: 'deploy',
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_003_600_000,
  mfaAuthenticatedAt: 1_699_999_990_000,
  region: 'eu-west-1',
  sessionPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
  policyArns: ['arn:aws:iam::123456789012:policy/ReadOnly'],
  tags: [
    { Key: 'project', Value: 'apollo' },
    { Key: 'stage', Value: 'dev' },
  ],
  transitiveTagKeys: ['project'],
  sourceIdentity: 'alice@example.com',
  chained: true,
};

test('every role-session claim round-trips', async () => {
  const c = await codec();
  const decoded = await c.decode('ASIAEXAMPLE000000009', c.encode('ASIAEXAMPLE000000009', role.secretAccessKey, role));
  for (const [k, v] of Object.entries(role)) assert.deepEqual((decoded as unknown as Record<string, unknown>)[k], v, k);
});

test('a session with a large policy and many tags is deflated and stays within a few KB', async () => {
  const c = await codec();
  const big: SessionClaims = {
    ...role,
    sessionPolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 20 }, (_, i) => ({
        Effect: 'Allow',
        Action: `s3:Get${i}`,
        Resource: `arn:aws:s3:::bucket-${i}/*`,
      })),
    }),
    tags: Array.from({ length: 50 }, (_, i) => ({ Key: `key-${i}`, Value: `value-${i}` })),
  };
  const token = c.encode('ASIAEXAMPLE000000010', big.secretAccessKey, big);
  assert.equal(Buffer.from(token, 'base64')[0], 2, 'deflated');
  assert.ok(token.length < 2000, `${token.length} characters`);
  const decoded = await c.decode('ASIAEXAMPLE000000010', token);
  assert.ok(decoded?.kind === 'role');
  assert.deepEqual(decoded.tags, big.tags);
});
