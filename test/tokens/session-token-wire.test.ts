/**
 * The session token's wire encoding does not change under the code: tokens sealed by earlier releases (below, sealed
 * by the codec as of 859355a under a fixed key) still open to the same claims, and today's codec seals the same
 * payload bytes for the same claims. A node of a new release verifies the tokens its older peers issued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { open } from '../../src/tokens/aead.js';
import type { Keyring, TokenKey } from '../../src/tokens/keyring.js';
import { SessionTokenCodec, type SessionGrant } from '../../src/tokens/session-token.js';

const KEY: TokenKey = { id: 7, key: Buffer.alloc(32, 0x5a), createdAt: 0 };
/** The two methods the codec uses, over one fixed key. */
const keyring = {
  active: () => KEY,
  get: async (id: number) => (id === KEY.id ? KEY : undefined),
} as unknown as Keyring;
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface Sealed {
  accessKeyId: string;
  grant: SessionGrant;
  token: string;
}

const SEALED: Record<string, Sealed> = {
  'GetSessionToken with MFA, a version 1 token': {
    accessKeyId: 'ASIAQNZGKWTDUSER0001',
    grant: {
      kind: 'session',
      accountId: '123456789012',
      sourceAccessKeyId: 'AKIAQNZGKWTDLONGTERM',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_043_200_000,
      mfaAuthenticatedAt: 1_779_999_990_000,
      region: 'eu-central-1',
      tokenVersion: 1,
    },
    token:
      'AQAAAAdSpOu0Rbo1SR/nmJ3QLyX3i37i0Zt3tYBpWTx39LrKttonPU3kXwIHGWzCKAUWVETXdyZvZ9/42QdJQCn/QsNWdTztCfOKbwewrXlIX0kuyCMx7iq6AKPHkaBAl1NxYT0vtccs+f5n6jfx3rtvkcM3CrW4/yVY5HQSfPAMrns5IZMN4ua4aIfkUyOHhBVxQiuaLaLe1H5DxGaAz826ltjx34VgGnSw+eD7dBqLW4z/U5CJk9la6Y9QPo0wF5Vgh2qwVo/qvUprQxc9qm88MdHkBzE=',
  },
  'GetSessionToken from before regions were recorded': {
    accessKeyId: 'ASIAQNZGKWTDUSER0002',
    grant: {
      kind: 'session',
      accountId: '123456789012',
      sourceAccessKeyId: 'AKIAQNZGKWTDLONGTERM',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_003_600_000,
    },
    token:
      'AQAAAAeRKmkAF62Nz/rVGULauFG/FrvKZyve2QHVJ9iBIDmxyA7RPyGdJiAa5p/UbkJrGSVL28k86obwYiwXqvxW2AprUsZ2QcpY5Xg1681Sn4ZkDuwYwIYUP0UNWAGIfwGu8fDXlGI+HR0SkfGkEAKr0AO844EF6cUQXo96Legta97Bl5loiipycYGxcxI7nrVa9x8tPonO5caDta8UqVD6pQNsJrA+fENb',
  },
  'GetFederationToken with session policies and tags': {
    accessKeyId: 'ASIAQNZGKWTDFEDR0001',
    grant: {
      kind: 'federated',
      accountId: '123456789012',
      sourceAccessKeyId: 'AKIAQNZGKWTDLONGTERM',
      federatedName: 'bob',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_043_200_000,
      region: 'us-east-1',
      sessionPolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      tags: [{ Key: 'team', Value: 'red' }],
    },
    token:
      'AQAAAAfdUVIIxBDX3j7DlU7vhSDz0QlrLbK2Xrw2bxE5WiykFYpsecFx6UzugzxffM8OMHCH6kZNzpRnXCPmCqRsak3/iB5Bzab66wCybpiCdvHI+ZVg2hLRqokmNSCaUZxFcs9Mr8bts7PeEP0+A42F58kla4yIWFyvZ5q+rZeykfVuU7ZF5fULL0vq8RIsrUuMLfD2rOvVpjDcdJebWWIyqfyz5RB2g6N0WqxqUlB8xPALoJ0296oVOabi0AfrIYnU1kA4hy0vKRD3IGPNiwb7RlTu4vVjNlMacRLBsDO2YHwqLy5bM6cAqYCqv9DS7JRlgM0jjOrKdM4041pF4eKDE3k18P0wizvLPzSGfZwxjfHXvuEV/Hdh6/OBLYEOmMuHbZ/vuo1/HMUandYuxMbum0A3Z9WgyrtyInbn2fI7BHWNkZ9JG2YrfCvQULbcBqw1QWDY4LmrjgWAwZLeeMqh/WsO7lG/DPhaczkKDdBusuP6XaIPEzH+PJMrx/rt',
  },
  'a chained AssumeRole with every role claim': {
    accessKeyId: 'ASIAQNZGKWTDROLE0001',
    grant: {
      kind: 'role',
      accountId: '123456789012',
      roleId: 'AROAQNZGKWTDEXAMPLE01',
      roleSessionName: 'deploy',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_003_600_000,
      mfaAuthenticatedAt: 1_779_999_990_000,
      region: 'eu-west-1',
      tokenVersion: 1,
      sessionPolicy: '{}',
      policyArns: ['arn:aws:iam::123456789012:policy/Narrow'],
      tags: [
        { Key: 'project', Value: 'apollo' },
        { Key: 'stage', Value: 'dev' },
      ],
      transitiveTagKeys: ['project'],
      sourceIdentity: 'alice@example.com',
      chained: true,
    },
    token:
      'AQAAAAct296uJ6+xmojC+ao6xSJC701K10Be/cQBvgnZi1GPwwGGScOJQ5JXdPAanF7oFT3MiiIVhfxYIjwh2fP1x80En+0hsr/dzY9+EPoLq/fr26SerGKEMk+hT+MTOsgIiJEOlxsX60v/9ehX3SMbjl6Mq23+0SLLmlFh9KDH8X9hNJf7uNQbtoymon55ONjn2BHwxBXdMryPyGGcEk2CT91kSy7VZmHx0Sq2SROLyKqonmqT4hsEZ9hPNG7ngT693wMJXQ/jveNTDI9/ICxIwezC5aX1UVO5/hf9HDmFJE5ZxmNaqumr97Fpi9iSd5B7wq+ZS54gLNFGkq8QvmF2e2ruIhaMvo8aj3wvcmEdxKqXSTFFX/QlxUE8H5rBRhIgXSLOK19YeBGCUP4OAi2jILKel9KJkm2S2jzrIF5EK/o4GyKrHJpao6AHjk9skS6iPVkYEH1YT9ncj+JwNoZzab9VhK8szJtfAdW0FgunDRxJZsUG95eeAFJd',
  },
  'AssumeRoleWithWebIdentity (empty tag lists are not sealed)': {
    accessKeyId: 'ASIAQNZGKWTDROLE0002',
    grant: {
      kind: 'role',
      accountId: '123456789012',
      roleId: 'AROAQNZGKWTDEXAMPLE02',
      roleSessionName: 'ci-run-42',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_003_600_000,
      region: 'us-west-2',
      tags: [],
      transitiveTagKeys: [],
    },
    token:
      'AQAAAAfgCCofq1owprbfshgkiPCzStLDn9dLYafBlrSdSFqZEj0AhnNJi4A4MRYOtLTGcgUSj19B9+4MWQr4BurUv8x9O3UcVhq5QET4tXCuQU5M+NzjUZksqj76lc5uHhG+j5toSa74eFJgHmu+i0YV/p+IAIAaS5eMgjMdOLzcprMXJK5BC844HLm96LZMP3IvWwQTGOWs+y9DzUiCxpjD3QxZn2cI069aPj9G3B8Y6RMLkHEUtjuNSZpYK/CMdTsIgxxr3UkqiKUAzf8L',
  },
  'a role session with 50 tags (deflated, version 2)': {
    accessKeyId: 'ASIAQNZGKWTDROLE0003',
    grant: {
      kind: 'role',
      accountId: '123456789012',
      roleId: 'AROAQNZGKWTDEXAMPLE03',
      roleSessionName: 'big',
      issuedAt: 1_780_000_000_000,
      expiresAt: 1_780_003_600_000,
      region: 'eu-west-1',
      tags: Array.from({ length: 50 }, (_, i) => ({ Key: `key-${i}`, Value: `value-${i}` })),
      transitiveTagKeys: ['key-1'],
    },
    token:
      'AgAAAAcwQwxK+/Aq/9sBRH+uX5tIksGnUPb8Grm5pV9oYmwHeFXSvBUQi/ycwFg1LjDyVWBMGvRlVywg4/hP4vqU87Z0tjm49xrDoRlAH/fJ+yOfMdH0UpAswNam9PibWTqDBuZ1owVEkNZHA34KsoJKfesviVVTiPFBTeAsHa9ih7gBb4/ybVrrFDmZQ9pMICIH7/jTJrYFBX2bYiPRHNEaDQ/yv8q3YrahFCiitdRuYz3d0b1i5/rltfcSoFkOxt8uqkd8AXnRwHCEjdqlQtSAR6/xf6rO68lQU/G/UEXsE8nydyJDvYZFHFrIxE13YK7Rh4CR35Vb0Fglxnw9frKmQQ6Lnxv3Ku1W9HsLnLWdBinGmylBBHcws7QVymLy/61d8BcnjJfroUAXKPi0sLf5Gi59aTlsTwpjXaKKS6vEVjifoIHSbQDJJOY0TJ3zKVZwLknWQuxn74Traov9Edxp8zZDg1LimrbZuO1g8bQ2/ta1SH4eN14n8+jxdIL2+/rp39hR3BJ5HJrSEyprTlnChq0U',
  },
};

