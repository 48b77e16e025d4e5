/**
 * Answering as AWS answers (issue 13): parameters that are no ARN get 400 ValidationError before any authorization
 * or lookup, with AWS's recorded words.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boto3 } from './helpers/clients.js';
import { call, createUserWithKey, type RawReply } from './helpers/query.js';
import { accountOf, createRole, iam, ok, trust } from './helpers/iam.js';
import { startTestServer, type TestServer } from './helpers/server.js';

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
  return `<ErrorResponse xmlns="${NS[service]}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>`
    + `<RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ErrorResponse>`;
}

test('AssumeRole: a RoleArn that is no ARN is 400 ValidationError "<value> is invalid", not 403 AccessDenied', async () => {
  const alice = await createUserWithKey(s, 'alice'); // no permission at all: authorization would refuse
  // The cases recorded against AWS (LocalStack's test_sts_invalid_parameters snapshot).
  for (const bad of ['nothing-valid-in-here', 'arn::b:::something/test-role', 'arn:a::::something/test-role', 'arn:a:::something/test-role', 'arn:a:a::aaaaaaaaaa:']) {
    const r = await call(s, 'AssumeRole', { RoleArn: bad, RoleSessionName: 'Session1' }, alice);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body, errorDocument(r, 'sts', 'ValidationError', `${bad} is invalid`));
  }
  // A well-formed ARN of no role the caller may assume is still the authorization's answer.
  const r = await call(s, 'AssumeRole', { RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1' }, alice);
  assert.equal(r.status, 403);
  // The model's constraints come first, as recorded (a bad session name with a well-formed ARN).
  const named = await call(s, 'AssumeRole', { RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1:2' }, alice);
  assert.equal(named.body, errorDocument(named, 'sts', 'ValidationError',
    "1 validation error detected: Value &apos;Session1:2&apos; at &apos;roleSessionName&apos; failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"));
});

test('AssumeRoleWithWebIdentity and AssumeRoleWithSAML (unsigned): the same check before the token is read (UNCONFIRMED wording)', async () => {
  const web = await call(s, 'AssumeRoleWithWebIdentity', { RoleArn: 'nothing-valid-in-here', RoleSessionName: 'xx', WebIdentityToken: 'a'.repeat(20) }, undefined);
  assert.equal(web.body, errorDocument(web, 'sts', 'ValidationError', 'nothing-valid-in-here is invalid'));
  const saml = await call(s, 'AssumeRoleWithSAML', {
    RoleArn: `arn:aws:iam::${accountOf(s)}:role/r`, PrincipalArn: 'saml-provider-without-arn', SAMLAssertion: 'a'.repeat(20),
  }, undefined);
  assert.equal(saml.body, errorDocument(saml, 'sts', 'ValidationError', 'saml-provider-without-arn is invalid'));
});

test('Attach/Detach{User,Role,Group}Policy: a PolicyArn that is no ARN is 400 "Invalid ARN:  Could not be parsed!", not 404', async () => {
  await ok(iam(s, 'CreateUser', { UserName: 'bob' }));
  await ok(iam(s, 'CreateGroup', { GroupName: 'ops' }));
  await createRole(s, 'worker', trust(`arn:aws:iam::${accountOf(s)}:root`));
  for (const [action, target] of [
    ['AttachUserPolicy', { UserName: 'bob' }], ['AttachRolePolicy', { RoleName: 'worker' }], ['AttachGroupPolicy', { GroupName: 'ops' }],
    ['DetachUserPolicy', { UserName: 'bob' }], ['DetachRolePolicy', { RoleName: 'worker' }], ['DetachGroupPolicy', { GroupName: 'ops' }],
  ] as const) {
    const r = await iam(s, action, { ...target, PolicyArn: 'longpolicynamebutnoarn' });
    assert.equal(r.status, 400, action);
    assert.equal(r.body, errorDocument(r, 'iam', 'ValidationError', 'Invalid ARN:  Could not be parsed!'), action);
  }
  // Even for an entity that does not exist: validation precedes the lookup.
  const ghost = await iam(s, 'AttachUserPolicy', { UserName: 'ghost', PolicyArn: 'longpolicynamebutnoarn' });
  assert.equal(ghost.status, 400);
  // A well-formed ARN of no policy is still the lookup's 404.
  const missing = await iam(s, 'AttachUserPolicy', { UserName: 'bob', PolicyArn: `arn:aws:iam::${accountOf(s)}:policy/none` });
  assert.equal(missing.status, 404);
});

test('boto3 reads the refusal as ValidationError with the message', async () => {
  const r = await boto3(s, s.root, "sts.assume_role(RoleArn=params['arn'], RoleSessionName='night')", { arn: 'nothing-valid-in-here' });
  assert.deepEqual(r, { error: 'ValidationError', message: 'nothing-valid-in-here is invalid', status: 400 });
});
