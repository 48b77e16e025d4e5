/**
 * A deployment with a node per region: two regional nodes (eu-central-1, enabled by default; ap-east-1, opt-in) and
 * the global endpoint, all on one PostgreSQL schema. What one node writes, the others act on at once; credentials
 * from one node work at another as AWS's token versions say; the token keys rotate under traffic with no failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { keys } from '../../src/cli/keys.js';
import { regions } from '../../src/cli/regions.js';
import { LONGEST_SESSION_MS, ROTATION_MARGIN_MS } from '../../src/tokens/keyring.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';
import { NODE_ENV, ROOT, startNode } from '../helpers/nodes.js';
import { call, errorCode, xmlText, type CallOptions } from '../helpers/query.js';
import type { TestServer } from '../helpers/server.js';

const iam = { service: 'iam' as const };

describe('nodes per region on one PostgreSQL', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  const clock = new ManualClock();
  let url: string;
  let eu: TestServer;
  let ap: TestServer;
  let global: TestServer;
  /** Each node with the region its requests are signed for. */
  const at = (node: TestServer): CallOptions => ({
    region: node === eu ? 'eu-central-1' : node === ap ? 'ap-east-1' : 'us-east-1',
  });

  before(async () => {
    url = schemas.create().url;
    // All three start at once on the empty schema: one migrates, one account, one root key, one token key.
    [eu, ap, global] = await Promise.all([
      startNode({ region: 'eu-central-1', storeUrl: url, clock }),
      startNode({ region: 'ap-east-1', storeUrl: url, clock }),
      startNode({ region: 'global', storeUrl: url, clock }),
    ]);
    await eu!.running.app.store.setRegionActive(eu!.running.app.accountId, 'ap-east-1', true);
  });
  after(async () => {
    await Promise.all([eu, ap, global].map((n) => n?.close()));
    await schemas.cleanup();
  });

  const io = (now = clock.now()) => {
    const out: string[] = [];
    return { out, io: { env: { ...NODE_ENV }, out: (t: string) => void out.push(t), now: () => now } };
  };

  async function newUser(node: TestServer, name: string): Promise<Credentials> {
    const u = await call(node, 'CreateUser', { UserName: name }, ROOT, { ...iam, ...at(node) });
    assert.equal(u.status, 200, u.body);
    const k = await call(node, 'CreateAccessKey', { UserName: name }, ROOT, { ...iam, ...at(node) });
    assert.equal(k.status, 200, k.body);
    return { accessKeyId: xmlText(k.body, 'AccessKeyId')!, secretAccessKey: xmlText(k.body, 'SecretAccessKey')! };
  }

  async function session(node: TestServer, creds: Credentials): Promise<Credentials> {
    const r = await call(node, 'GetSessionToken', { DurationSeconds: 3600 }, creds, at(node));
    assert.equal(r.status, 200, r.body);
    return {
      accessKeyId: xmlText(r.body, 'AccessKeyId')!,
      secretAccessKey: xmlText(r.body, 'SecretAccessKey')!,
      sessionToken: xmlText(r.body, 'SessionToken')!,
    };
  }

  const whoAt = (node: TestServer, creds: Credentials) => call(node, 'GetCallerIdentity', {}, creds, at(node));

  test('the nodes that started together share one account, one root key and one token key', async () => {
    const accounts = new Set([eu, ap, global].map((n) => n.running.app.accountId));
    assert.equal(accounts.size, 1);
    assert.equal((await eu.running.app.store.listAccessKeys(eu.running.app.accountId, undefined)).length, 1);
    assert.deepEqual(
      (await ap.running.app.store.listTokenKeys()).map((k) => k.keyId),
      [1],
    );
    for (const n of [eu, ap, global]) assert.equal((await whoAt(n, ROOT)).status, 200);
  });

  test('a user created on one node works on the others at once', async () => {
    const started = performance.now();
    const alice = await newUser(eu, 'alice');
    for (const n of [ap, global]) {
      const r = await whoAt(n, alice);
      assert.equal(r.status, 200, r.body);
      assert.match(xmlText(r.body, 'Arn')!, /:user\/alice$/);
    }
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    // The name is taken everywhere.
    const again = await call(global, 'CreateUser', { UserName: 'ALICE' }, ROOT, { ...iam, ...at(global) });
    assert.equal(errorCode(again), 'EntityAlreadyExists');
  });

  test("credentials from one region's node work at another's; the global endpoint's v1 tokens not in opt-in regions", async () => {
    const bob = await newUser(ap, 'bob');
    const fromEu = await session(eu, bob);
    const fromAp = await session(ap, bob);
    const fromGlobal = await session(global, bob);
    for (const n of [eu, ap, global]) {
      assert.equal((await whoAt(n, fromEu)).status, 200);
      assert.equal((await whoAt(n, fromAp)).status, 200);
    }
    assert.equal((await whoAt(eu, fromGlobal)).status, 200);
    assert.equal((await whoAt(global, fromGlobal)).status, 200);
    const refused = await whoAt(ap, fromGlobal);
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'InvalidClientTokenId');

    // The account prefers version 2 tokens (set through one node, seen by the global one at once).
    const pref = await call(eu, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: 'v2Token' }, ROOT, {
      ...iam,
      ...at(eu),
    });
    assert.equal(pref.status, 200, pref.body);
    const summary = await call(ap, 'GetAccountSummary', {}, ROOT, { ...iam, ...at(ap) });
    assert.match(summary.body, /<entry><key>GlobalEndpointTokenVersion<\/key><value>2<\/value><\/entry>/);
    const v2 = await session(global, bob);
    assert.equal((await whoAt(ap, v2)).status, 200);
    await call(eu, 'SetSecurityTokenServicePreferences', { GlobalEndpointTokenVersion: 'v1Token' }, ROOT, {
      ...iam,
      ...at(eu),
    });
    assert.equal(errorCode(await whoAt(ap, await session(global, bob))), 'InvalidClientTokenId');
  });

  test("each node takes only its own region's credential scope", async () => {
    const r = await call(eu, 'GetCallerIdentity', {}, ROOT, { region: 'ap-east-1' });
    assert.equal(errorCode(r), 'SignatureDoesNotMatch');
    assert.equal(
      errorCode(await call(global, 'GetCallerIdentity', {}, ROOT, { region: 'eu-central-1' })),
      'SignatureDoesNotMatch',
    );
    assert.equal(
      (await call(ap, 'ListUsers', {}, ROOT, { ...iam, region: 'eu-central-1' })).status,
      200,
      'IAM is global',
    );
  });

  test('a key deactivated on one node is refused by every node from the next request on', async () => {
    const carol = await newUser(global, 'carol');
    const carolSession = await session(eu, carol);
    for (const n of [eu, ap, global]) {
      assert.equal((await whoAt(n, carol)).status, 200); // now cached on every node
      assert.equal((await whoAt(n, carolSession)).status, 200);
    }
    const off = await call(
      ap,
      'UpdateAccessKey',
      { UserName: 'carol', AccessKeyId: carol.accessKeyId, Status: 'Inactive' },
      ROOT,
      { ...iam, ...at(ap) },
    );
    assert.equal(off.status, 200, off.body);
    for (const n of [eu, ap, global]) {
      assert.equal(errorCode(await whoAt(n, carol)), 'InvalidClientTokenId');
      assert.equal(errorCode(await whoAt(n, carolSession)), 'InvalidClientTokenId', 'sessions die with their key');
    }
  });

  test('a region disabled with `opensts regions disable` answers RegionDisabledException at once', async () => {
    const dave = await newUser(eu, 'dave');
    const { io: disable } = io();
    assert.equal(await regions(['disable', 'eu-central-1', '--store', url], disable), 0);
    try {
      const r = await whoAt(eu, dave);
      assert.equal(r.status, 403);
      assert.equal(errorCode(r), 'RegionDisabledException');
      assert.equal((await whoAt(ap, dave)).status, 200);
      assert.equal((await whoAt(global, dave)).status, 200);
    } finally {
      assert.equal(await regions(['enable', 'eu-central-1', '--store', url], io().io), 0);
    }
    assert.equal((await whoAt(eu, dave)).status, 200);
    const { out, io: list } = io();
    await regions(['list', '--store', url], list);
    assert.match(out.join(''), /ap-east-1\s+opt-in\s+active/);
    assert.match(out.join(''), /af-south-1\s+opt-in\s+inactive/);
  });

  test('`opensts keys rotate` while requests flow: not one fails, new tokens use the new key, old ones still open', async () => {
    const erin = await newUser(eu, 'erin');
    const before = await session(ap, erin);
    const nodes = [eu, ap, global];
    let stop = false;
    const failures: string[] = [];
    const keyIds = new Set<number>();
    let requests = 0;
    const loop = async (offset: number) => {
      for (let i = offset; !stop; i++) {
        const issuer = nodes[i % 3]!;
        const user = nodes[(i + 1) % 3]!;
        const g = await call(issuer, 'GetSessionToken', { DurationSeconds: 900 }, erin, at(issuer));
        requests++;
        if (g.status !== 200) {
          failures.push(`GetSessionToken at ${at(issuer).region}: ${g.body}`);
          continue;
        }
        const token = xmlText(g.body, 'SessionToken')!;
        keyIds.add(Buffer.from(token, 'base64').readUInt32BE(1));
        const creds = {
          accessKeyId: xmlText(g.body, 'AccessKeyId')!,
          secretAccessKey: xmlText(g.body, 'SecretAccessKey')!,
          sessionToken: token,
        };
        for (const c of [creds, before]) {
          const r = await whoAt(user, c);
          requests++;
          if (r.status !== 200) failures.push(`GetCallerIdentity at ${at(user).region}: ${r.body}`);
        }
      }
    };
    const loops = [loop(0), loop(1), loop(2)];
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 150));
        const { out, io: rotate } = io();
        assert.equal(await keys(['rotate', '--store', url], rotate), 0);
        assert.match(out.join(''), /Added token key \d+/);
      }
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.deepEqual(failures, []);
    assert.ok(requests > 50, `only ${requests} requests`);
    assert.ok(keyIds.size >= 3, `tokens were sealed with keys ${[...keyIds]}`);
    const newest = Math.max(...(await eu.running.app.store.listTokenKeys()).map((k) => k.keyId));
    const fresh = await session(eu, erin);
    assert.equal(Buffer.from(fresh.sessionToken!, 'base64').readUInt32BE(1), newest);

    // Once the newest key is older than the longest session, rotating retires all but the last two.
    const later = clock.now() + LONGEST_SESSION_MS + ROTATION_MARGIN_MS + 60_000;
    const { out, io: rotate } = io(later);
    assert.equal(await keys(['rotate', '--store', url], rotate), 0);
    assert.match(out.join(''), /Retired token keys? [\d, ]+/);
    const left = (await eu.running.app.store.listTokenKeys()).map((k) => k.keyId);
    assert.deepEqual(left, [newest, newest + 1]);
    // Tokens sealed with the key that stays still open everywhere, and new ones use the newest.
    for (const n of nodes) {
      const r = await whoAt(n, fresh);
      assert.equal(r.status, 200, `${at(n).region}: ${r.body}`);
    }
    // A node reloads its keyring when it hears of the rotation, without holding up the request that noticed it.
    let newer = await session(eu, erin);
    for (let i = 0; i < 20 && Buffer.from(newer.sessionToken!, 'base64').readUInt32BE(1) !== newest + 1; i++)
      newer = await session(eu, erin);
    assert.equal(Buffer.from(newer.sessionToken!, 'base64').readUInt32BE(1), newest + 1);
    for (const n of nodes) assert.equal((await whoAt(n, newer)).status, 200);
  });
});
