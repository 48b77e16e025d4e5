/**
 * Outbound identity federation: EnableOutboundWebIdentityFederation and its siblings through the aws CLI and boto3,
 * GetWebIdentityToken through the aws CLI, boto3, the JS SDK and raw HTTP, its JWTs verified with jose against the
 * keys the issuer's discovery document points to (both algorithms, exact claims at the injected clock), policy
 * conditions on audience, duration, algorithm and request tags, every refusal, the discovery endpoints, keys that
 * survive a restart and are shared by nodes of one store, and no private key in the database files or any answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { parseIssuerBaseUrl } from '../../src/federation/outbound-federation.js';
import { startServer } from '../../src/server/serve.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { MAX_PAYLOAD_BYTES } from '../../src/sts/get-web-identity-token.js';
import { aws, boto3 } from '../helpers/clients.js';
import { accountOf, allow, assumed, createRole, iam, ok, policy, trust, type Params } from '../helpers/iam.js';
import { NODE_ENV, ROOT, startNode, waitFor } from '../helpers/nodes.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';
import { call, createUserWithKey, errorCode, sessionFor, xmlText, type RawReply } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const NS = 'https://sts.amazonaws.com/';
/** An aws CLI config that takes --audience https://... as the value itself (v1 would fetch the URL). */
const cliConfig = join(mkdtempSync(join(tmpdir(), 'opensts-wit-cli-')), 'config');
writeFileSync(cliConfig, '[default]\ncli_follow_urlparam = false\n');
const AUDIENCE = 'https://api.example.com';

const message = (r: RawReply) => xmlText(r.body, 'Message');
const refusal = (r: RawReply) => [r.status, errorCode(r), message(r)];
const vend = (s: TestServer, creds: Credentials, params: Params = {}, region = 'eu-central-1') =>
  call(s, 'GetWebIdentityToken', { 'Audience.member.1': AUDIENCE, SigningAlgorithm: 'RS256', ...params }, creds, {
    region,
  });

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

/** Verifies a token the way an external service would: discovery document, then its JWKS. */
async function verify(
  s: TestServer,
  token: string,
  issuer: string,
  audience: string | string[] = AUDIENCE,
): Promise<{ payload: JWTPayload; alg: string }> {
  const config = await getJson(`${issuer}/.well-known/openid-configuration`);
  assert.equal(config.status, 200, config.text);
  const keys = await getJson(config.body.jwks_uri);
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.body), {
    issuer,
    audience,
    currentDate: new Date(s.clock.now()),
    algorithms: ['RS256', 'ES384'],
  });
  return { payload, alg: protectedHeader.alg };
}