/** The claims as sealed: what was granted, without absent members and empty lists (the wire keeps neither). */
function sealedClaims(grant: SessionGrant): Record<string, unknown> {
  const out: Record<string, unknown> = { secretAccessKey: SECRET };
  for (const [k, v] of Object.entries(grant)) if (v !== undefined && !(Array.isArray(v) && !v.length)) out[k] = v;
  return out;
}

const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A token's payload, opened and inflated: the JSON the codec wrote. */
function payload(accessKeyId: string, token: string): { version: number; json: string } {
  const raw = Buffer.from(token, 'base64');
  const header = raw.subarray(0, 5);
  const plain = open(KEY.key, raw.subarray(5), Buffer.concat([header, Buffer.from(accessKeyId, 'ascii')]));
  assert.ok(plain, 'the token opens');
  return { version: raw[0]!, json: (raw[0] === 2 ? inflateRawSync(plain) : plain).toString('utf8') };
}

for (const [name, { accessKeyId, grant, token }] of Object.entries(SEALED)) {
  test(`a token sealed by an earlier release opens to the same claims: ${name}`, async () => {
    const codec = new SessionTokenCodec(keyring);
    const claims = await codec.decode(accessKeyId, token);
    assert.ok(claims);
    assert.deepEqual(defined(claims), sealedClaims(grant));
    assert.equal(await codec.decode('ASIAQNZGKWTDOTHER001', token), undefined);
  });

  test(`today's codec seals the same payload bytes as an earlier release: ${name}`, () => {
    const fresh = new SessionTokenCodec(keyring).encode(accessKeyId, SECRET, grant);
    assert.deepEqual(payload(accessKeyId, fresh), payload(accessKeyId, token));
    assert.deepEqual(Buffer.from(fresh, 'base64').subarray(0, 5), Buffer.from(token, 'base64').subarray(0, 5));
  });
}
