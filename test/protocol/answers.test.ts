/**
 * Answering as AWS answers (issue 13): parameters that are no ARN get 400 ValidationError before any authorization
 * or lookup, with AWS's recorded words; a client that sends `Accept: application/json` (aws-iam-authenticator's
 * presigned GetCallerIdentity) gets STS's legacy JSON, success and errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boto3 } from '../helpers/clients.js';
import { call, createUserWithKey, presign, xmlText, type RawReply } from '../helpers/query.js';
import { accountOf, credentialsOf, createRole, iam, ok, trust } from '../helpers/iam.js';
import { javaDouble } from '../../src/protocol/json-response.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const NS = { sts: 'https://sts.amazonaws.com/doc/2011-06-15/', iam: 'https://iam.amazonaws.com/doc/2010-05-08/' };
let s: TestServer;

before(async () => {
  s = await startTestServer(); // the clock stays at the real time: boto3 signs with it
});
after(async () => {
  await s.close();
});

/** The whole error document, the request id taken from the header (it must be the same). */
function errorDocument(r: RawReply, service: 'sts' | 'iam', code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${NS[service]}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
    `<RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ErrorResponse>`
  );
}

// AWS's recording was made by a caller allowed to assume any role; that a caller with no permission gets the 400 too
// is UNCONFIRMED (but no trust policy can be found for an ARN that cannot be read).
test('AssumeRole: a RoleArn that is no ARN is 400 ValidationError "<value> is invalid", not 403 AccessDenied', async () => {
  const alice = await createUserWithKey(s, 'alice'); // no permission at all: authorization would refuse
  // The cases recorded against AWS (LocalStack's test_sts_invalid_parameters snapshot).
  for (const bad of [
    'nothing-valid-in-here',
    'arn::b:::something/test-role',
    'arn:a::::something/test-role',
    'arn:a:::something/test-role',
    'arn:a:a::aaaaaaaaaa:',
  ]) {
    const r = await call(s, 'AssumeRole', { RoleArn: bad, RoleSessionName: 'Session1' }, alice);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body, errorDocument(r, 'sts', 'ValidationError', `${bad} is invalid`));
  }
  // A well-formed ARN of no role the caller may assume is still the authorization's answer.
  const r = await call(
    s,
    'AssumeRole',
    { RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1' },
    alice,
  );
  assert.equal(r.status, 403);
  // The model's constraints come first, as recorded (a bad session name with a well-formed ARN).
  const named = await call(
    s,
    'AssumeRole',
    { RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1:2' },
    alice,
  );
  assert.equal(
    named.body,
    errorDocument(
      named,
      'sts',
      'ValidationError',
      '1 validation error detected: Value &apos;Session1:2&apos; at &apos;roleSessionName&apos; failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    ),
  );
});

test('AssumeRoleWithWebIdentity and AssumeRoleWithSAML (unsigned): the same check before the token is read (UNCONFIRMED wording)', async () => {
  const web = await call(
    s,
    'AssumeRoleWithWebIdentity',
    { RoleArn: 'nothing-valid-in-here', RoleSessionName: 'xx', WebIdentityToken: 'a'.repeat(20) },
    undefined,
  );
  assert.equal(web.body, errorDocument(web, 'sts', 'ValidationError', 'nothing-valid-in-here is invalid'));
  const saml = await call(
    s,
    'AssumeRoleWithSAML',
    {
      RoleArn: `arn:aws:iam::${accountOf(s)}:role/r`,
      PrincipalArn: 'saml-provider-without-arn',
      SAMLAssertion: 'a'.repeat(20),
    },
    undefined,
  );
  assert.equal(saml.body, errorDocument(saml, 'sts', 'ValidationError', 'saml-provider-without-arn is invalid'));
});

test('Attach/Detach{User,Role,Group}Policy: a PolicyArn that is no ARN is 400 "Invalid ARN:  Could not be parsed!", not 404', async () => {
  await ok(iam(s, 'CreateUser', { UserName: 'bob' }));
  await ok(iam(s, 'CreateGroup', { GroupName: 'ops' }));
  await createRole(s, 'worker', trust(`arn:aws:iam::${accountOf(s)}:root`));
  for (const [action, target] of [
    ['AttachUserPolicy', { UserName: 'bob' }],
    ['AttachRolePolicy', { RoleName: 'worker' }],
    ['AttachGroupPolicy', { GroupName: 'ops' }],
    ['DetachUserPolicy', { UserName: 'bob' }],
    ['DetachRolePolicy', { RoleName: 'worker' }],
    ['DetachGroupPolicy', { GroupName: 'ops' }],
  ] as const) {
    const r = await iam(s, action, { ...target, PolicyArn: 'longpolicynamebutnoarn' });
    assert.equal(r.status, 400, action);
    assert.equal(r.body, errorDocument(r, 'iam', 'ValidationError', 'Invalid ARN:  Could not be parsed!'), action);
  }
  // Even for an entity that does not exist: validation precedes the lookup.
  const ghost = await iam(s, 'AttachUserPolicy', { UserName: 'ghost', PolicyArn: 'longpolicynamebutnoarn' });
  assert.equal(ghost.status, 400);
  // A well-formed ARN of no policy is still the lookup's 404.
  const missing = await iam(s, 'AttachUserPolicy', {
    UserName: 'bob',
    PolicyArn: `arn:aws:iam::${accountOf(s)}:policy/none`,
  });
  assert.equal(missing.status, 404);
});

test('boto3 reads the refusal as ValidationError with the message', async () => {
  const r = await boto3(s, s.root, "sts.assume_role(RoleArn=params['arn'], RoleSessionName='night')", {
    arn: 'nothing-valid-in-here',
  });
  assert.deepEqual(r, { error: 'ValidationError', message: 'nothing-valid-in-here is invalid', status: 400 });
});

/** A presigned URL fetched as aws-iam-authenticator fetches it: GET, Accept: application/json. */
async function fetchJson(url: string, accept = 'application/json'): Promise<RawReply> {
  const res = await fetch(url, { headers: { accept } });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

test('a presigned GetCallerIdentity with Accept: application/json: the JSON aws-iam-authenticator parses, members sorted', async () => {
  const carol = await createUserWithKey(s, 'carol');
  const account = accountOf(s);
  const userId = xmlText((await ok(iam(s, 'GetUser', { UserName: 'carol' }))).body, 'UserId')!;
  const r = await fetchJson(presign(s, 'GetCallerIdentity', carol, s.clock.now()));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const requestId = r.headers.get('x-amzn-requestid');
  assert.equal(
    r.body,
    '{"GetCallerIdentityResponse":{"GetCallerIdentityResult":' +
      `{"Account":"${account}","Arn":"arn:aws:iam::${account}:user/carol","UserId":"${userId}"},` +
      `"ResponseMetadata":{"RequestId":"${requestId}"}}}`,
  );
  // Accept lists may name JSON among others; without it, XML as before.
  assert.equal(
    (
      await fetchJson(presign(s, 'GetCallerIdentity', carol, s.clock.now()), 'text/html, application/json;q=0.9')
    ).headers.get('content-type'),
    'application/json',
  );
  const xml = await fetchJson(presign(s, 'GetCallerIdentity', carol, s.clock.now()), '*/*');
  assert.equal(xml.headers.get('content-type'), 'text/xml');
  assert.ok(xml.body.startsWith('<GetCallerIdentityResponse xmlns='));
});

test('errors as JSON: {"Error":{"Code","Message","Type"},"RequestId"}, the status unchanged', async () => {
  const dave = await createUserWithKey(s, 'dave');
  const url = new URL(presign(s, 'GetCallerIdentity', { ...dave, secretAccessKey: 'wrong'.repeat(8) }, s.clock.now()));
  const r = await fetchJson(url.toString());
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(
    r.body,
    '{"Error":{"Code":"SignatureDoesNotMatch","Message":"The request signature we calculated does not match the signature you provided. ' +
      'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.","Type":"Sender"},' +
      `"RequestId":"${r.headers.get('x-amzn-requestid')}"}`,
  );
  // Validation messages quote the request: escaped by JSON's rules, lone surrogates replaced as in the XML.
  const bad = await call(s, 'AssumeRole', { RoleArn: 'not "an" arn\ud800 at all', RoleSessionName: 'x\ty' }, dave, {
    extraHeaders: { accept: 'application/json' },
  });
  assert.equal(bad.status, 400);
  const parsed = JSON.parse(bad.body);
  assert.equal(parsed.Error.Code, 'ValidationError');
  assert.ok(parsed.Error.Message.includes("Value 'x\ty' at 'roleSessionName'"));
  assert.ok(!/\\ud800/i.test(bad.body) && !bad.body.includes('\ud800'));
  // IAM keeps to XML (whether IAM answers JSON is UNCONFIRMED).
  const iamReply = await call(s, 'ListUsers', {}, s.root, {
    service: 'iam',
    extraHeaders: { accept: 'application/json' },
  });
  assert.equal(iamReply.headers.get('content-type'), 'text/xml');
});

test('GetSessionToken as JSON: timestamps as epoch seconds written as Java doubles, absent members as null', async () => {
  const at = Date.parse('2026-03-01T03:00:00.000Z');
  const erin = await createUserWithKey(s, 'erin');
  s.clock.freeze(at);
  try {
    const r = await call(s, 'GetSessionToken', { DurationSeconds: 900 }, erin, {
      extraHeaders: { accept: 'application/json' },
    });
    assert.equal(r.status, 200);
    const issued = JSON.parse(r.body).GetSessionTokenResponse.GetSessionTokenResult.Credentials;
    assert.equal(
      r.body,
      '{"GetSessionTokenResponse":{"GetSessionTokenResult":{"Credentials":' +
        `{"AccessKeyId":"${issued.AccessKeyId}","Expiration":1.7723349E9,"SecretAccessKey":"${issued.SecretAccessKey}","SessionToken":${JSON.stringify(issued.SessionToken)}}},` +
        `"ResponseMetadata":{"RequestId":"${r.headers.get('x-amzn-requestid')}"}}}`,
    );
    // The credentials work.
    assert.equal(
      (
        await call(
          s,
          'GetCallerIdentity',
          {},
          {
            accessKeyId: issued.AccessKeyId,
            secretAccessKey: issued.SecretAccessKey,
            sessionToken: issued.SessionToken,
          },
        )
      ).status,
      200,
    );
    // AssumeRole: PackedPolicySize and SourceIdentity absent, so null (UNCONFIRMED for STS; SQS's JSON does so).
    const account = accountOf(s);
    const roleArn = await createRole(s, 'json-reader', trust(`arn:aws:iam::${account}:user/erin`));
    const assumed = await call(s, 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'j' + 'son' }, erin, {
      extraHeaders: { accept: 'application/json' },
    });
    const result = JSON.parse(assumed.body).AssumeRoleResponse.AssumeRoleResult;
    assert.deepEqual(Object.keys(result), ['AssumedRoleUser', 'Credentials', 'PackedPolicySize', 'SourceIdentity']);
    assert.equal(result.PackedPolicySize, null);
    assert.equal(result.SourceIdentity, null);
    assert.equal(result.Credentials.Expiration, (at + 3600_000) / 1000);
    assert.ok(assumed.body.includes('"Expiration":1.7723376E9'));
  } finally {
    s.clock.reset();
  }
});

test("javaDouble writes numbers as Java's Double.toString", () => {
  assert.equal(javaDouble(1515115602), '1.515115602E9');
  assert.equal(javaDouble(1426966683.448), '1.426966683448E9');
  assert.equal(javaDouble(2e9), '2.0E9');
  assert.equal(javaDouble(900), '900.0');
  assert.equal(javaDouble(0), '0.0');
});
