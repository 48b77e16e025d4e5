/**
 * The audit log (`--audit-log`): a CloudTrail-like JSON line per Query API request, saying who called what from
 * where and what came of it, with no secret in it; with several workers, all of them append whole lines to one file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuditEvent } from '../../src/server/audit-event.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, xmlText, type RawReply } from '../helpers/query.js';
import { accountOf, assumeRole, createRole, credentialsOf, iam, ok, policy, allow, trust } from '../helpers/iam.js';
import { startTestIssuer, type TestIssuer } from '../helpers/oidc-issuer.js';
import { spawnServe, startTestServer, type TestServer } from '../helpers/server.js';

const THREE_AM = Date.parse('2026-03-01T03:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'opensts-audit-'));
const logPath = join(dir, 'audit', 'events.jsonl');
let s: TestServer;
let issuer: TestIssuer;

before(async () => {
  issuer = await startTestIssuer();
  s = await startTestServer({ auditLog: logPath, oidcCaFile: issuer.caFile });
  s.clock.freeze(THREE_AM);
});
after(async () => {
  await s.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every event written so far: flushed first, so nothing is left in the buffer. */
async function events(): Promise<AuditEvent[]> {
  await s.running.audit!.flush();
  return readFileSync(logPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
}
const eventOf = async (requestId: string | null) => (await events()).find((e) => e.requestID === requestId)!;

test('GetSessionToken: the caller, the parameters without the TokenCode, the issued key id without its secrets', async () => {
  const account = accountOf(s);
  const r = await ok(
    call(s, 'GetSessionToken', { DurationSeconds: 900 }, s.root, {
      extraHeaders: { 'user-agent': 'aws-cli/2.15 test' },
    }),
  );
  const issued = credentialsOf(r.body);
  const e = await eventOf(r.headers.get('x-amzn-requestid'));
  assert.deepEqual(e, {
    eventVersion: '1.08',
    eventTime: '2026-03-01T03:00:00Z',
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetSessionToken',
    awsRegion: 'us-east-1',
    sourceIPAddress: e.sourceIPAddress,
    userAgent: 'aws-cli/2.15 test',
    requestID: r.headers.get('x-amzn-requestid'),
    eventID: e.eventID,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    userIdentity: {
      type: 'Root',
      principalId: account,
      arn: `arn:aws:iam::${account}:root`,
      accountId: account,
      accessKeyId: s.root.accessKeyId,
    },
    requestParameters: { durationSeconds: 900 },
    responseElements: { credentials: { accessKeyId: issued.accessKeyId, expiration: '2026-03-01T03:15:00Z' } },
  });
  assert.match(e.sourceIPAddress, /127\.0\.0\.1$/);
  assert.match(e.eventID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(e.eventID, e.requestID);
  // CloudTrail's order of fields (record contents): what a reader of the raw line sees first.
  assert.deepEqual(Object.keys(e), [
    'eventVersion',
    'userIdentity',
    'eventTime',
    'eventSource',
    'eventName',
    'awsRegion',
    'sourceIPAddress',
    'userAgent',
    'requestParameters',
    'responseElements',
    'requestID',
    'eventID',
    'readOnly',
    'eventType',
    'managementEvent',
    'recipientAccountId',
    'eventCategory',
  ]);
});

test('AssumeRole and a call with its session: role, session issuer and session attributes', async () => {
  const account = accountOf(s);
  const alice = await createUserWithKey(s, 'alice');
  const roleArn = await createRole(
    s,
    'deployer',
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:SetSourceIdentity']),
  );
  const sessionPolicy = policy(allow('iam:ListUsers'));
  const r = await ok(
    assumeRole(s, alice, roleArn, { RoleSessionName: 'night-deploy', SourceIdentity: 'alice', Policy: sessionPolicy }),
  );
  const session = credentialsOf(r.body);
  const roleId = xmlText((await ok(iam(s, 'GetRole', { RoleName: 'deployer' }))).body, 'RoleId')!;
  const assumedArn = `arn:aws:sts::${account}:assumed-role/deployer/night-deploy`;

  const e = await eventOf(r.headers.get('x-amzn-requestid'));
  assert.equal(e.eventName, 'AssumeRole');
  assert.equal(e.userIdentity.type, 'IAMUser');
  assert.equal(e.userIdentity.userName, 'alice');
  assert.equal(e.userIdentity.arn, `arn:aws:iam::${account}:user/alice`);
  assert.equal(e.userIdentity.accessKeyId, alice.accessKeyId);
  assert.deepEqual(e.requestParameters, {
    roleArn,
    roleSessionName: 'night-deploy',
    policy: sessionPolicy,
    sourceIdentity: 'alice',
  });
  assert.deepEqual(e.responseElements, {
    credentials: { accessKeyId: session.accessKeyId, expiration: '2026-03-01T04:00:00Z' },
    assumedRoleUser: { assumedRoleId: `${roleId}:night-deploy`, arn: assumedArn },
    packedPolicySize: Number(xmlText(r.body, 'PackedPolicySize')),
    sourceIdentity: 'alice',
  });

  const who = await ok(call(s, 'GetCallerIdentity', {}, session));
  assert.deepEqual((await eventOf(who.headers.get('x-amzn-requestid'))).userIdentity, {
    type: 'AssumedRole',
    principalId: `${roleId}:night-deploy`,
    arn: assumedArn,
    accountId: account,
    accessKeyId: session.accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: roleArn, accountId: account, userName: 'deployer' },
      attributes: { creationDate: '2026-03-01T03:00:00Z', mfaAuthenticated: 'false' },
      sourceIdentity: 'alice',
    },
  });
});

