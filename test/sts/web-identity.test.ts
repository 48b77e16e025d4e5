/**
 * AssumeRoleWithWebIdentity over raw HTTP against an OpenID Connect issuer running in the test (HTTPS with a
 * certificate made for the run): the exact answer, the session it makes, trust-policy conditions on the token's
 * claims, and every refusal in AWS's words — unknown issuer, wrong audience, expiry at the server's clock, forged
 * signatures, unknown keys, an unreachable or untrusted issuer.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { call, errorCode, xmlText, type RawReply } from '../helpers/query.js';
import {
  accountOf,
  allow,
  allowed,
  assumeRole,
  createRole,
  credentialsOf,
  iam,
  ok,
  policy,
  trust,
} from '../helpers/iam.js';
import { startTestIssuer, type TestIssuer } from '../helpers/oidc-issuer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let issuer: TestIssuer;
let account: string;
let host: string;
let providerArn: string;
let roleArn: string;

const federatedTrust = (provider: string, condition?: object, actions: string[] = ['sts:AssumeRoleWithWebIdentity']) =>
  policy({
    Effect: 'Allow',
    Principal: { Federated: provider },
    Action: actions,
    ...(condition ? { Condition: condition } : {}),
  });

before(async () => {
  issuer = await startTestIssuer();
  s = await startTestServer({ oidcCaFile: issuer.caFile });
  account = accountOf(s);
  host = issuer.url.slice('https://'.length);
  const created = await ok(
    iam(s, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
  );
  providerArn = xmlText(created.body, 'OpenIDConnectProviderArn')!;
  roleArn = await createRole(
    s,
    'ci',
    federatedTrust(providerArn, {
      StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' },
      StringLike: { [`${host}:sub`]: 'repo:octo-org/*' },
    }),
    { MaxSessionDuration: 7200 },
  );
  await ok(
    iam(s, 'PutRolePolicy', {
      RoleName: 'ci',
      PolicyName: 'read',
      PolicyDocument: policy(allow(['iam:ListRoles', 'iam:GetRole'])),
    }),
  );
});
after(async () => {
  await s.close();
  await issuer.close();
});

const message = (body: string) => xmlText(body, 'Message');
/** The unsigned call, as SDKs send it. */
const withToken = (token: string, params: Record<string, string | number> = {}, server = s) =>
  call(
    server,
    'AssumeRoleWithWebIdentity',
    { RoleArn: roleArn, RoleSessionName: 'build-42', WebIdentityToken: token, ...params },
    undefined,
  );
const refusal = (r: RawReply) => [r.status, errorCode(r), message(r.body)];

