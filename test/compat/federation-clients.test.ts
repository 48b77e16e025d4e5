/**
 * The stock clients with federation: boto3, the aws CLI and the AWS SDK for JavaScript call AssumeRoleWithWebIdentity
 * (unsigned) with a token from an OpenID Connect issuer running in the test, and GetFederationToken; the sessions
 * they get are who they should be, and refusals arrive as the clients' own errors. Our own `opensts` client too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import type { Credentials } from '../../src/sigv4/index.js';
import { aws, boto3, clientEnv, run } from '../helpers/clients.js';
import { createUserWithKey } from '../helpers/query.js';
import { allow, createRole, iam, ok, policy } from '../helpers/iam.js';
import { startTestIssuer, type TestIssuer } from '../helpers/oidc-issuer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let issuer: TestIssuer;
let account: string;
let roleArn: string;
let bob: Credentials;
const dir = mkdtempSync(join(tmpdir(), 'opensts-federation-'));

before(async () => {
  issuer = await startTestIssuer();
  s = await startTestServer({ oidcCaFile: issuer.caFile });
  account = s.running.app.accountId;
  const host = issuer.url.slice('https://'.length);
  // Registered with the aws CLI, as an operator would.
  const created = await aws(
    s,
    s.root,
    ['iam', 'create-open-id-connect-provider', '--url', issuer.url, '--client-id-list', 'sts.amazonaws.com'],
    'us-east-1',
  );
  assert.equal(created.code, 0, created.stderr);
  const providerArn = created.json.OpenIDConnectProviderArn;
  assert.equal(providerArn, `arn:aws:iam::${account}:oidc-provider/${host}`);
  const listed = await aws(s, s.root, ['iam', 'list-open-id-connect-providers'], 'us-east-1');
  assert.deepEqual(listed.json, { OpenIDConnectProviderList: [{ Arn: providerArn }] });
  roleArn = await createRole(
    s,
    'ci',
    policy({
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${host}:sub`]: 'repo:octo-org/*' },
      },
    }),
  );
  bob = await createUserWithKey(s, 'bob');
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'bob',
      PolicyName: 'federate',
      PolicyDocument: policy(allow('sts:GetFederationToken')),
    }),
  );
});
after(async () => {
  await s.close();
  await issuer.close();
});

test("boto3: assume_role_with_web_identity unsigned, the session's identity, and a wrong audience", async () => {
  const token = await issuer.sign(s.clock.now());
  const r = await boto3(
    s,
    undefined,
    `
resp = sts.assume_role_with_web_identity(RoleArn=params["role"], RoleSessionName="boto-ci", WebIdentityToken=params["token"], DurationSeconds=900)
c = resp["Credentials"]
who = boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).client(
    "sts", endpoint_url=sts.meta.endpoint_url, region_name="eu-west-1", config=cfg).get_caller_identity()
out({"user": resp["AssumedRoleUser"]["Arn"], "subject": resp["SubjectFromWebIdentityToken"], "provider": resp["Provider"], "audience": resp["Audience"], "who": who["Arn"]})
`,
    { role: roleArn, token },
  );
  assert.deepEqual(r, {
    user: `arn:aws:sts::${account}:assumed-role/ci/boto-ci`,
    subject: 'repo:octo-org/app:ref:refs/heads/main',
    provider: `arn:aws:iam::${account}:oidc-provider/${issuer.url.slice(8)}`,
    audience: 'sts.amazonaws.com',
    who: `arn:aws:sts::${account}:assumed-role/ci/boto-ci`,
  });
  const wrong = await boto3(
    s,
    undefined,
    'sts.assume_role_with_web_identity(RoleArn=params["role"], RoleSessionName="boto-ci", WebIdentityToken=params["token"])',
    { role: roleArn, token: await issuer.sign(s.clock.now(), { claims: { aud: 'other' } }) },
  );
  assert.deepEqual(wrong, { error: 'InvalidIdentityToken', message: 'Incorrect token audience', status: 400 });
});

test('aws CLI: assume-role-with-web-identity, and the web identity token file of a profile-less environment', async () => {
  const token = await issuer.sign(s.clock.now());
  const r = await aws(s, undefined, [
    'sts',
    'assume-role-with-web-identity',
    '--role-arn',
    roleArn,
    '--role-session-name',
    'cli-ci',
    '--web-identity-token',
    token,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/ci/cli-ci`);
  assert.equal(r.json.Audience, 'sts.amazonaws.com');

  // The Kubernetes / CI pattern: the CLI finds the token file and the role in its environment and assumes it itself.
  const tokenFile = join(dir, 'token.jwt');
  writeFileSync(tokenFile, token);
  const who = await aws(s, undefined, ['sts', 'get-caller-identity'], 'eu-central-1', {
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_ARN: roleArn,
    AWS_ROLE_SESSION_NAME: 'pod-1',
  });
  assert.equal(who.code, 0, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:sts::${account}:assumed-role/ci/pod-1`);

  const evil = await aws(s, undefined, [
    'sts',
    'assume-role-with-web-identity',
    '--role-arn',
    roleArn,
    '--role-session-name',
    'cli-ci',
    '--web-identity-token',
    await issuer.sign(s.clock.now(), { claims: { sub: 'repo:evil/app' } }),
  ]);
  assert.notEqual(evil.code, 0);
  assert.match(
    evil.stderr,
    /An error occurred \(AccessDenied\) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity/,
  );
});

test("aws CLI and boto3: get-federation-token, and the federated user's identity", async () => {
  const r = await aws(s, bob, [
    'sts',
    'get-federation-token',
    '--name',
    'partner',
    '--policy',
    policy(allow('s3:GetObject', 'arn:aws:s3:::shared/*')),
    '--duration-seconds',
    '3600',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.FederatedUser, {
    FederatedUserId: `${account}:partner`,
    Arn: `arn:aws:sts::${account}:federated-user/partner`,
  });
  assert.ok(r.json.PackedPolicySize > 0);
  const c = r.json.Credentials;
  const fed = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const who = await aws(s, fed, ['sts', 'get-caller-identity']);
  assert.deepEqual(who.json, {
    UserId: `${account}:partner`,
    Account: account,
    Arn: `arn:aws:sts::${account}:federated-user/partner`,
  });
  const iamCall = await aws(s, fed, ['iam', 'list-users'], 'us-east-1');
  assert.match(iamCall.stderr, /InvalidClientTokenId/);

  const b = await boto3(
    s,
    bob,
    `
c = sts.get_federation_token(Name="boto-partner")["Credentials"]
fsts = boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).client(
    "sts", endpoint_url=sts.meta.endpoint_url, region_name="eu-west-1", config=cfg)
out(fsts.get_caller_identity()["Arn"])
`,
  );
  assert.equal(b, `arn:aws:sts::${account}:federated-user/boto-partner`);
});

test('AWS SDK for JavaScript: GetFederationToken and AssumeRoleWithWebIdentity', async () => {
  const sts = (credentials?: Credentials) =>
    new STSClient({ region: 'eu-north-1', endpoint: s.url, maxAttempts: 1, ...(credentials ? { credentials } : {}) });
  const fed = await sts(bob).send(new GetFederationTokenCommand({ Name: 'js-partner', DurationSeconds: 900 }));
  assert.equal(fed.FederatedUser!.Arn, `arn:aws:sts::${account}:federated-user/js-partner`);
  assert.ok(fed.Credentials!.Expiration instanceof Date);
  const c = fed.Credentials!;
  const who = await sts({
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  }).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${account}:federated-user/js-partner`);

  // An unsigned operation: the client needs no credentials for it.
  const web = await sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: 'js-ci',
      WebIdentityToken: await issuer.sign(s.clock.now()),
    }),
  );
  assert.equal(web.AssumedRoleUser!.Arn, `arn:aws:sts::${account}:assumed-role/ci/js-ci`);
  s.clock.advance(3_600_000);
  try {
    const expired = await issuer.sign(s.clock.now() - 3_600_000);
    await assert.rejects(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'js-ci', WebIdentityToken: expired }),
      ),
      (e: unknown) =>
        e instanceof STSServiceException && e.name === 'ExpiredTokenException' && e.$metadata.httpStatusCode === 400,
    );
  } finally {
    s.clock.advance(-3_600_000);
  }
});

test('opensts: sts get-federation-token and assume-role-with-web-identity print what the aws CLI prints', async () => {
  const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));
  const fed = await run(
    process.execPath,
    [BIN, 'sts', 'get-federation-token', '--name', 'cli-partner', '--duration-seconds', '900'],
    clientEnv(s, bob),
  );
  assert.equal(fed.code, 0, fed.stderr);
  assert.deepEqual(JSON.parse(fed.stdout).FederatedUser, {
    FederatedUserId: `${account}:cli-partner`,
    Arn: `arn:aws:sts::${account}:federated-user/cli-partner`,
  });
  const tokenFile = join(dir, 'opensts-token.jwt');
  writeFileSync(tokenFile, await issuer.sign(s.clock.now()));
  const web = await run(
    process.execPath,
    [
      BIN,
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      roleArn,
      '--role-session-name',
      'opensts-ci',
      '--web-identity-token',
      `file://${tokenFile}`,
    ],
    clientEnv(s, undefined),
  );
  assert.equal(web.code, 0, web.stderr);
  const out = JSON.parse(web.stdout);
  assert.deepEqual(Object.keys(out), [
    'Credentials',
    'SubjectFromWebIdentityToken',
    'AssumedRoleUser',
    'Provider',
    'Audience',
  ]);
  assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/ci/opensts-ci`);
});