test('refusals: the claimed key id and the error; made-up actions are "unknown"; long strings are cut', async () => {
  const wrong: Credentials = { ...s.root, secretAccessKey: 'not-the-secret-not-the-secret-0123456789' };
  const bad = await call(s, 'GetCallerIdentity', {}, wrong);
  assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
  const e = await eventOf(bad.headers.get('x-amzn-requestid'));
  assert.deepEqual(e.userIdentity, { type: 'Unknown', accessKeyId: s.root.accessKeyId });
  assert.equal(e.errorCode, 'SignatureDoesNotMatch');
  assert.match(e.errorMessage!, /^The request signature we calculated does not match/);

  const unknownKey = await call(
    s,
    'GetCallerIdentity',
    {},
    { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) },
  );
  const u = await eventOf(unknownKey.headers.get('x-amzn-requestid'));
  assert.deepEqual([u.errorCode, u.userIdentity.accessKeyId], ['InvalidClientTokenId', 'AKIAUNKNOWNUNKNOWN00']);

  const evil = await call(s, 'Evil' + 'A'.repeat(5000), {}, s.root, {
    extraHeaders: { 'user-agent': 'u'.repeat(1000) },
  });
  const ev = await eventOf(evil.headers.get('x-amzn-requestid'));
  assert.equal(ev.eventName, 'unknown');
  assert.equal(ev.errorCode, 'InvalidAction');
  assert.ok(ev.errorMessage!.length < 600 && ev.userAgent!.length < 300, 'bounded');
  assert.equal(ev.userAgent, 'u'.repeat(256) + '...(1000 characters)');
  assert.equal(ev.readOnly, undefined, 'no operation, so no claim about it');
  assert.equal(ev.recipientAccountId, accountOf(s));
  assert.equal(ev.tlsDetails, undefined, 'plain HTTP');
});

test('readOnly per operation: IAM Get*/List*/Simulate* and every STS call; writes are not', async () => {
  const reads = await ok(iam(s, 'ListUsers', {}));
  const write = await ok(iam(s, 'CreateUser', { UserName: 'readonly-probe' }));
  const failedWrite = await iam(s, 'CreateUser', { UserName: 'readonly-probe' });
  const identity = await ok(call(s, 'GetCallerIdentity', {}, s.root));
  const got = await Promise.all(
    [reads, write, failedWrite, identity].map((r) => eventOf(r.headers.get('x-amzn-requestid'))),
  );
  assert.deepEqual(
    got.map((e) => [e.eventName, e.readOnly, e.errorCode]),
    [
      ['ListUsers', true, undefined],
      ['CreateUser', false, undefined],
      ['CreateUser', false, 'EntityAlreadyExists'],
      ['GetCallerIdentity', true, undefined],
    ],
  );
});

