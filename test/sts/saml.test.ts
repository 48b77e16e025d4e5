/**
 * AssumeRoleWithSAML against a SAML identity provider made in the test (key, self-signed certificate, metadata,
 * responses signed with xml-crypto): the exact answer and the session it makes; the stock aws CLI, boto3 and the
 * AWS SDK for JavaScript; trust-policy conditions on the SAML keys; attributes (session name, duration, tags, source
 * identity); and every refusal: tampering after signing, another key, signature wrapping, no signature, times at
 * the server's clock, audience, issuer, recipient, the role pair, the provider, and input that is not a response.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AssumeRoleWithSAMLCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { fileURLToPath } from 'node:url';
import { aws, boto3, clientEnv, run } from '../helpers/clients.js';
import { accountOf, allow, allowed, createRole, credentialsOf, iam, ok, policy } from '../helpers/iam.js';
import { call, errorCode, xmlText, type RawReply } from '../helpers/query.js';
import { makeTestIdp, type ResponseOptions, type TestIdp } from '../helpers/saml-idp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let idp: TestIdp;
let other: TestIdp;
let account: string;
let providerArn: string;
let roleArn: string;

const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const samlTrust = (provider: string, condition?: object, actions: string[] = ['sts:AssumeRoleWithSAML']) =>
  policy({
    Effect: 'Allow',
    Principal: { Federated: provider },
    Action: actions,
    ...(condition ? { Condition: condition } : {}),
  });

before(async () => {
  idp = makeTestIdp();
  other = makeTestIdp('https://other-idp.example.com');
  s = await startTestServer();
  account = accountOf(s);
  const created = await ok(iam(s, 'CreateSAMLProvider', { Name: 'Okta', SAMLMetadataDocument: idp.metadata() }));
  providerArn = xmlText(created.body, 'SAMLProviderArn')!;
  roleArn = await createRole(
    s,
    'engineers',
    samlTrust(providerArn, { StringEquals: { 'saml:aud': 'https://signin.aws.amazon.com/saml' } }),
    { MaxSessionDuration: 7200 },
  );
  await ok(
    iam(s, 'PutRolePolicy', {
      RoleName: 'engineers',
      PolicyName: 'read',
      PolicyDocument: policy(allow(['iam:ListRoles', 'iam:GetRole'])),
    }),
  );
});
after(() => s.close());

const message = (body: string) => xmlText(body, 'Message');
const refusal = (r: RawReply) => [r.status, errorCode(r), message(r.body)];
const pair = (role = roleArn, provider = providerArn) => `${role},${provider}`;
/** A response for the default role, signed by the IdP, issued at the server's now. */
const respond = (o: Partial<ResponseOptions> = {}, from = idp) =>
  from.response({ now: s.clock.now(), roles: [pair()], ...o });
const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
/** The unsigned call, as SDKs send it. */
const withSaml = (assertion: string, params: Record<string, string | number> = {}, server = s) =>
  call(
    server,
    'AssumeRoleWithSAML',
    { RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion, ...params },
    undefined,
  );