describe('enabling, disabling, and the discovery endpoints', () => {
  let s: TestServer;
  let account: string;
  let issuer: string;
  before(async () => {
    s = await startTestServer();
    account = accountOf(s);
    issuer = `${s.url}/outbound/${account}`;
  });
  after(() => s.close());

  test('before it is enabled: FeatureDisabled, discovery 404, no tokens', async () => {
    const info = await aws(s, s.root, ['iam', 'get-outbound-web-identity-federation-info']);
    assert.notEqual(info.code, 0);
    assert.match(info.stderr, /\(FeatureDisabled\)/);
    for (const doc of ['openid-configuration', 'jwks.json']) {
      const r = await getJson(`${issuer}/.well-known/${doc}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'not_found');
    }
    assert.deepEqual(refusal(await vend(s, s.root)), [
      403,
      'OutboundWebIdentityFederationDisabledException',
      'Outbound web identity federation is not enabled for this account. Enable it with EnableOutboundWebIdentityFederation.',
    ]);
  });

  test('aws iam enable-outbound-web-identity-federation answers the issuer; a second time FeatureEnabled', async () => {
    const r = await aws(s, s.root, ['iam', 'enable-outbound-web-identity-federation']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { IssuerIdentifier: issuer });
    const again = await aws(s, s.root, ['iam', 'enable-outbound-web-identity-federation']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /\(FeatureEnabled\)/);
    const raw = await iam(s, 'EnableOutboundWebIdentityFederation', {});
    assert.equal(raw.status, 409);
    assert.equal(errorCode(raw), 'FeatureEnabled');
    const info = await aws(s, s.root, ['iam', 'get-outbound-web-identity-federation-info']);
    assert.deepEqual(info.json, { IssuerIdentifier: issuer, JwtVendingEnabled: true });
  });

  test('the discovery document and the JWKS: public keys only, cacheable', async () => {
    const config = await getJson(`${issuer}/.well-known/openid-configuration`);
    assert.equal(config.status, 200);
    assert.equal(config.headers.get('content-type'), 'application/json');
    assert.equal(config.headers.get('cache-control'), 'public, max-age=3600');
    assert.deepEqual(config.body, {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES384'],
      claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', NS],
    });
    const jwks = await getJson(config.body.jwks_uri);
    assert.equal(jwks.headers.get('cache-control'), 'public, max-age=3600');
    const byAlg = Object.fromEntries(jwks.body.keys.map((k: any) => [k.alg, k]));
    assert.deepEqual(Object.keys(byAlg).sort(), ['ES384', 'RS256']);
    assert.deepEqual(Object.keys(byAlg.RS256).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(byAlg.RS256.kty, 'RSA');
    assert.equal(Buffer.from(byAlg.RS256.n, 'base64url').length, 256, 'RSA 2048');
    assert.deepEqual(Object.keys(byAlg.ES384).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(byAlg.ES384.crv, 'P-384');
    // Another account's issuer, a query string, a path that is not ours.
    assert.equal(
      (await getJson(`${s.url}/outbound/123456789012/.well-known/jwks.json`)).status,
      account === '123456789012' ? 200 : 404,
    );
    assert.equal((await getJson(`${issuer}/.well-known/jwks.json?x=1`)).status, 200);
    assert.equal((await getJson(`${s.url}/elsewhere/outbound/${account}/.well-known/jwks.json`)).status, 404);
  });

  test('boto3: disable, FeatureDisabled a second time, info still answers, 404 and no tokens; enabling again makes new keys', async () => {
    const before = (await getJson(`${issuer}/.well-known/jwks.json`)).body.keys.map((k: any) => k.kid).sort();
    const r = await boto3(
      s,
      s.root,
      `
iam.disable_outbound_web_identity_federation()
try:
    iam.disable_outbound_web_identity_federation()
    second = "ok"
except botocore.exceptions.ClientError as e:
    second = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
info = iam.get_outbound_web_identity_federation_info()
out({"second": second, "info": {k: info[k] for k in ("IssuerIdentifier", "JwtVendingEnabled")}})`,
    );
    assert.deepEqual(r, {
      second: ['FeatureDisabled', 404],
      info: { IssuerIdentifier: issuer, JwtVendingEnabled: false },
    });
    assert.equal((await getJson(`${issuer}/.well-known/jwks.json`)).status, 404);
    assert.equal((await getJson(`${issuer}/.well-known/openid-configuration`)).status, 404);
    assert.equal(errorCode(await vend(s, s.root)), 'OutboundWebIdentityFederationDisabledException');

    const enabled = await boto3(s, s.root, 'out(iam.enable_outbound_web_identity_federation()["IssuerIdentifier"])');
    assert.equal(enabled, issuer);
    const now = (await getJson(`${issuer}/.well-known/jwks.json`)).body.keys.map((k: any) => k.kid).sort();
    assert.equal(now.length, 2);
    assert.notDeepEqual(now, before);
  });

  test('the IAM operations need their permissions', async () => {
    const user = await createUserWithKey(s, 'nobody');
    for (const action of [
      'EnableOutboundWebIdentityFederation',
      'DisableOutboundWebIdentityFederation',
      'GetOutboundWebIdentityFederationInfo',
    ]) {
      assert.deepEqual(refusal(await iam(s, action, {}, user)), [
        403,
        'AccessDenied',
        `User: arn:aws:iam::${account}:user/nobody is not authorized to perform: iam:${action} on resource: * because no identity-based policy allows the iam:${action} action`,
      ]);
    }
  });
});

describe('GetWebIdentityToken', () => {
  let s: TestServer;
  let account: string;
  let issuer: string;
  let alice: Credentials;
  let bob: Credentials;

  before(async () => {
    s = await startTestServer({ domain: 'example.com' });
    account = accountOf(s);
    issuer = `${s.url}/outbound/${account}`;
    await ok(iam(s, 'EnableOutboundWebIdentityFederation', {}));
    alice = await createUserWithKey(s, 'alice');
    await ok(iam(s, 'TagUser', { UserName: 'alice', 'Tags.member.1.Key': 'team', 'Tags.member.1.Value': 'data' }));
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'alice',
        PolicyName: 'vend',
        PolicyDocument: policy(allow('sts:GetWebIdentityToken')),
      }),
    );
    bob = await createUserWithKey(s, 'bob');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'bob',
        PolicyName: 'vend-narrowly',
        PolicyDocument: policy(
          allow('sts:GetWebIdentityToken', '*', {
            'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': [AUDIENCE, 'https://other.example.com'] },
            NumericLessThanEquals: { 'sts:DurationSeconds': 600 },
            StringEquals: { 'sts:SigningAlgorithm': 'ES384' },
            StringEqualsIfExists: { 'aws:RequestTag/env': 'prod' },
          }),
        ),
      }),
    );
  });
  after(() => s.close());

  test('aws CLI, RS256: the exact claims at the injected clock, verified against the published keys', async () => {
    const t = Math.floor(Date.now() / 1000) * 1000 + 250;
    s.clock.freeze(t);
    try {
      // aws CLI v1 fetches URL-valued parameters unless told not to.
      const r = await aws(
        s,
        alice,
        ['sts', 'get-web-identity-token', '--audience', AUDIENCE, '--signing-algorithm', 'RS256'],
        undefined,
        { AWS_CONFIG_FILE: cliConfig },
      );
      assert.equal(r.code, 0, r.stderr);
      const iat = Math.floor(t / 1000);
      assert.equal(Date.parse(r.json.Expiration), (iat + 300) * 1000, 'default 300 seconds');
      const { payload, alg } = await verify(s, r.json.WebIdentityToken, issuer);
      assert.equal(alg, 'RS256');
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      assert.deepEqual(payload, {
        iss: issuer,
        aud: AUDIENCE,
        sub: `arn:aws:iam::${account}:user/alice`,
        iat,
        exp: iat + 300,
        jti: payload.jti,
        [NS]: { aws_account: account, source_region: 'eu-central-1', principal_tags: { team: 'data' } },
      });
      const header = decodeProtectedHeader(r.json.WebIdentityToken);
      assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ']);
      assert.equal(header.typ, 'JWT');
    } finally {
      s.clock.reset();
    }
  });

  test('boto3, ES384, several audiences, a duration and request tags', async () => {
    const r = await boto3(
      s,
      alice,
      `
r = sts.get_web_identity_token(Audience=params["aud"], SigningAlgorithm="ES384", DurationSeconds=3600,
    Tags=[{"Key": "job", "Value": "nightly-42"}, {"Key": "env", "Value": "prod"}])
out({"token": r["WebIdentityToken"], "exp": r["Expiration"].timestamp()})`,
      { aud: [AUDIENCE, 'urn:other'] },
    );
    const { payload, alg } = await verify(s, r.token, issuer, 'urn:other');
    assert.equal(alg, 'ES384');
    assert.deepEqual(payload.aud, [AUDIENCE, 'urn:other']);
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(r.exp, payload.exp);
    assert.deepEqual(payload[NS], {
      aws_account: account,
      source_region: 'eu-west-1',
      principal_tags: { team: 'data' },
      request_tags: { job: 'nightly-42', env: 'prod' },
    });
  });

  test('the JS SDK has GetWebIdentityTokenCommand', async () => {
    const sdk = new STSClient({ region: 'ap-southeast-2', endpoint: s.url, credentials: alice, maxAttempts: 1 });
    const r = await sdk.send(
      new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'ES384', DurationSeconds: 60 }),
    );
    const { payload } = await verify(s, r.WebIdentityToken!, issuer);
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.equal(r.Expiration!.getTime(), payload.exp! * 1000);
    assert.equal((payload[NS] as any).source_region, 'ap-southeast-2');
    sdk.destroy();
  });

  test('the root: sub is the account root, no principal tags', async () => {
    const r = await ok(vend(s, s.root));
    const { payload } = await verify(s, xmlText(r.body, 'WebIdentityToken')!, issuer);
    assert.equal(payload.sub, `arn:aws:iam::${account}:root`);
    assert.deepEqual(payload[NS], { aws_account: account, source_region: 'eu-central-1' });
  });

  test("a role session: sub is the ROLE's ARN, principal tags are the role's and the session's; no token outlives the session", async () => {
    const arn = await createRole(
      s,
      'worker',
      trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:TagSession']),
      {
        Path: '/jobs/',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'platform',
        'Tags.member.2.Key': 'tier',
        'Tags.member.2.Value': 'gold',
      },
    );
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'worker',
        PolicyName: 'vend',
        PolicyDocument: policy(allow('sts:GetWebIdentityToken')),
      }),
    );
    const session = await assumed(s, alice, arn, {
      DurationSeconds: 900,
      'Tags.member.1.Key': 'tier',
      'Tags.member.1.Value': 'silver',
    });
    const r = await ok(vend(s, session, { DurationSeconds: 600 }));
    const { payload } = await verify(s, xmlText(r.body, 'WebIdentityToken')!, issuer);
    assert.equal(payload.sub, `arn:aws:iam::${account}:role/jobs/worker`);
    assert.deepEqual((payload[NS] as any).principal_tags, { team: 'platform', tier: 'silver' });
    assert.deepEqual(refusal(await vend(s, session, { DurationSeconds: 901 })), [
      403,
      'SessionDurationEscalationException',
      'The requested token duration would extend the session beyond its original expiration time.',
    ]);
    s.clock.advance(600_000);
    try {
      assert.equal(errorCode(await vend(s, session, { DurationSeconds: 301 })), 'SessionDurationEscalationException');
      await ok(vend(s, session, { DurationSeconds: 299 }));
    } finally {
      s.clock.advance(-600_000);
    }
  });

  test('policy conditions: audience (every one), duration, algorithm, request tags', async () => {
    const ok2 = await vend(s, bob, {
      SigningAlgorithm: 'ES384',
      'Audience.member.2': 'https://other.example.com',
      DurationSeconds: 600,
      'Tags.member.1.Key': 'env',
      'Tags.member.1.Value': 'prod',
    });
    assert.equal(ok2.status, 200, ok2.body);
    await ok(vend(s, bob, { SigningAlgorithm: 'ES384' }));
    const denied = (what: string) =>
      `User: arn:aws:iam::${account}:user/bob is not authorized to perform: sts:GetWebIdentityToken on resource: * because no identity-based policy allows the sts:GetWebIdentityToken action${what}`;
    assert.deepEqual(refusal(await vend(s, bob, { SigningAlgorithm: 'RS256' })), [403, 'AccessDenied', denied('')]);
    assert.equal(
      errorCode(await vend(s, bob, { SigningAlgorithm: 'ES384', 'Audience.member.2': 'https://evil.example.com' })),
      'AccessDenied',
    );
    assert.equal(errorCode(await vend(s, bob, { SigningAlgorithm: 'ES384', DurationSeconds: 601 })), 'AccessDenied');
    assert.equal(
      errorCode(
        await vend(s, bob, { SigningAlgorithm: 'ES384', 'Tags.member.1.Key': 'env', 'Tags.member.1.Value': 'dev' }),
      ),
      'AccessDenied',
    );
    const nobody = await createUserWithKey(s, 'carol');
    assert.deepEqual(refusal(await vend(s, nobody)), [
      403,
      'AccessDenied',
      denied('').replace('user/bob', 'user/carol'),
    ]);
  });

  test('validation: algorithm, audiences, duration, tags, payload size', async () => {
    assert.deepEqual(refusal(await vend(s, alice, { SigningAlgorithm: 'HS256' })), [
      400,
      'ValidationError',
      "1 validation error detected: Value 'HS256' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
    ]);
    assert.equal(errorCode(await vend(s, alice, { SigningAlgorithm: 'RS512' })), 'ValidationError');
    assert.equal(
      errorCode(await call(s, 'GetWebIdentityToken', { SigningAlgorithm: 'RS256' }, alice, { region: 'eu-central-1' })),
      'ValidationError',
    );
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`Audience.member.${i + 1}`, `aud-${i}`]));
    assert.equal(
      message(await vend(s, alice, eleven)),
      "1 validation error detected: Value '[aud-0, aud-1, aud-2, aud-3, aud-4, aud-5, aud-6, aud-7, aud-8, aud-9, aud-10]' at 'audience' failed to satisfy constraint: Member must have length less than or equal to 10",
    );
    for (const DurationSeconds of [59, 3601])
      assert.equal(errorCode(await vend(s, alice, { DurationSeconds })), 'ValidationError', String(DurationSeconds));
    assert.deepEqual(
      refusal(
        await vend(s, alice, {
          'Tags.member.1.Key': 'a',
          'Tags.member.1.Value': '1',
          'Tags.member.2.Key': 'A',
          'Tags.member.2.Value': '2',
        }),
      ),
      [400, 'InvalidParameterValue', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.'],
    ); // AssumeRole's (UNCONFIRMED here)
    const big = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`Audience.member.${i + 1}`, `${i}`.padEnd(1000, 'x')]),
    );
    assert.deepEqual(refusal(await vend(s, alice, big)), [
      400,
      'JWTPayloadSizeExceededException',
      `The token payload exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes. Pass fewer or shorter tags or audiences.`,
    ]);
  });

  test('not on the global endpoint; not with GetSessionToken credentials', async () => {
    const global = await call(
      s,
      'GetWebIdentityToken',
      { 'Audience.member.1': AUDIENCE, SigningAlgorithm: 'RS256' },
      alice,
      { host: 'sts.example.com' },
    );
    assert.deepEqual(refusal(global), [
      400,
      'InvalidAction',
      'GetWebIdentityToken is not available on the STS global endpoint. Call a regional endpoint (sts.REGION.amazonaws.com).',
    ]);
    const regional = await call(
      s,
      'GetWebIdentityToken',
      { 'Audience.member.1': AUDIENCE, SigningAlgorithm: 'RS256' },
      alice,
      { host: 'sts.eu-west-3.example.com', region: 'eu-west-3' },
    );
    assert.equal(regional.status, 200, regional.body);
    const session = await sessionFor(s, alice);
    assert.deepEqual(refusal(await vend(s, session)), [
      403,
      'AccessDenied',
      'Cannot call GetWebIdentityToken with session credentials',
    ]);
  });

  test('no private key in any answer', async () => {
    const state = await s.running.app.outbound.get(account);
    const secrets = [...state.keys.values()].map((k) => (k.privateKey.export({ format: 'jwk' }) as { d: string }).d);
    const answers = [
      (await getJson(`${issuer}/.well-known/jwks.json`)).text,
      (await getJson(`${issuer}/.well-known/openid-configuration`)).text,
      (await iam(s, 'GetOutboundWebIdentityFederationInfo', {})).body,
      (await ok(vend(s, alice))).body,
    ];
    for (const a of answers) for (const d of secrets) assert.ok(!a.includes(d), 'a private key leaked');
    for (const k of JSON.parse(answers[0]!).keys)
      for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[p], undefined);
  });
});

describe('keys at rest', () => {
  const quiet = pino({ level: 'silent' });
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opensts-wit-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('survive a restart on the same data dir; --issuer-url sets the issuer; the database files hold no private key', async () => {
    const clock = new ManualClock();
    const issuerUrl = 'https://sts.example.com/base';
    const first = await startServer({ port: 0, dataDir: dir, clock, env: {}, log: quiet, issuerUrl });
    const s1 = {
      ...first,
      clock,
      host: `127.0.0.1:${first.port}`,
      root: first.rootCredentials!,
      dataDir: dir,
      running: first,
      close: () => first.close(),
    } as TestServer;
    const account = first.app.accountId;
    const issuer = `${issuerUrl}/outbound/${account}`;
    const enabled = await ok(iam(s1, 'EnableOutboundWebIdentityFederation', {}));
    assert.equal(xmlText(enabled.body, 'IssuerIdentifier'), issuer);
    const token = xmlText((await ok(vend(s1, s1.root, { SigningAlgorithm: 'ES384' }))).body, 'WebIdentityToken')!;
    const state = await first.app.outbound.get(account);
    const secrets = [...state.keys.values()].flatMap((k) => {
      const pem = k.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      return [(k.privateKey.export({ format: 'jwk' }) as { d: string }).d, pem.split('\n')[1]!];
    });
    const jwks1 = (await getJson(`${first.url}/base/outbound/${account}/.well-known/jwks.json`)).body;
    // The prefix of the issuer's path may also be stripped by a proxy in front.
    assert.deepEqual((await getJson(`${first.url}/outbound/${account}/.well-known/jwks.json`)).body, jwks1);
    const config = (await getJson(`${first.url}/base/outbound/${account}/.well-known/openid-configuration`)).body;
    assert.equal(config.issuer, issuer);
    assert.equal(config.jwks_uri, `${issuer}/.well-known/jwks.json`);
    await first.close();

    for (const f of readdirSync(dir)) {
      if (f === 'master.key') continue;
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      assert.ok(!bytes.includes('PRIVATE KEY'), `${f} holds a PEM private key`);
      for (const secret of secrets) assert.ok(!bytes.includes(secret), `${f} holds private key material`);
    }

    const second = await startServer({ port: 0, dataDir: dir, clock, env: {}, log: quiet, issuerUrl });
    try {
      const jwks2 = (await getJson(`${second.url}/base/outbound/${account}/.well-known/jwks.json`)).body;
      assert.deepEqual(jwks2, jwks1);
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks2), {
        issuer,
        audience: AUDIENCE,
        currentDate: new Date(clock.now()),
      });
      assert.equal(payload.sub, `arn:aws:iam::${account}:root`);
    } finally {
      await second.close();
    }
  });

  test('--issuer-url must be an http(s) URL without query or fragment', () => {
    assert.equal(parseIssuerBaseUrl('https://sts.example.com/'), 'https://sts.example.com');
    assert.equal(parseIssuerBaseUrl('https://sts.example.com/base/'), 'https://sts.example.com/base');
    assert.throws(() => parseIssuerBaseUrl('sts.example.com'), /must be a URL/);
    assert.throws(() => parseIssuerBaseUrl('ftp://sts.example.com'), /https:\/\//);
    assert.throws(() => parseIssuerBaseUrl('https://sts.example.com/?a=1'), /no query/);
  });
});

describe('two nodes of one PostgreSQL store', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const url = schemas.create().url;
    const clock = new ManualClock();
    a = await startNode({ storeUrl: url, clock, env: { ...NODE_ENV } });
    b = await startNode({ storeUrl: url, clock, env: { ...NODE_ENV } });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schemas.cleanup();
  });

  test("sign with the same keys: a token from one verifies against the other's JWKS", async () => {
    const account = accountOf(a);
    const enabled = await call(a, 'EnableOutboundWebIdentityFederation', {}, ROOT, { service: 'iam' });
    assert.equal(enabled.status, 200, enabled.body);
    const jwksOf = async (n: TestServer) => getJson(`${n.url}/outbound/${account}/.well-known/jwks.json`);
    await waitFor('node b to see the keys', async () => (await jwksOf(b)).status === 200);
    assert.deepEqual((await jwksOf(b)).body, (await jwksOf(a)).body);
    for (const alg of ['RS256', 'ES384']) {
      const r = await vend(b, ROOT, { SigningAlgorithm: alg });
      assert.equal(r.status, 200, r.body);
      const { payload } = await jwtVerify(
        xmlText(r.body, 'WebIdentityToken')!,
        createLocalJWKSet((await jwksOf(a)).body),
        {
          audience: AUDIENCE,
          currentDate: new Date(a.clock.now()),
        },
      );
      assert.equal(
        payload.iss,
        `${b.url}/outbound/${account}`,
        'each node defaults to its own URL: give them one --issuer-url',
      );
    }
  });
});