test('over TLS: tlsDetails with the protocol, the cipher suite and the Host the client sent', async () => {
  const tlsPath = join(dir, 'tls-events.jsonl');
  const t = await startTestServer({ auditLog: tlsPath, tls: true });
  try {
    const r = await ok(call(t, 'GetCallerIdentity', {}, t.root));
    await t.running.audit!.flush();
    const e = readFileSync(tlsPath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent)
      .find((x) => x.requestID === r.headers.get('x-amzn-requestid'))!;
    // Node's TLS 1.3 default suite, named as OpenSSL (and CloudTrail) name it.
    assert.deepEqual(e.tlsDetails, {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_256_GCM_SHA384',
      clientProvidedHostHeader: t.host,
    });
    assert.deepEqual(Object.keys(e).slice(-2), ['eventCategory', 'tlsDetails']);
  } finally {
    await t.close();
  }
});

test("AssumeRoleWithWebIdentity: the token's provider, audience and subject, never the token", async () => {
  const account = accountOf(s);
  const created = await ok(
    iam(s, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
  );
  const providerArn = xmlText(created.body, 'OpenIDConnectProviderArn')!;
  const roleArn = await createRole(
    s,
    'ci',
    policy({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }),
  );
  const token = await issuer.sign(s.clock.now());
  const r = await ok(
    call(
      s,
      'AssumeRoleWithWebIdentity',
      { RoleArn: roleArn, RoleSessionName: 'build-42', WebIdentityToken: token },
      undefined,
    ),
  );
  const e = await eventOf(r.headers.get('x-amzn-requestid'));
  const subject = 'repo:octo-org/app:ref:refs/heads/main';
  assert.deepEqual(e.userIdentity, {
    type: 'WebIdentityUser',
    principalId: `${providerArn}:sts.amazonaws.com:${subject}`,
    userName: subject,
    identityProvider: providerArn,
  });
  assert.deepEqual(e.requestParameters, { roleArn, roleSessionName: 'build-42' });
  assert.equal(
    (e.responseElements as { assumedRoleUser: { arn: string } }).assumedRoleUser.arn,
    `arn:aws:sts::${account}:assumed-role/ci/build-42`,
  );
  assert.equal(e.recipientAccountId, account, "unsigned: the role's account, which is the server's");

  const expired = await issuer.sign(s.clock.now() - 3_600_000);
  const refused = await call(
    s,
    'AssumeRoleWithWebIdentity',
    { RoleArn: roleArn, RoleSessionName: 'build-43', WebIdentityToken: expired },
    undefined,
  );
  const f = await eventOf(refused.headers.get('x-amzn-requestid'));
  assert.deepEqual([f.userIdentity, f.errorCode], [{ type: 'WebIdentityUser' }, 'ExpiredTokenException']);
  const text = readFileSync(logPath, 'utf8');
  assert.ok(!text.includes(token) && !text.includes(expired));
});

test('no secret reaches the log: secret keys, session tokens, TokenCodes (even mistyped ones)', async () => {
  const account = accountOf(s);
  const bob = await createUserWithKey(s, 'bob');
  const roleArn = await createRole(s, 'auditor', trust(`arn:aws:iam::${account}:user/bob`));
  const gst = credentialsOf((await ok(call(s, 'GetSessionToken', {}, bob))).body);
  const role = credentialsOf((await ok(assumeRole(s, bob, roleArn))).body);
  // A 5-digit code fails validation, whose message quotes the value; a 6-digit one fails as a wrong code.
  assert.equal(
    errorCode(
      await call(s, 'GetSessionToken', { SerialNumber: `arn:aws:iam::${account}:mfa/bob`, TokenCode: '97531' }, bob),
    ),
    'ValidationError',
  );
  assert.equal(
    errorCode(
      await call(s, 'GetSessionToken', { SerialNumber: `arn:aws:iam::${account}:mfa/bob`, TokenCode: '864209' }, bob),
    ),
    'AccessDenied',
  );
  assert.equal(
    errorCode(await call(s, 'GetCallerIdentity', {}, { ...role, secretAccessKey: gst.secretAccessKey })),
    'SignatureDoesNotMatch',
  );
  const key = await ok(iam(s, 'CreateAccessKey', { UserName: 'bob' }));
  // An outbound web identity token is a bearer credential too.
  await ok(iam(s, 'EnableOutboundWebIdentityFederation', {}));
  const jwt = xmlText(
    (
      await ok(
        call(
          s,
          'GetWebIdentityToken',
          { 'Audience.member.1': 'https://api.example.com', SigningAlgorithm: 'ES384' },
          s.root,
          { region: 'eu-central-1' },
        ),
      )
    ).body,
    'WebIdentityToken',
  )!;

  const text = (await events(), readFileSync(logPath, 'utf8'));
  const secrets = [
    s.root.secretAccessKey,
    bob.secretAccessKey,
    gst.secretAccessKey,
    gst.sessionToken!,
    role.secretAccessKey,
    role.sessionToken!,
    xmlText(key.body, 'SecretAccessKey')!,
    '97531',
    '864209',
    jwt,
    jwt.split('.')[2]!,
  ];
  for (const secret of secrets)
    assert.ok(!text.includes(secret), `a secret in the audit log: ${secret.slice(0, 8)}...`);
  // ...while what they were issued and used with is there.
  assert.ok(
    text.includes(gst.accessKeyId) &&
      text.includes(role.accessKeyId) &&
      text.includes(xmlText(key.body, 'AccessKeyId')!),
  );
  assert.ok(text.includes("Value at 'tokenCode' failed to satisfy constraint"));
  assert.ok(text.includes('"eventName":"GetWebIdentityToken"'));
});

test('reopen() after a rotation: earlier lines in the renamed file, later ones in a new 0600 file', async () => {
  const before = await call(s, 'GetCallerIdentity', {}, s.root);
  const rotated = `${logPath}.1`;
  renameSync(logPath, rotated);
  const during = await call(s, 'GetCallerIdentity', {}, s.root); // recorded before the reopen: the old file
  await s.running.audit!.reopen();
  const after = await call(s, 'GetCallerIdentity', {}, s.root);
  await s.running.audit!.flush();
  const ids = (file: string) =>
    readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditEvent).requestID);
  const old = ids(rotated);
  assert.ok(
    old.includes(before.headers.get('x-amzn-requestid')!) && old.includes(during.headers.get('x-amzn-requestid')!),
  );
  assert.deepEqual(ids(logPath), [after.headers.get('x-amzn-requestid')]);
  assert.equal(statSync(logPath).mode & 0o777, 0o600);
});