describe('a valid response', () => {
  test('gets role credentials: the exact answer, and a session that is the assumed role', async () => {
    const t = s.clock.now();
    const r = await ok(withSaml(respond({ sessionName: 'alice@example.com' })));
    const c = {
      ak: xmlText(r.body, 'AccessKeyId')!,
      sk: xmlText(r.body, 'SecretAccessKey')!,
      st: xmlText(r.body, 'SessionToken')!,
      exp: xmlText(r.body, 'Expiration')!,
    };
    const roleId = xmlText((await ok(iam(s, 'GetRole', { RoleName: 'engineers' }))).body, 'RoleId')!;
    const qualifier = createHash('sha1').update(`${idp.entityId}${account}/Okta`).digest('base64');
    assert.match(c.ak, /^ASIA[A-Z2-7]{16}$/);
    assert.ok(Math.abs(Date.parse(c.exp) - (t + 3_600_000)) < 2000, 'default one hour');
    assert.equal(
      r.body,
      '<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult>' +
        `<Credentials><AccessKeyId>${c.ak}</AccessKeyId><SecretAccessKey>${c.sk}</SecretAccessKey><SessionToken>${c.st}</SessionToken><Expiration>${c.exp}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>${roleId}:alice@example.com</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/engineers/alice@example.com</Arn></AssumedRoleUser>` +
        '<Subject>_cbb88bf52c2510eabe00c1642d4643f41430fe25e3</Subject><SubjectType>persistent</SubjectType>' +
        `<Issuer>${idp.entityId}</Issuer><Audience>https://signin.aws.amazon.com/saml</Audience><NameQualifier>${qualifier}</NameQualifier>` +
        `</AssumeRoleWithSAMLResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>`,
    );
    const session = { accessKeyId: c.ak, secretAccessKey: c.sk, sessionToken: c.st };
    const who = await ok(call(s, 'GetCallerIdentity', {}, session));
    assert.equal(xmlText(who.body, 'Arn'), `arn:aws:sts::${account}:assumed-role/engineers/alice@example.com`);
    assert.equal(xmlText(who.body, 'UserId'), `${roleId}:alice@example.com`);
    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 200, "the role's policies apply");
    assert.equal((await iam(s, 'ListUsers', {}, session)).status, 403);
  });

  test('a signed Response (assertion unsigned), both signed, the pair in either order, and other NameID formats', async () => {
    for (const sign of ['response', 'both'] as const) {
      const r = await ok(withSaml(respond({ sign })));
      assert.equal(xmlText(r.body, 'Arn'), `arn:aws:sts::${account}:assumed-role/engineers/alice@example.com`, sign);
    }
    await ok(withSaml(respond({ roles: [`${providerArn},${roleArn}`] })));
    // One of several pairs.
    await ok(withSaml(respond({ roles: [pair(`arn:aws:iam::${account}:role/other`), pair()] })));
    const transient = await ok(
      withSaml(respond({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' })),
    );
    assert.equal(xmlText(transient.body, 'SubjectType'), 'transient');
    const email = await ok(
      withSaml(
        respond({
          nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          nameId: 'alice@example.com',
        }),
      ),
    );
    assert.equal(
      xmlText(email.body, 'SubjectType'),
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'other prefixes are kept',
    );
    assert.equal(xmlText(email.body, 'Subject'), 'alice@example.com');
    await ok(withSaml(respond({ audiences: ['urn:amazon:webservices'] })));
  });

  test("durations: DurationSeconds within the role's maximum, SessionDuration shortens the default, SessionNotOnOrAfter caps", async () => {
    const t = s.clock.now();
    const expiry = (r: RawReply) => Date.parse(xmlText(r.body, 'Expiration')!) - t;
    const near = (ms: number, want: number) => Math.abs(ms - want) < 2000;
    assert.ok(near(expiry(await ok(withSaml(respond(), { DurationSeconds: 7200 }))), 7_200_000));
    assert.deepEqual(refusal(await withSaml(respond(), { DurationSeconds: 10800 })), [
      400,
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    ]);
    const shorter = respond({ attributes: { [`${ATTR}SessionDuration`]: ['1800'] } });
    assert.ok(near(expiry(await ok(withSaml(shorter))), 1_800_000), 'SessionDuration shortens the hour');
    const longer = respond({ attributes: { [`${ATTR}SessionDuration`]: ['43200'] } });
    assert.ok(near(expiry(await ok(withSaml(longer))), 3_600_000), 'but does not lengthen it');
    assert.ok(
      near(expiry(await ok(withSaml(shorter, { DurationSeconds: 5400 }))), 5_400_000),
      'DurationSeconds wins when given',
    );
    const capped = respond({ sessionNotOnOrAfter: t + 1_200_000 });
    assert.ok(near(expiry(await ok(withSaml(capped))), 1_200_000), 'whichever is shorter');
    // UNCONFIRMED: AWS's code for a SessionDuration outside 900..43200.
    const bad = respond({ attributes: { [`${ATTR}SessionDuration`]: ['600'] } });
    assert.equal(errorCode(await withSaml(bad)), 'InvalidIdentityToken');
  });

  test('session policies limit the session', async () => {
    const r = await ok(withSaml(respond(), { Policy: policy(allow('iam:GetRole')) }));
    assert.ok(Number(xmlText(r.body, 'PackedPolicySize')) > 0);
    const session = credentialsOf(r.body);
    assert.equal((await iam(s, 'GetRole', { RoleName: 'engineers' }, session)).status, 200);
    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 403);
  });

  test('PrincipalTag and TransitiveTagKeys become session tags, SourceIdentity the source identity: each needs its trust action', async () => {
    const attributes = {
      [`${ATTR}PrincipalTag:Project`]: ['Marketing'],
      [`${ATTR}PrincipalTag:CostCenter`]: ['12345'],
      [`${ATTR}TransitiveTagKeys`]: ['Project'],
    };
    // UNCONFIRMED wording: as AssumeRoleWithWebIdentity's refusals, the action named.
    const tagged = respond({ attributes });
    assert.deepEqual(refusal(await withSaml(tagged)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:TagSession',
    ]);
    const source = respond({ attributes: { [`${ATTR}SourceIdentity`]: ['alice'] } });
    assert.deepEqual(refusal(await withSaml(source)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:SetSourceIdentity',
    ]);

    const arn = await createRole(
      s,
      'tagged',
      samlTrust(providerArn, { StringEquals: { 'aws:RequestTag/Project': 'Marketing' } }, [
        'sts:AssumeRoleWithSAML',
        'sts:TagSession',
        'sts:SetSourceIdentity',
      ]),
    );
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'tagged',
        PolicyName: 'abac',
        PolicyDocument: policy(allow('s3:GetObject', 'arn:aws:s3:::${aws:PrincipalTag/Project}/*')),
      }),
    );
    const r = await ok(
      withSaml(respond({ roles: [pair(arn)], attributes: { ...attributes, [`${ATTR}SourceIdentity`]: ['alice'] } }), {
        RoleArn: arn,
      }),
    );
    assert.equal(xmlText(r.body, 'SourceIdentity'), 'alice');
    assert.ok(Number(xmlText(r.body, 'PackedPolicySize')) > 0, 'tags count in the packed size');
    const session = credentialsOf(r.body);
    assert.equal(
      await allowed(s, session, 's3:GetObject', 'arn:aws:s3:::Marketing/plan.txt'),
      true,
      "the tag is the session's principal tag",
    );
    assert.notEqual(await allowed(s, session, 's3:GetObject', 'arn:aws:s3:::Sales/plan.txt'), true);
    const claims = await s.running.app.tokens.decode(session.accessKeyId, session.sessionToken!);
    assert.ok(claims?.kind === 'role');
    assert.deepEqual(
      { tags: claims.tags, transitive: claims.transitiveTagKeys, source: claims.sourceIdentity },
      {
        tags: [
          { Key: 'Project', Value: 'Marketing' },
          { Key: 'CostCenter', Value: '12345' },
        ],
        transitive: ['Project'],
        source: 'alice',
      },
    );
    const wrongTag = respond({ roles: [pair(arn)], attributes: { [`${ATTR}PrincipalTag:Project`]: ['Sales'] } });
    assert.equal((await withSaml(wrongTag, { RoleArn: arn })).status, 403, 'aws:RequestTag conditions see the tags');
  });
});

