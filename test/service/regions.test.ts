/**
 * Regions as AWS has them (sts-spec §6): which credential scopes a node accepts, the global endpoint's version 1
 * tokens against the regional endpoints' tokens valid everywhere (the v1/v2 matrix), STS deactivated in a region
 * (RegionDisabledException), and the IAM side: SetSecurityTokenServicePreferences and GetAccountSummary. One SQLite
 * node for any region answers here as every endpoint through the Host header (`--domain opensts.test`); regional
 * and global nodes proper are checked at the end and, sharing PostgreSQL, in multi-node.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  endpointOf,
  isRegionActive,
  issuedTokenVersion,
  parseNodeRegion,
  scopeRefusal,
  tokenValidIn,
} from '../../src/service/regions.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const DOMAIN = 'opensts.test';
const GLOBAL_HOST = `sts.${DOMAIN}`;
const host = (region: string) => `sts.${region}.${DOMAIN}`;

describe('the region model', () => {
  test('--region: a region, global, or any', () => {
    assert.deepEqual(parseNodeRegion(undefined), { kind: 'any' });
    assert.deepEqual(parseNodeRegion('global'), { kind: 'global' });
    assert.deepEqual(parseNodeRegion('eu-central-1'), { kind: 'regional', region: 'eu-central-1' });
    assert.throws(() => parseNodeRegion('europe'), /--region must be a region name/);
  });

  test('Host names select the endpoint on a node for any region', () => {
    const any = { kind: 'any' } as const;
    assert.deepEqual(endpointOf(any, 'sts.eu-central-1.example.com:7750', 'example.com'), {
      global: false,
      region: 'eu-central-1',
    });
    assert.deepEqual(endpointOf(any, 'sts.example.com', 'example.com'), { global: true, region: 'us-east-1' });
    assert.deepEqual(endpointOf(any, '127.0.0.1:7750', 'example.com'), { global: false });
    assert.deepEqual(endpointOf(any, 'sts.ap-east-1.anything.internal'), { global: false, region: 'ap-east-1' });
    assert.deepEqual(endpointOf(any, 'sts.example.com'), { global: false }, 'no --domain: no global endpoint by name');
    // A node with a region is that endpoint whatever the Host says.
    assert.deepEqual(
      endpointOf({ kind: 'regional', region: 'eu-west-1' }, 'sts.ap-east-1.example.com', 'example.com'),
      { global: false, region: 'eu-west-1' },
    );
    assert.deepEqual(endpointOf({ kind: 'global' }, undefined), { global: true, region: 'us-east-1' });
  });

  test('credential scopes, token versions and activation', () => {
    assert.equal(scopeRefusal({ global: false, region: 'eu-west-1' }, 'eu-west-1'), undefined);
    assert.match(scopeRefusal({ global: true, region: 'us-east-1' }, 'eu-west-1')!.message, /not 'eu-west-1'/);
    assert.equal(scopeRefusal({ global: false }, 'ap-east-1'), undefined);
    assert.equal(issuedTokenVersion({ global: true, region: 'us-east-1' }, 1), 1);
    assert.equal(issuedTokenVersion({ global: true, region: 'us-east-1' }, 2), 2);
    assert.equal(issuedTokenVersion({ global: false, region: 'eu-west-1' }, 1), 2);
    assert.equal(tokenValidIn(1, 'eu-west-1'), true);
    assert.equal(tokenValidIn(1, 'ap-east-1'), false);
    assert.equal(tokenValidIn(undefined, 'ap-east-1'), true);
    assert.equal(isRegionActive('ap-east-1', new Map()), false);
    assert.equal(isRegionActive('ap-east-1', new Map([['ap-east-1', true]])), true);
    assert.equal(isRegionActive('eu-west-1', new Map([['eu-west-1', false]])), false);
    assert.equal(isRegionActive('us-east-1', new Map([['us-east-1', false]])), true);
    assert.equal(isRegionActive('cn-north-1', new Map()), true, 'other partitions count as enabled by default');
  });
});

describe('a node for any region, as every endpoint', () => {
  let s: TestServer;
  let alice: Credentials;
  const iam = { service: 'iam' as const };

  before(async () => {
    s = await startTestServer({ domain: DOMAIN });
    alice = await createUserWithKey(s, 'alice');
    await s.running.app.store.setRegionActive(s.running.app.accountId, 'ap-east-1', true);
  });
  after(() => s.close());

  /** GetSessionToken for alice at an endpoint, signed for that endpoint's region. */
  async function sessionAt(endpointHost: string, region: string): Promise<Credentials> {
    const r = await call(s, 'GetSessionToken', {}, alice, { host: endpointHost, region });
    assert.equal(r.status, 200, r.body);
    return {
      accessKeyId: xmlText(r.body, 'AccessKeyId')!,
      secretAccessKey: xmlText(r.body, 'SecretAccessKey')!,
      sessionToken: xmlText(r.body, 'SessionToken')!,
    };
  }

  const useAt = (c: Credentials, region: string) => call(s, 'GetCallerIdentity', {}, c, { host: host(region), region });

  test("a regional endpoint takes only its own region's scope; the global one only us-east-1", async () => {
    assert.equal(
      (await call(s, 'GetCallerIdentity', {}, alice, { host: host('eu-central-1'), region: 'eu-central-1' })).status,
      200,
    );
    const wrong = await call(s, 'GetCallerIdentity', {}, alice, { host: host('eu-central-1'), region: 'us-west-2' });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), 'SignatureDoesNotMatch');
    assert.equal(xmlText(wrong.body, 'Message'), "Credential should be scoped to a valid region, not 'us-west-2'. ");
    assert.equal(
      (await call(s, 'GetCallerIdentity', {}, alice, { host: GLOBAL_HOST, region: 'us-east-1' })).status,
      200,
    );
    assert.equal(
      errorCode(await call(s, 'GetCallerIdentity', {}, alice, { host: GLOBAL_HOST, region: 'eu-central-1' })),
      'SignatureDoesNotMatch',
    );
    // IAM is global: any region's scope, whatever the Host.
    assert.equal(
      (await call(s, 'GetUser', {}, s.root, { ...iam, host: host('eu-central-1'), region: 'ap-south-1' })).status,
      200,
    );
  });

  test('the v1/v2 matrix: where tokens from each endpoint are valid', async () => {
    const accountId = s.running.app.accountId;
    const version = async (v: 'v1Token' | 'v2Token') =>
      assert.equal(
        (await call(s, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: v }, s.root, iam)).status,
        200,
      );
    try {
      await version('v1Token');
      const globalV1 = await sessionAt(GLOBAL_HOST, 'us-east-1');
      const regional = await sessionAt(host('eu-central-1'), 'eu-central-1');
      const optInRegional = await sessionAt(host('ap-east-1'), 'ap-east-1');
      await version('v2Token');
      const globalV2 = await sessionAt(GLOBAL_HOST, 'us-east-1');

      const matrix: Array<[string, Credentials, string, number]> = [
        ['global v1', globalV1, 'eu-central-1', 200],
        ['global v1', globalV1, 'us-east-1', 200],
        ['global v1', globalV1, 'ap-east-1', 403],
        ['global v2', globalV2, 'eu-central-1', 200],
        ['global v2', globalV2, 'ap-east-1', 200],
        ['regional', regional, 'ap-east-1', 200],
        ['regional', regional, 'sa-east-1', 200],
        ['regional (opt-in)', optInRegional, 'eu-central-1', 200],
      ];
      for (const [name, creds, region, status] of matrix) {
        const r = await useAt(creds, region);
        assert.equal(r.status, status, `${name} token used in ${region}: ${r.body}`);
        if (status === 403) {
          assert.equal(errorCode(r), 'InvalidClientTokenId');
          assert.equal(xmlText(r.body, 'Message'), 'The security token included in the request is invalid.');
        } else {
          assert.equal(xmlText(r.body, 'Account'), accountId);
        }
      }
      // At the global endpoint itself, v1 tokens are fine (us-east-1 is enabled by default), and IAM takes them too.
      assert.equal(
        (await call(s, 'GetCallerIdentity', {}, globalV1, { host: GLOBAL_HOST, region: 'us-east-1' })).status,
        200,
      );
      const claims = await s.running.app.tokens.decode(globalV1.accessKeyId, globalV1.sessionToken!);
      assert.equal(claims?.tokenVersion, 1);
      assert.equal(
        (await s.running.app.tokens.decode(regional.accessKeyId, regional.sessionToken!))?.tokenVersion,
        undefined,
      );
    } finally {
      await version('v1Token');
    }
  });

  test('an opt-in region is inactive until the account enables it; a disabled region answers RegionDisabledException', async () => {
    const accountId = s.running.app.accountId;
    const r1 = await call(s, 'GetCallerIdentity', {}, alice, { region: 'me-south-1' });
    assert.equal(r1.status, 403);
    assert.equal(errorCode(r1), 'RegionDisabledException');
    assert.equal(
      xmlText(r1.body, 'Message'),
      `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region with: opensts regions enable me-south-1`,
    );
    await s.running.app.store.setRegionActive(accountId, 'me-south-1', true);
    assert.equal((await call(s, 'GetCallerIdentity', {}, alice, { region: 'me-south-1' })).status, 200);

    await s.running.app.store.setRegionActive(accountId, 'eu-west-2', false);
    try {
      const session = await sessionAt(host('eu-central-1'), 'eu-central-1');
      for (const creds of [alice, session, s.root]) {
        assert.equal(
          errorCode(await call(s, 'GetCallerIdentity', {}, creds, { host: host('eu-west-2'), region: 'eu-west-2' })),
          'RegionDisabledException',
        );
      }
      assert.equal(
        errorCode(await call(s, 'GetSessionToken', {}, alice, { region: 'eu-west-2' })),
        'RegionDisabledException',
      );
      // Unsigned operations are refused at a disabled region's endpoint too, before the token is even looked at.
      const webIdentity = {
        RoleArn: `arn:aws:iam::${accountId}:role/any`,
        RoleSessionName: 'ci',
        WebIdentityToken: 'not-a-jwt',
      };
      assert.equal(
        errorCode(await call(s, 'AssumeRoleWithWebIdentity', webIdentity, undefined, { host: host('eu-west-2') })),
        'RegionDisabledException',
      );
      assert.equal(
        errorCode(await call(s, 'AssumeRoleWithWebIdentity', webIdentity, undefined, { host: host('eu-west-1') })),
        'InvalidIdentityToken',
      );
      // IAM is not regional; the other regions are unaffected.
      assert.equal((await call(s, 'GetUser', {}, s.root, { ...iam, region: 'eu-west-2' })).status, 200);
      assert.equal((await call(s, 'GetCallerIdentity', {}, alice, { region: 'eu-west-1' })).status, 200);
    } finally {
      await s.running.app.store.setRegionActive(accountId, 'eu-west-2', true);
    }
    assert.equal((await call(s, 'GetCallerIdentity', {}, alice, { region: 'eu-west-2' })).status, 200);
  });

  test('GetAccountSummary counts the account and shows the global endpoint token version', async () => {
    const summary = async () => {
      const r = await call(s, 'GetAccountSummary', {}, s.root, iam);
      assert.equal(r.status, 200, r.body);
      const map = new Map(
        [...r.body.matchAll(/<entry><key>(\w+)<\/key><value>(\d+)<\/value><\/entry>/g)].map((m) => [
          m[1]!,
          Number(m[2]),
        ]),
      );
      return map;
    };
    const before = await summary();
    assert.equal(before.get('GlobalEndpointTokenVersion'), 1);
    assert.equal(before.get('AccessKeysPerUserQuota'), 2);
    assert.equal(before.get('AccountAccessKeysPresent'), 1);
    await createUserWithKey(s, 'bob');
    await call(s, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: 'v2Token' }, s.root, iam);
    try {
      const after = await summary();
      assert.equal(after.get('Users'), before.get('Users')! + 1);
      assert.equal(after.get('GlobalEndpointTokenVersion'), 2);
    } finally {
      await call(s, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: 'v1Token' }, s.root, iam);
    }
    const bad = await call(
      s,
      'SetSecurityTokenServicePreferences',
      { GlobalEndpointTokenVersion: 'v3Token' },
      s.root,
      iam,
    );
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), 'ValidationError');
  });

  test('users without permission cannot change the preferences', async () => {
    const r = await call(
      s,
      'SetSecurityTokenServicePreferences',
      { GlobalEndpointTokenVersion: 'v2Token' },
      alice,
      iam,
    );
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'AccessDenied');
  });
});