test('a log that cannot be opened stops the start, rather than the server running unaudited', async () => {
  await assert.rejects(startTestServer({ auditLog: dir, dataDir: join(dir, 'unused') }), { code: 'EISDIR' });
});

test('with two workers, both append whole lines to the one file, and SIGHUP to the primary reopens it', async () => {
  const clusterDir = mkdtempSync(join(tmpdir(), 'opensts-audit-cluster-'));
  const clusterLog = join(clusterDir, 'audit.jsonl');
  const root: Credentials = {
    accessKeyId: 'AKIAOPENSTSAUDIT0001',
    secretAccessKey: 'audit-test-root-secret-0123456789abcdef',
  };
  const serve = await spawnServe(['--data-dir', clusterDir, '--workers', '2'], root, { OPENSTS_AUDIT_LOG: clusterLog });
  const replies: RawReply[] = [];
  try {
    const cluster = serve.server;
    // Separate connections, so that both workers get some (cluster hands connections out in turn).
    const burst = () =>
      Promise.all(
        Array.from({ length: 40 }, () =>
          call(cluster, 'GetSessionToken', {}, root, { extraHeaders: { connection: 'close' } }),
        ),
      );
    replies.push(...(await burst()));
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(40).fill(200),
    );

    // Log rotation: rename, then SIGHUP to the primary, which passes it on to the workers. Until a worker has
    // reopened, its lines still go to the renamed file; requests continue until the new file has lines.
    renameSync(clusterLog, `${clusterLog}.1`);
    serve.signal('SIGHUP');
    for (let round = 0; round < 50 && !existsSync(clusterLog); round++) replies.push(...(await burst()));
    assert.ok(existsSync(clusterLog), 'a new file after SIGHUP');
    replies.push(...(await burst()));
    assert.ok(
      replies.every((r) => r.status === 200),
      'the server lives on after SIGHUP',
    );
  } finally {
    await serve.stop();
  }
  // The workers flushed their events before exiting; between the two files, every request is there once.
  const read = (file: string) =>
    readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent);
  const [first, second] = [read(`${clusterLog}.1`), read(clusterLog)];
  rmSync(clusterDir, { recursive: true, force: true });
  const logged = [...first, ...second];
  assert.ok(first.length >= 40 && second.length >= 1);
  assert.equal(new Set(logged.map((e) => e.requestID)).size, logged.length);
  assert.equal(logged.length, replies.length, 'nothing lost');
  assert.ok(logged.every((e) => e.eventName === 'GetSessionToken' && e.userIdentity.accessKeyId === root.accessKeyId));
});