describe('a valid token', () => {
  test('gets role credentials: the exact answer, and a session that is the assumed role', async () => {
    const token = await issuer.sign(s.clock.now());
    const t = s.clock.now();
    const r = await ok(withToken(token));
    const c = {
      ak: xmlText(r.body, 'AccessKeyId')!,
      sk: xmlText(r.body, 'SecretAccessKey')!,
      st: xmlText(r.body, 'SessionToken')!,
      exp: xmlText(r.body, 'Expiration')!,
    };
    const roleId = xmlText((await ok(iam(s, 'GetRole', { RoleName: 'ci' }))).body, 'RoleId')!;
    assert.match(c.ak, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(Math.abs(Date.parse(c.exp) - (t + 3_600_000)) < 2000, 'default one hour');
    assert.equal(
      r.body,
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
        `<Credentials><AccessKeyId>${c.ak}</AccessKeyId><SecretAccessKey>${c.sk}</SecretAccessKey><SessionToken>${c.st}</SessionToken><Expiration>${c.exp}</Expiration></Credentials>` +
        '<SubjectFromWebIdentityToken>repo:octo-org/app:ref:refs/heads/main</SubjectFromWebIdentityToken>' +
        `<AssumedRoleUser><AssumedRoleId>${roleId}:build-42</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/ci/build-42</Arn></AssumedRoleUser>` +
        `<Provider>${providerArn}</Provider><Audience>sts.amazonaws.com</Audience>` +
        `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    );
    const session = { accessKeyId: c.ak, secretAccessKey: c.sk, sessionToken: c.st };
    const who = await ok(call(s, 'GetCallerIdentity', {}, session));
    assert.equal(xmlText(who.body, 'Arn'), `arn:aws:sts::${account}:assumed-role/ci/build-42`);
    assert.equal(xmlText(who.body, 'UserId'), `${roleId}:build-42`);
    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 200, "the role's policies apply");
    assert.equal((await iam(s, 'ListUsers', {}, session)).status, 403);
  });

  test("session policies, a longer duration within the role's maximum, and ES256 tokens", async () => {
    const token = await issuer.sign(s.clock.now());
    const r = await ok(withToken(token, { DurationSeconds: 7200, Policy: policy(allow('iam:GetRole')) }));
    assert.ok(Number(xmlText(r.body, 'PackedPolicySize')) > 0);
    const session = credentialsOf(r.body);
    assert.equal((await iam(s, 'GetRole', { RoleName: 'ci' }, session)).status, 200);
    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 403, 'limited by the session policy');
    const tooLong = await withToken(token, { DurationSeconds: 10800 });
    assert.deepEqual(refusal(tooLong), [
      400,
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    ]);

    const es = await startTestIssuer({ alg: 'ES256' });
    const s2 = await startTestServer({ oidcCaFile: es.caFile });
    try {
      const provider = xmlText(
        (
          await ok(
            iam(s2, 'CreateOpenIDConnectProvider', { Url: es.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
          )
        ).body,
        'OpenIDConnectProviderArn',
      )!;
      const arn = await createRole(s2, 'es', federatedTrust(provider));
      const ok2 = await ok(
        call(
          s2,
          'AssumeRoleWithWebIdentity',
          { RoleArn: arn, RoleSessionName: 'es', WebIdentityToken: await es.sign(s2.clock.now()) },
          undefined,
        ),
      );
      assert.equal(xmlText(ok2.body, 'Arn'), `arn:aws:sts::${accountOf(s2)}:assumed-role/es/es`);
    } finally {
      await s2.close();
      await es.close();
    }
  });

  test("the issuer's keys are fetched once and reused", async () => {
    const before = issuer.requests.length;
    await ok(withToken(await issuer.sign(s.clock.now())));
    await ok(withToken(await issuer.sign(s.clock.now())));
    assert.equal(issuer.requests.length, before);
    assert.deepEqual(issuer.requests.slice(0, 2), ['/.well-known/openid-configuration', '/keys']);
  });

  test('a source identity claim is set only when the trust policy allows sts:SetSourceIdentity', async () => {
    const token = await issuer.sign(s.clock.now(), {
      claims: { 'https://aws.amazon.com/source_identity': 'alice@example.com' },
    });
    assert.deepEqual(refusal(await withToken(token)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:SetSourceIdentity',
    ]);
    const arn = await createRole(
      s,
      'ci-source',
      federatedTrust(providerArn, undefined, ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity']),
    );
    const r = await ok(withToken(token, { RoleArn: arn }));
    assert.equal(xmlText(r.body, 'SourceIdentity'), 'alice@example.com');
    const who = credentialsOf(r.body);
    assert.equal((await ok(call(s, 'GetCallerIdentity', {}, who))).status, 200);
  });
});

describe('session tags from the token', () => {
  const TAGS = 'https://aws.amazon.com/tags';
  const tagged = (tags: unknown) => issuer.sign(s.clock.now(), { claims: { [TAGS]: tags } });
  let tagRole: string;
  before(async () => {
    // Tags are taken only with sts:TagSession, here only for the project the role is for.
    tagRole = await createRole(
      s,
      'ci-tags',
      policy(
        { Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' },
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:TagSession',
          Condition: { StringEquals: { 'aws:RequestTag/Project': 'apollo' } },
        },
      ),
    );
  });

  test("become the session's principal tags, with sts:TagSession in the trust policy", async () => {
    const token = await tagged({ principal_tags: { Project: ['apollo'], Team: ['ci'] } });
    const r = await ok(withToken(token, { RoleArn: tagRole }));
    assert.ok(Number(xmlText(r.body, 'PackedPolicySize')) > 0, 'tags count towards the packed size');
    const session = credentialsOf(r.body);
    const bucket = 'arn:aws:s3:::apollo-artifacts';
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'ci-tags',
        PolicyName: 'abac',
        PolicyDocument: policy(
          allow('s3:GetObject', `${bucket}/*`, {
            StringEquals: { 'aws:PrincipalTag/Project': 'apollo', 'aws:PrincipalTag/Team': 'ci' },
          }),
        ),
      }),
    );
    assert.equal(await allowed(s, session, 's3:GetObject', `${bucket}/build.zip`), true);
    const other = credentialsOf(
      (
        await ok(
          withToken(await tagged({ principal_tags: { Project: ['apollo'], Team: ['web'] } }), { RoleArn: tagRole }),
        )
      ).body,
    );
    assert.notEqual(
      await allowed(s, other, 's3:GetObject', `${bucket}/build.zip`),
      true,
      "another team's session is refused",
    );
  });

  test("are refused without sts:TagSession, or when the trust policy's tag condition fails", async () => {
    const token = await tagged({ principal_tags: { Project: ['apollo'] } });
    assert.deepEqual(refusal(await withToken(token)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:TagSession',
    ]);
    const wrong = await tagged({ principal_tags: { Project: ['gemini'] } });
    assert.deepEqual(refusal(await withToken(wrong, { RoleArn: tagRole })), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:TagSession',
    ]);
    // A token without tags needs no sts:TagSession.
    await ok(withToken(await issuer.sign(s.clock.now()), { RoleArn: tagRole }));
  });

  test('transitive tag keys pass on to a chained role session, which cannot change them', async () => {
    const token = await tagged({ principal_tags: { Project: ['apollo'] }, transitive_tag_keys: ['Project'] });
    const web = credentialsOf((await ok(withToken(token, { RoleArn: tagRole }))).body);
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'ci-tags',
        PolicyName: 'chain',
        PolicyDocument: policy(allow(['sts:AssumeRole', 'sts:TagSession'])),
      }),
    );
    const next = await createRole(
      s,
      'deploy-tags',
      trust(`arn:aws:iam::${account}:root`, ['sts:AssumeRole', 'sts:TagSession']),
    );
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'deploy-tags',
        PolicyName: 'abac',
        PolicyDocument: policy(allow('s3:PutObject', '*', { StringEquals: { 'aws:PrincipalTag/Project': 'apollo' } })),
      }),
    );
    const chained = credentialsOf((await ok(assumeRole(s, web, next))).body);
    assert.equal(
      await allowed(s, chained, 's3:PutObject', 'arn:aws:s3:::apollo-artifacts/x'),
      true,
      'the transitive tag came along',
    );
    const changed = await assumeRole(s, web, next, { 'Tags.member.1.Key': 'Project', 'Tags.member.1.Value': 'gemini' });
    assert.equal(errorCode(changed), 'InvalidParameterValue');
  });

  // UNCONFIRMED: AWS's code and wording for a tags claim it cannot read (InvalidIdentityToken here).
  test('a claim that is not the documented shape is InvalidIdentityToken; transitive keys must be among the tags', async () => {
    const bad: Array<[unknown, string]> = [
      [['Project'], 'https://aws.amazon.com/tags must be an object.'],
      [{ principal_tags: ['Project'] }, 'principal_tags must be an object.'],
      [{ principal_tags: { Project: 'apollo' } }, 'the value of Project must be an array of one string.'],
      [{ principal_tags: { Project: ['apollo', 'gemini'] } }, 'the value of Project must be an array of one string.'],
      [{ principal_tags: { 'Pro ject!': ['x'] } }, 'the tag key "Pro ject!" is not a valid tag key.'],
      [{ principal_tags: { Project: ['x'.repeat(257)] } }, 'the value of Project is not a valid tag value.'],
      [
        { principal_tags: { Project: ['x'] }, transitive_tag_keys: 'Project' },
        'transitive_tag_keys must be an array of tag keys.',
      ],
    ];
    for (const [claim, why] of bad) {
      assert.deepEqual(
        refusal(await withToken(await tagged(claim), { RoleArn: tagRole })),
        [400, 'InvalidIdentityToken', `The session tags in the web identity token are not valid: ${why}`],
        JSON.stringify(claim),
      );
    }
    const stray = await tagged({ principal_tags: { Project: ['apollo'] }, transitive_tag_keys: ['Team'] });
    assert.deepEqual(refusal(await withToken(stray, { RoleArn: tagRole })), [
      400,
      'InvalidParameterValue',
      'The specified transitive tag key must be included in the requested tags.',
    ]); // AssumeRole's (UNCONFIRMED here)
  });
});

describe('the trust policy', () => {
  test("a subject the condition does not match is refused with AWS's message", async () => {
    const token = await issuer.sign(s.clock.now(), { claims: { sub: 'repo:evil-org/app:ref:refs/heads/main' } });
    assert.deepEqual(refusal(await withToken(token)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ]);
  });

  test('a role that trusts another provider, only sts:AssumeRole, or does not exist, is refused alike', async () => {
    const token = await issuer.sign(s.clock.now());
    const other = await createRole(
      s,
      'other-idp',
      federatedTrust(`arn:aws:iam::${account}:oidc-provider/accounts.example.com`),
    );
    const awsOnly = await createRole(s, 'assume-only', federatedTrust(providerArn, undefined, ['sts:AssumeRole']));
    for (const arn of [other, awsOnly, `arn:aws:iam::${account}:role/missing`, 'arn:aws:iam::999999999999:role/ci']) {
      assert.deepEqual(
        refusal(await withToken(token, { RoleArn: arn })),
        [403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
        arn,
      );
    }
  });

  test('conditions on amr and sts:RoleSessionName', async () => {
    const arn = await createRole(
      s,
      'mfa-ci',
      federatedTrust(providerArn, {
        'ForAnyValue:StringEquals': { [`${host}:amr`]: 'mfa' },
        StringLike: { 'sts:RoleSessionName': 'build-*' },
      }),
    );
    const withMfa = await issuer.sign(s.clock.now(), { claims: { amr: ['pwd', 'mfa'] } });
    await ok(withToken(withMfa, { RoleArn: arn }));
    assert.equal((await withToken(withMfa, { RoleArn: arn, RoleSessionName: 'deploy' })).status, 403);
    assert.equal(
      (await withToken(await issuer.sign(s.clock.now(), { claims: { amr: ['pwd'] } }), { RoleArn: arn })).status,
      403,
    );
  });
});

describe('tokens that are refused', () => {
  test('a wrong audience', async () => {
    const token = await issuer.sign(s.clock.now(), { claims: { aud: 'someone-else' } });
    assert.deepEqual(refusal(await withToken(token)), [400, 'InvalidIdentityToken', 'Incorrect token audience']);
    const several = await issuer.sign(s.clock.now(), { claims: { aud: ['someone-else', 'sts.amazonaws.com'] } });
    assert.equal(
      xmlText((await ok(withToken(several))).body, 'Audience'),
      'sts.amazonaws.com',
      'one of several audiences is enough',
    );
  });

  test('an issuer that is no provider of the account, which is never contacted', async () => {
    const requests = issuer.requests.length;
    const token = await issuer.sign(s.clock.now(), { claims: { iss: 'https://token.actions.githubusercontent.com' } });
    assert.deepEqual(refusal(await withToken(token)), [
      400,
      'InvalidIdentityToken',
      'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
    ]);
    const plain = await issuer.sign(s.clock.now(), { claims: { iss: `http://${host}` } });
    assert.equal(
      message((await withToken(plain)).body),
      `No OpenIDConnect provider found in your account for http://${host}`,
    );
    assert.equal(issuer.requests.length, requests);
  });

  test("an expired token, by the server's clock", async () => {
    // Frozen: at real time, two readings of the clock (the test's and the server's) may fall in different seconds.
    const signedAt = s.clock.now();
    s.clock.freeze(signedAt);
    const token = await issuer.sign(signedAt, { lifetime: 600 });
    const exp = Math.floor(signedAt / 1000) + 600;
    s.clock.advance(601_000);
    try {
      const r = await withToken(token);
      assert.deepEqual(refusal(r), [
        400,
        'ExpiredTokenException',
        `Token expired: current date/time ${Math.floor(s.clock.now() / 1000)} must be before the expiration date/time ${exp}`,
      ]);
    } finally {
      s.clock.reset();
    }
    const notYet = await issuer.sign(s.clock.now(), { claims: { nbf: Math.floor(s.clock.now() / 1000) + 300 } });
    assert.equal(errorCode(await withToken(notYet)), 'InvalidIdentityToken');
  });

  test('a forged signature, a key the issuer does not publish, an algorithm AWS does not take, and no JWT at all', async () => {
    const generic =
      'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.';
    const token = await issuer.sign(s.clock.now());
    const [h, p, sig] = token.split('.');
    const tamperedSignature = `${h}.${p}.${sig!.slice(0, -4)}${sig!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    assert.deepEqual(refusal(await withToken(tamperedSignature)), [400, 'InvalidIdentityToken', generic]);
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tamperedClaims = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'repo:octo-org/other' })).toString('base64url')}.${sig}`;
    assert.deepEqual(refusal(await withToken(tamperedClaims)), [400, 'InvalidIdentityToken', generic]);

    const unpublished = await issuer.sign(s.clock.now(), { unpublishedKey: true });
    assert.deepEqual(refusal(await withToken(unpublished)), [
      400,
      'InvalidIdentityToken',
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    ]);

    const hs = await new SignJWT({ iss: issuer.url, aud: 'sts.amazonaws.com', sub: 'repo:octo-org/app' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(s.clock.now() / 1000))
      .setExpirationTime('10m')
      .sign(new Uint8Array(32));
    assert.deepEqual(refusal(await withToken(hs)), [400, 'InvalidIdentityToken', generic]);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    assert.deepEqual(refusal(await withToken(none)), [400, 'InvalidIdentityToken', generic]);

    for (const junk of ['not-a-jwt', 'a.b.c', `${h}.${p}`]) {
      assert.deepEqual(
        refusal(await withToken(junk)),
        [
          400,
          'InvalidIdentityToken',
          'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
        ],
        junk,
      );
    }
  });

  test("the model's limits, and ProviderId (OAuth 2.0), are refused before the token is read", async () => {
    const r = await withToken('x'.repeat(20001));
    assert.equal(errorCode(r), 'ValidationError');
    const p = await withToken(await issuer.sign(s.clock.now()), { ProviderId: 'graph.facebook.com' });
    assert.equal(errorCode(p), 'InvalidIdentityToken');
  });
});

describe('an issuer that cannot be asked', () => {
  test('one that fails, or listens nowhere, is IDPCommunicationError; it is asked again after a few seconds', async () => {
    // A new server: its key cache is empty.
    const s2 = await startTestServer({ oidcCaFile: issuer.caFile });
    try {
      const provider = xmlText(
        (
          await ok(
            iam(s2, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
          )
        ).body,
        'OpenIDConnectProviderArn',
      )!;
      const arn = await createRole(s2, 'ci', federatedTrust(provider));
      const token = await issuer.sign(s2.clock.now());
      issuer.failing = true;
      try {
        const r = await withToken(token, { RoleArn: arn }, s2);
        assert.deepEqual([r.status, errorCode(r)], [400, 'IDPCommunicationError']);
      } finally {
        issuer.failing = false;
      }
      const asked = issuer.requests.length;
      assert.equal(
        errorCode(await withToken(token, { RoleArn: arn }, s2)),
        'IDPCommunicationError',
        'not asked again at once',
      );
      assert.equal(issuer.requests.length, asked);
      s2.clock.advance(5000);
      await ok(withToken(token, { RoleArn: arn }, s2));

      const port = await closedPort();
      await ok(
        iam(s2, 'CreateOpenIDConnectProvider', {
          Url: `https://127.0.0.1:${port}`,
          'ClientIDList.member.1': 'sts.amazonaws.com',
        }),
      );
      const nowhere = await issuer.sign(s2.clock.now(), { claims: { iss: `https://127.0.0.1:${port}` } });
      assert.equal(errorCode(await withToken(nowhere, { RoleArn: arn }, s2)), 'IDPCommunicationError');
    } finally {
      await s2.close();
    }
  });

  test('an issuer whose certificate the server does not trust (no CA file) is never believed', async () => {
    const s3 = await startTestServer();
    try {
      const provider = xmlText(
        (
          await ok(
            iam(s3, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
          )
        ).body,
        'OpenIDConnectProviderArn',
      )!;
      const arn = await createRole(s3, 'ci', federatedTrust(provider));
      const r = await withToken(await issuer.sign(s3.clock.now()), { RoleArn: arn }, s3);
      assert.deepEqual([r.status, errorCode(r)], [400, 'IDPCommunicationError']);
    } finally {
      await s3.close();
    }
  });

  test('the CA file also comes from OPENSTS_OIDC_CA_FILE; one that cannot be read stops the start', async () => {
    const s4 = await startTestServer({ env: { OPENSTS_OIDC_CA_FILE: issuer.caFile } });
    try {
      const provider = xmlText(
        (
          await ok(
            iam(s4, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
          )
        ).body,
        'OpenIDConnectProviderArn',
      )!;
      const arn = await createRole(s4, 'ci', federatedTrust(provider));
      await ok(withToken(await issuer.sign(s4.clock.now()), { RoleArn: arn }, s4));
    } finally {
      await s4.close();
    }
    await assert.rejects(startTestServer({ oidcCaFile: '/nonexistent/ca.pem' }), /ENOENT/);
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