describe('the trust policy and the SAML keys', () => {
  test('saml:sub, saml:iss, saml:sub_type, saml:namequalifier, saml:doc and mapped attributes are condition keys', async () => {
    const qualifier = createHash('sha1').update(`${idp.entityId}${account}/Okta`).digest('base64');
    const arn = await createRole(
      s,
      'staff',
      samlTrust(providerArn, {
        StringEquals: {
          'saml:iss': idp.entityId,
          'saml:sub_type': 'persistent',
          'saml:namequalifier': qualifier,
          'saml:doc': `${account}/Okta`,
          'saml:edupersonprincipalname': 'alice@example.edu',
        },
        'ForAnyValue:StringEquals': { 'saml:edupersonaffiliation': 'staff' },
        StringLike: { 'saml:sub': 'emp-*', 'sts:RoleSessionName': 'alice*' },
      }),
    );
    const base = {
      roles: [pair(arn)],
      nameId: 'emp-42',
      attributes: {
        'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': ['alice@example.edu'],
        'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': ['member', 'staff'],
      },
    };
    await ok(withSaml(respond(base), { RoleArn: arn }));
    const denied = 'Not authorized to perform sts:AssumeRoleWithSAML';
    assert.deepEqual(refusal(await withSaml(respond({ ...base, nameId: 'contractor-7' }), { RoleArn: arn })), [
      403,
      'AccessDenied',
      denied,
    ]);
    assert.deepEqual(
      refusal(
        await withSaml(
          respond({ ...base, attributes: { ...base.attributes, 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': ['student'] } }),
          { RoleArn: arn },
        ),
      ),
      [403, 'AccessDenied', denied],
    );
    assert.deepEqual(
      refusal(
        await withSaml(respond({ ...base, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }), {
          RoleArn: arn,
        }),
      ),
      [403, 'AccessDenied', denied],
    );
    assert.deepEqual(refusal(await withSaml(respond({ ...base, sessionName: 'bob' }), { RoleArn: arn })), [
      403,
      'AccessDenied',
      denied,
    ]);
  });

  test('a role that trusts another provider, only sts:AssumeRole, a missing role, or a role the Role attribute does not name, is refused alike', async () => {
    const denied = [403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML'];
    const otherIdp = await createRole(s, 'other-idp', samlTrust(`arn:aws:iam::${account}:saml-provider/Other`));
    const assumeOnly = await createRole(s, 'assume-only', samlTrust(providerArn, undefined, ['sts:AssumeRole']));
    for (const arn of [
      otherIdp,
      assumeOnly,
      `arn:aws:iam::${account}:role/missing`,
      'arn:aws:iam::999999999999:role/engineers',
    ]) {
      assert.deepEqual(refusal(await withSaml(respond({ roles: [pair(arn)] }), { RoleArn: arn })), denied, arn);
    }
    // UNCONFIRMED: AWS's code for a role the IdP did not put in the Role attribute.
    const unnamed = await createRole(s, 'unnamed', samlTrust(providerArn));
    assert.deepEqual(
      refusal(await withSaml(respond(), { RoleArn: unnamed })),
      denied,
      'the response names only engineers',
    );
    assert.deepEqual(
      refusal(await withSaml(respond({ roles: [pair(roleArn, `arn:aws:iam::${account}:saml-provider/Other`)] }))),
      denied,
      'the pair names another provider',
    );
    assert.deepEqual(refusal(await withSaml(respond({ roles: [] }))), denied, 'no pair at all');
  });
});

describe('responses that are refused', () => {
  const invalid = (r: RawReply) => [r.status, errorCode(r)];

  test('an attribute changed after signing, a signature by a key the metadata does not have, and no signature at all', async () => {
    const xml = idp.responseXml({ now: s.clock.now(), roles: [pair()], sessionName: 'alice' });
    const tampered = xml.replace(
      '<saml:AttributeValue>alice</saml:AttributeValue>',
      '<saml:AttributeValue>admin</saml:AttributeValue>',
    );
    assert.notEqual(tampered, xml);
    assert.deepEqual(refusal(await withSaml(encode(tampered))), [
      400,
      'InvalidIdentityToken',
      'Response signature invalid',
    ]);
    const subject = xml.replace('_cbb88bf52c2510eabe00c1642d4643f41430fe25e3</saml:NameID>', 'root</saml:NameID>');
    assert.deepEqual(refusal(await withSaml(encode(subject))), [
      400,
      'InvalidIdentityToken',
      'Response signature invalid',
    ]);
    const value = xml.match(/<ds:SignatureValue>([^<]+)</)![1]!;
    const badValue = xml.replace(value, `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`);
    assert.deepEqual(refusal(await withSaml(encode(badValue))), [
      400,
      'InvalidIdentityToken',
      'Response signature invalid',
    ]);

    assert.deepEqual(
      refusal(await withSaml(respond({ signer: other }))),
      [400, 'InvalidIdentityToken', 'Response signature invalid'],
      'another key',
    );
    assert.deepEqual(refusal(await withSaml(respond({ sign: 'both', signer: other }))), [
      400,
      'InvalidIdentityToken',
      'Response signature invalid',
    ]);
    assert.deepEqual(refusal(await withSaml(respond({ sign: 'none' }))), [
      400,
      'InvalidIdentityToken',
      'Invalid SAML response: neither the Response nor its Assertion is signed.',
    ]);
    // The KeyInfo of a forged signature carries the forger's certificate: it is never trusted.
    const forged = other.responseXml({ now: s.clock.now(), roles: [pair()], issuer: idp.entityId });
    assert.match(forged, /<ds:X509Certificate>/);
    assert.equal(errorCode(await withSaml(encode(forged))), 'InvalidIdentityToken');
    // UNCONFIRMED (AWS is believed to accept SHA-1): SHA-1 signatures are refused here.
    const sha1 = await withSaml(respond({ algorithm: 'sha1' }));
    assert.deepEqual(invalid(sha1), [400, 'InvalidIdentityToken']);
    assert.match(message(sha1.body)!, /rsa-sha1 is not accepted/);
  });

  test('signature wrapping: the signed assertion moved aside and an evil one put in its place', async () => {
    const good = idp.responseXml({ now: s.clock.now(), roles: [pair()], sessionName: 'alice' });
    const signedAssertion = good.match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
    const evil = signedAssertion
      .replace(/ID="[^"]+"/, 'ID="_evil"')
      .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
      .replace('<saml:AttributeValue>alice</saml:AttributeValue>', '<saml:AttributeValue>admin</saml:AttributeValue>');
    // The classic shapes: the signed assertion in Extensions / inside the evil one / after it; the evil one first.
    const wrapped = [
      good.replace(signedAssertion, `<samlp:Extensions>${signedAssertion}</samlp:Extensions>${evil}`),
      good.replace(signedAssertion, evil.replace('</saml:Issuer>', `</saml:Issuer>${signedAssertion}`)),
      good.replace(signedAssertion, `${evil}${signedAssertion}`),
      good.replace(signedAssertion, `${signedAssertion}${evil}`),
    ];
    for (const xml of wrapped) {
      const r = await withSaml(encode(xml));
      assert.deepEqual(invalid(r), [400, 'InvalidIdentityToken'], xml.slice(0, 200));
      assert.match(message(r.body)!, /exactly one Assertion/);
    }
    // A signed Response wrapped the same way: the evil assertion alone in the document, the signed Response elsewhere.
    const signedResponse = idp.responseXml({
      now: s.clock.now(),
      roles: [pair()],
      sessionName: 'alice',
      sign: 'response',
    });
    const responseId = signedResponse.match(/<samlp:Response [^>]*ID="([^"]+)"/)![1]!;
    const moved = signedResponse
      .replace(`ID="${responseId}"`, 'ID="_outer"')
      .replace('<saml:AttributeValue>alice</saml:AttributeValue>', '<saml:AttributeValue>admin</saml:AttributeValue>');
    assert.equal(
      errorCode(await withSaml(encode(moved))),
      'InvalidIdentityToken',
      "the Response's ID no longer matches its reference",
    );
    // Two elements with the signed ID: the reference would be ambiguous.
    const duplicate = good
      .replace(signedAssertion, `${signedAssertion}`)
      .replace(
        '<samlp:Status>',
        `<samlp:Extensions><saml:Issuer ID="${signedAssertion.match(/ID="([^"]+)"/)![1]}">x</saml:Issuer></samlp:Extensions><samlp:Status>`,
      );
    assert.match(message((await withSaml(encode(duplicate))).body)!, /appears more than once/);
    // A comment inside a signed value does not split it: the value is read from the signed XML, comments removed.
    const split = idp.responseXml({ now: s.clock.now(), roles: [pair()], nameId: 'admin@example.com.evil.net' });
    const r = await ok(
      withSaml(encode(split.replace('admin@example.com.evil.net', 'admin@example.com<!---->.evil.net'))),
    );
    assert.equal(xmlText(r.body, 'Subject'), 'admin@example.com.evil.net');
  });

  test("expired, not yet valid, and issued more than 5 minutes ago, by the server's clock", async () => {
    const now = s.clock.now();
    const expired = await withSaml(respond({ now: now - 600_000, lifetime: 300 }));
    assert.equal(errorCode(expired), 'ExpiredTokenException');
    assert.equal(expired.status, 400);
    assert.match(
      message(expired.body)!,
      /expired: SubjectConfirmationData NotOnOrAfter|expired: Conditions NotOnOrAfter/,
    );
    // UNCONFIRMED: AWS's code for a response not yet valid (InvalidIdentityToken here) and every message of this test but the [obs] one.
    const notYet = await withSaml(respond({ now: now + 600_000 }));
    assert.deepEqual(invalid(notYet), [400, 'InvalidIdentityToken']);
    assert.match(message(notYet.body)!, /not yet valid/);
    // Within the skew both ways.
    await ok(withSaml(respond({ now: now + 60_000 })));
    // [obs] AWS's rule: redeemed within 5 minutes of issuance, however long the IdP made it valid.
    const old = respond({ now: now - 9 * 60_000, lifetime: 3600 });
    assert.deepEqual(refusal(await withSaml(old)), [
      400,
      'ExpiredTokenException',
      'Token must be redeemed within 5 minutes of issuance',
    ]);
    // The same response, accepted now, is refused once the clock moves past its NotOnOrAfter (+ skew).
    const fresh = respond({ lifetime: 300 });
    await ok(withSaml(fresh));
    s.clock.advance(481_000);
    try {
      assert.equal(errorCode(await withSaml(fresh)), 'ExpiredTokenException');
    } finally {
      s.clock.advance(-481_000);
    }
    const ended = respond({ sessionNotOnOrAfter: now - 1000 });
    assert.equal(errorCode(await withSaml(ended)), 'ExpiredTokenException');
  });

  test('a wrong audience, recipient or issuer, and an unknown provider', async () => {
    for (const audiences of [['https://evil.example.com/saml'], []]) {
      const r = await withSaml(respond({ audiences }));
      assert.deepEqual(invalid(r), [400, 'InvalidIdentityToken'], String(audiences));
      assert.match(message(r.body)!, /AudienceRestriction/);
    }
    // UNCONFIRMED: the set of Recipients AWS accepts (its sign-in endpoints, global and regional) and the messages.
    const recipient = await withSaml(respond({ recipient: 'https://sp.evil.example.com/acs' }));
    assert.match(message(recipient.body)!, /Recipient must be AWS's sign-in endpoint/);
    // A regional sign-in endpoint is a valid Recipient, and it is saml:aud: this role's condition wants the global one.
    const regional = respond({ recipient: 'https://eu-central-1.signin.aws.amazon.com/saml' });
    assert.deepEqual(refusal(await withSaml(regional)), [
      403,
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithSAML',
    ]);
    const anyAudience = await createRole(
      s,
      'any-audience',
      samlTrust(providerArn, { StringEquals: { 'saml:aud': 'https://eu-central-1.signin.aws.amazon.com/saml' } }),
    );
    const r = await ok(
      withSaml(respond({ roles: [pair(anyAudience)], recipient: 'https://eu-central-1.signin.aws.amazon.com/saml' }), {
        RoleArn: anyAudience,
      }),
    );
    assert.equal(xmlText(r.body, 'Audience'), 'https://eu-central-1.signin.aws.amazon.com/saml');
    assert.deepEqual(refusal(await withSaml(respond({ issuer: 'https://evil.example.com' }))), [
      400,
      'InvalidIdentityToken',
      'Issuer not present in specified provider',
    ]);
    // Another provider's response, correctly signed by it, is not this provider's.
    assert.deepEqual(refusal(await withSaml(other.response({ now: s.clock.now(), roles: [pair()] }))), [
      400,
      'InvalidIdentityToken',
      'Response signature invalid',
    ]);
    // UNCONFIRMED: the code and wording for a PrincipalArn that names no provider of the account; the Issuer message is [obs].
    for (const arn of [
      `arn:aws:iam::${account}:saml-provider/Missing`,
      `arn:aws:iam::999999999999:saml-provider/Okta`,
      `arn:aws:iam::${account}:oidc-provider/example.com`,
    ]) {
      const r = await withSaml(respond({ roles: [pair(roleArn, arn)] }), { PrincipalArn: arn });
      assert.deepEqual(
        refusal(r),
        [400, 'InvalidIdentityToken', `No SAML provider ${arn} exists in this account.`],
        arn,
      );
    }
  });

  test("not base64, not XML, a DOCTYPE, an EncryptedAssertion, and the model's limits", async () => {
    // UNCONFIRMED: AWS's messages for input that is no SAML response; the codes are the model's InvalidIdentityToken.
    assert.deepEqual(refusal(await withSaml('not base64 at all!')), [
      400,
      'InvalidIdentityToken',
      'Invalid SAML response: SAMLAssertion is not base64.',
    ]);
    assert.match(message((await withSaml(encode('this is not xml'))).body)!, /^Invalid SAML response: it is not/);
    assert.match(
      message(
        (
          await withSaml(
            encode('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed></samlp:Response>'),
          )
        ).body,
      )!,
      /not well-formed/,
    );
    const good = idp.responseXml({ now: s.clock.now(), roles: [pair()] });
    const doctype = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${good}`;
    assert.deepEqual(refusal(await withSaml(encode(doctype))), [
      400,
      'InvalidIdentityToken',
      'Invalid SAML response: a document type declaration (DOCTYPE or ENTITY) is not allowed.',
    ]);
    const encrypted = good.replace(
      /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    );
    assert.match(
      message((await withSaml(encode(encrypted))).body)!,
      /^Encrypted SAML assertions \(EncryptedAssertion\) are not supported/,
    );
    const notResponse = encode('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x"/>');
    assert.match(message((await withSaml(notResponse)).body)!, /root element must be a Response/);
    const deep = encode(
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</samlp:Response>`,
    );
    assert.match(message((await withSaml(deep)).body)!, /nested more than 64 deep/);
    const long = await withSaml('A'.repeat(100_004));
    assert.equal(errorCode(long), 'ValidationError');
    assert.equal(errorCode(await withSaml('')), 'ValidationError');
  });

  test('attributes AWS requires: a RoleSessionName, and a valid one', async () => {
    // UNCONFIRMED: AWS's code and wording for a missing or invalid RoleSessionName attribute.
    for (const sessionName of [null, 'a', 'has space', 'x'.repeat(65)]) {
      const r = await withSaml(respond({ sessionName }));
      assert.deepEqual(invalid(r), [400, 'InvalidIdentityToken'], String(sessionName));
      assert.match(message(r.body)!, /RoleSessionName must be present/);
    }
  });
});

describe('the stock clients', () => {
  test("aws CLI: assume-role-with-saml, then the session's identity", async () => {
    const r = await aws(s, undefined, [
      'sts',
      'assume-role-with-saml',
      '--role-arn',
      roleArn,
      '--principal-arn',
      providerArn,
      '--saml-assertion',
      respond({ sessionName: 'cli-user' }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/engineers/cli-user`);
    assert.deepEqual(
      [r.json.SubjectType, r.json.Issuer, r.json.Audience],
      ['persistent', idp.entityId, 'https://signin.aws.amazon.com/saml'],
    );
    const c = r.json.Credentials;
    const who = await aws(
      s,
      { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      ['sts', 'get-caller-identity'],
    );
    assert.equal(who.json.Arn, `arn:aws:sts::${account}:assumed-role/engineers/cli-user`);
    const bad = await aws(s, undefined, [
      'sts',
      'assume-role-with-saml',
      '--role-arn',
      roleArn,
      '--principal-arn',
      providerArn,
      '--saml-assertion',
      respond({ signer: other }),
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /An error occurred \(InvalidIdentityToken\) when calling the AssumeRoleWithSAML operation: Response signature invalid/,
    );
  });

  test("boto3: assume_role_with_saml unsigned, the session's identity, and an expired response", async () => {
    const r = await boto3(
      s,
      undefined,
      `
resp = sts.assume_role_with_saml(RoleArn=params["role"], PrincipalArn=params["provider"], SAMLAssertion=params["saml"], DurationSeconds=900)
c = resp["Credentials"]
who = boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).client(
    "sts", endpoint_url=sts.meta.endpoint_url, region_name="eu-west-1", config=cfg).get_caller_identity()
out({"user": resp["AssumedRoleUser"]["Arn"], "subject": resp["Subject"], "type": resp["SubjectType"], "qualifier": resp["NameQualifier"], "who": who["Arn"]})
`,
      { role: roleArn, provider: providerArn, saml: respond({ sessionName: 'boto-user' }) },
    );
    assert.deepEqual(r, {
      user: `arn:aws:sts::${account}:assumed-role/engineers/boto-user`,
      subject: '_cbb88bf52c2510eabe00c1642d4643f41430fe25e3',
      type: 'persistent',
      qualifier: createHash('sha1').update(`${idp.entityId}${account}/Okta`).digest('base64'),
      who: `arn:aws:sts::${account}:assumed-role/engineers/boto-user`,
    });
    const expired = await boto3(
      s,
      undefined,
      'sts.assume_role_with_saml(RoleArn=params["role"], PrincipalArn=params["provider"], SAMLAssertion=params["saml"])',
      { role: roleArn, provider: providerArn, saml: respond({ now: s.clock.now() - 3_600_000 }) },
    );
    assert.equal(expired.error, 'ExpiredTokenException');
    assert.equal(expired.status, 400);
  });

  test('AWS SDK for JavaScript: AssumeRoleWithSAMLCommand without credentials, and a refusal as a modeled exception', async () => {
    const sts = (credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
      new STSClient({ region: 'eu-north-1', endpoint: s.url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
    const r = await sts().send(
      new AssumeRoleWithSAMLCommand({
        RoleArn: roleArn,
        PrincipalArn: providerArn,
        SAMLAssertion: respond({ sessionName: 'js-user' }),
      }),
    );
    assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${account}:assumed-role/engineers/js-user`);
    assert.ok(r.Credentials!.Expiration instanceof Date);
    const c = r.Credentials!;
    const who = await sts({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${account}:assumed-role/engineers/js-user`);
    await assert.rejects(
      sts().send(
        new AssumeRoleWithSAMLCommand({
          RoleArn: roleArn,
          PrincipalArn: providerArn,
          SAMLAssertion: respond({ issuer: 'https://evil.example.com' }),
        }),
      ),
      (e: unknown) =>
        e instanceof STSServiceException &&
        e.name === 'InvalidIdentityTokenException' &&
        e.$metadata.httpStatusCode === 400,
    );
  });
});

test('opensts: sts assume-role-with-saml prints what the aws CLI prints', async () => {
  const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));
  const r = await run(
    process.execPath,
    [
      BIN,
      'sts',
      'assume-role-with-saml',
      '--role-arn',
      roleArn,
      '--principal-arn',
      providerArn,
      '--saml-assertion',
      respond({ sessionName: 'opensts-user' }),
    ],
    clientEnv(s, undefined),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/engineers/opensts-user`);
  assert.deepEqual(Object.keys(out), [
    'Credentials',
    'AssumedRoleUser',
    'Subject',
    'SubjectType',
    'Issuer',
    'Audience',
    'NameQualifier',
  ]);
});

describe('the provider changes under it', () => {
  test('new metadata (a rotated key) applies at once; a deleted provider is gone', async () => {
    const rotated = makeTestIdp(idp.entityId);
    const arn = xmlText(
      (await ok(iam(s, 'CreateSAMLProvider', { Name: 'Rotating', SAMLMetadataDocument: idp.metadata() }))).body,
      'SAMLProviderArn',
    )!;
    const role = await createRole(s, 'rotating', samlTrust(arn));
    const params = { RoleArn: role, PrincipalArn: arn };
    await ok(withSaml(respond({ roles: [pair(role, arn)] }), params));
    await ok(iam(s, 'UpdateSAMLProvider', { SAMLProviderArn: arn, SAMLMetadataDocument: rotated.metadata() }));
    assert.equal(
      message((await withSaml(respond({ roles: [pair(role, arn)] }), params)).body),
      'Response signature invalid',
      'the old key is no longer trusted',
    );
    await ok(withSaml(respond({ roles: [pair(role, arn)] }, rotated), params));
    await ok(iam(s, 'DeleteSAMLProvider', { SAMLProviderArn: arn }));
    assert.equal(
      errorCode(await withSaml(respond({ roles: [pair(role, arn)] }, rotated), params)),
      'InvalidIdentityToken',
    );
  });
});

describe('the audit log', () => {
  test('records a SAMLUser named by NameQualifier and Subject, never the SAMLAssertion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opensts-saml-audit-'));
    const log = join(dir, 'audit.jsonl');
    const a = await startTestServer({ auditLog: log });
    try {
      const arn = xmlText(
        (await ok(iam(a, 'CreateSAMLProvider', { Name: 'Okta', SAMLMetadataDocument: idp.metadata() }))).body,
        'SAMLProviderArn',
      )!;
      const role = await createRole(a, 'engineers', samlTrust(arn));
      const assertion = idp.response({ now: a.clock.now(), roles: [`${role},${arn}`] });
      const r = await ok(
        call(a, 'AssumeRoleWithSAML', { RoleArn: role, PrincipalArn: arn, SAMLAssertion: assertion }, undefined),
      );
      const refused = await call(
        a,
        'AssumeRoleWithSAML',
        { RoleArn: role, PrincipalArn: arn, SAMLAssertion: idp.response({ now: a.clock.now(), roles: [] }) },
        undefined,
      );
      await a.running.audit!.flush();
      const text = readFileSync(log, 'utf8');
      const events = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const ok1 = events.find((e) => e.requestID === r.headers.get('x-amzn-requestid'));
      assert.deepEqual(ok1.userIdentity, {
        type: 'SAMLUser',
        principalId: `${xmlText(r.body, 'NameQualifier')}:_cbb88bf52c2510eabe00c1642d4643f41430fe25e3`,
        userName: '_cbb88bf52c2510eabe00c1642d4643f41430fe25e3',
        identityProvider: arn,
      });
      assert.deepEqual(ok1.requestParameters, { roleArn: role, principalArn: arn });
      const failed = events.find((e) => e.requestID === refused.headers.get('x-amzn-requestid'));
      assert.deepEqual([failed.userIdentity, failed.errorCode], [{ type: 'SAMLUser' }, 'AccessDenied']);
      assert.ok(!text.includes(assertion.slice(0, 200)), 'the response is not logged');
    } finally {
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