describe('nodes started for one region or for the global endpoint', () => {
  test('--region eu-central-1 refuses other scopes for STS, takes any for IAM, and issues tokens valid everywhere', async () => {
    const s = await startTestServer({ region: 'eu-central-1' });
    try {
      assert.equal((await call(s, 'GetCallerIdentity', {}, s.root, { region: 'eu-central-1' })).status, 200);
      const r = await call(s, 'GetCallerIdentity', {}, s.root, { region: 'us-east-1' });
      assert.equal(errorCode(r), 'SignatureDoesNotMatch');
      assert.equal(xmlText(r.body, 'Message'), "Credential should be scoped to a valid region, not 'us-east-1'. ");
      assert.equal((await call(s, 'ListUsers', {}, s.root, { service: 'iam', region: 'us-east-1' })).status, 200);
      const g = await call(s, 'GetSessionToken', {}, s.root, { region: 'eu-central-1' });
      const claims = await s.running.app.tokens.decode(
        xmlText(g.body, 'AccessKeyId')!,
        xmlText(g.body, 'SessionToken')!,
      );
      assert.equal(claims?.region, 'eu-central-1');
      assert.equal(claims?.tokenVersion, undefined);
    } finally {
      await s.close();
    }
  });

  test('--region global signs as us-east-1 and issues version 1 tokens unless the account prefers version 2', async () => {
    const s = await startTestServer({ region: 'global' });
    try {
      assert.equal(
        errorCode(await call(s, 'GetCallerIdentity', {}, s.root, { region: 'eu-central-1' })),
        'SignatureDoesNotMatch',
      );
      const token = async () => {
        const g = await call(s, 'GetSessionToken', {}, s.root, { region: 'us-east-1' });
        assert.equal(g.status, 200, g.body);
        return s.running.app.tokens.decode(xmlText(g.body, 'AccessKeyId')!, xmlText(g.body, 'SessionToken')!);
      };
      assert.equal((await token())?.tokenVersion, 1);
      await call(s, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: 'v2Token' }, s.root, {
        service: 'iam',
      });
      assert.equal((await token())?.tokenVersion, undefined);
    } finally {
      await s.close();
    }
  });
});
