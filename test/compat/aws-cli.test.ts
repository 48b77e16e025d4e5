/** The stock aws CLI against the server: the flow from the README, and failures as the CLI shows them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aws } from '../helpers/clients.js';
import { serverForFile } from '../helpers/server.js';
import type { Credentials } from '../../src/sigv4/index.js';

let alice: Credentials;
let session: Credentials;

const s = await serverForFile();
const account = s.running.app.accountId;

test('root: get-caller-identity', async () => {
  const r = await aws(s, s.root, ['sts', 'get-caller-identity']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, { UserId: account, Account: account, Arn: `arn:aws:iam::${account}:root` });
});

test('iam create-user and create-access-key', async () => {
  const u = await aws(s, s.root, ['iam', 'create-user', '--user-name', 'alice']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(u.json.User.UserName, 'alice');
  assert.equal(u.json.User.Path, '/');
  assert.equal(u.json.User.Arn, `arn:aws:iam::${account}:user/alice`);
  assert.match(u.json.User.UserId, /^AIDA[A-Z2-7]{17}$/);
  const k = await aws(s, s.root, ['iam', 'create-access-key', '--user-name', 'alice']);
  assert.equal(k.code, 0, k.stderr);
  assert.match(k.json.AccessKey.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(k.json.AccessKey.Status, 'Active');
  alice = { accessKeyId: k.json.AccessKey.AccessKeyId, secretAccessKey: k.json.AccessKey.SecretAccessKey };
  const list = await aws(s, s.root, ['iam', 'list-users']);
  assert.deepEqual(
    list.json.Users.map((x: { UserName: string }) => x.UserName),
    ['alice'],
  );
  const keys = await aws(s, s.root, ['iam', 'list-access-keys', '--user-name', 'alice']);
  assert.equal(keys.json.AccessKeyMetadata[0].AccessKeyId, alice.accessKeyId);
});

test('alice: get-session-token, then get-caller-identity with the session', async () => {
  const r = await aws(s, alice, ['sts', 'get-session-token', '--duration-seconds', '3600']);
  assert.equal(r.code, 0, r.stderr);
  const c = r.json.Credentials;
  assert.deepEqual(Object.keys(c), ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
  assert.match(c.AccessKeyId, /^ASIA/);
  session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const who = await aws(s, session, ['sts', 'get-caller-identity']);
  assert.equal(who.code, 0, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:iam::${account}:user/alice`);
  assert.equal(who.json.Account, account);
});

test('a session cannot call get-session-token', async () => {
  const r = await aws(s, session, ['sts', 'get-session-token']);
  assert.equal(r.code, 255);
  assert.match(
    r.stderr,
    /An error occurred \(AccessDenied\) when calling the GetSessionToken operation: Cannot call GetSessionToken with session credentials/,
  );
});

test('get-access-key-info', async () => {
  const r = await aws(s, s.root, ['sts', 'get-access-key-info', '--access-key-id', session.accessKeyId]);
  assert.deepEqual(r.json, { Account: account });
});

test('wrong secret', async () => {
  const r = await aws(
    s,
    { ...alice, secretAccessKey: alice.secretAccessKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
    ['sts', 'get-caller-identity'],
  );
  assert.equal(r.code, 255);
  assert.match(
    r.stderr,
    /\(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: The request signature we calculated does not match/,
  );
});

test('unknown key', async () => {
  const r = await aws(
    s,
    { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    ['sts', 'get-caller-identity'],
  );
  assert.match(
    r.stderr,
    /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./,
  );
});

test('tampered token', async () => {
  const t = session.sessionToken!;
  const forged = t.slice(0, 40) + (t[40] === 'A' ? 'B' : 'A') + t.slice(41);
  const r = await aws(s, { ...session, sessionToken: forged }, ['sts', 'get-caller-identity']);
  assert.match(r.stderr, /\(InvalidClientTokenId\)/);
});

test('expired token', async () => {
  s.clock.advance(-2 * 3600_000);
  let expired: Credentials;
  try {
    const r = await aws(s, alice, ['sts', 'get-session-token', '--duration-seconds', '900']);
    // The CLI signed with the real time, two hours ahead of the server: the signature is refused as not yet current.
    assert.match(r.stderr, /\(SignatureDoesNotMatch\).*Signature not yet current/);
    const { sessionFor } = await import('../helpers/query.js');
    expired = await sessionFor(s, alice, { DurationSeconds: 900 });
  } finally {
    s.clock.advance(2 * 3600_000);
  }
  const r = await aws(s, expired, ['sts', 'get-caller-identity']);
  assert.equal(r.code, 255);
  assert.match(
    r.stderr,
    /\(ExpiredToken\) when calling the GetCallerIdentity operation: The security token included in the request is expired/,
  );
});

test('skewed server clock: the CLI request is refused as expired', async () => {
  s.clock.advance(20 * 60_000);
  try {
    const r = await aws(s, alice, ['sts', 'get-caller-identity']);
    assert.match(
      r.stderr,
      /\(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: Signature expired: \d{8}T\d{6}Z is now earlier than/,
    );
  } finally {
    s.clock.advance(-20 * 60_000);
  }
});

test('the CLI validates durations itself; the server never sees them', async () => {
  const r = await aws(s, alice, ['sts', 'get-session-token', '--duration-seconds', '100']);
  assert.equal(r.code, 255);
  assert.match(r.stderr, /valid min value: 900/);
});

test('an inactive key is refused, and active again after reactivation', async () => {
  const off = await aws(s, s.root, [
    'iam',
    'update-access-key',
    '--user-name',
    'alice',
    '--access-key-id',
    alice.accessKeyId,
    '--status',
    'Inactive',
  ]);
  assert.equal(off.code, 0, off.stderr);
  assert.match((await aws(s, session, ['sts', 'get-caller-identity'])).stderr, /InvalidClientTokenId/);
  await aws(s, s.root, [
    'iam',
    'update-access-key',
    '--user-name',
    'alice',
    '--access-key-id',
    alice.accessKeyId,
    '--status',
    'Active',
  ]);
  assert.equal((await aws(s, session, ['sts', 'get-caller-identity'])).code, 0);
});

test('limits and conflicts as the CLI prints them', async () => {
  await aws(s, s.root, ['iam', 'create-access-key', '--user-name', 'alice']);
  const third = await aws(s, s.root, ['iam', 'create-access-key', '--user-name', 'alice']);
  assert.match(
    third.stderr,
    /An error occurred \(LimitExceeded\) when calling the CreateAccessKey operation: Cannot exceed quota for AccessKeysPerUser: 2/,
  );
  const del = await aws(s, s.root, ['iam', 'delete-user', '--user-name', 'alice']);
  assert.match(
    del.stderr,
    /\(DeleteConflict\) when calling the DeleteUser operation: Cannot delete entity, must delete access keys first\./,
  );
  const last = await aws(s, s.root, ['iam', 'get-access-key-last-used', '--access-key-id', alice.accessKeyId]);
  assert.equal(last.json.UserName, 'alice');
  assert.equal(last.json.AccessKeyLastUsed.ServiceName, 'sts');
  assert.equal(last.json.AccessKeyLastUsed.Region, 'eu-central-1');
});

test('path-prefixed endpoint URL and an IAM call as a non-root user', async () => {
  const r = await aws(s, alice, ['iam', 'list-users']);
  assert.match(
    r.stderr,
    /\(AccessDenied\) when calling the ListUsers operation: User: arn:aws:iam::\d{12}:user\/alice is not authorized to perform: iam:ListUsers/,
  );
  const prefixed = await aws(s, alice, ['sts', 'get-caller-identity', '--endpoint-url', `${s.url}/some/prefix`]);
  assert.equal(prefixed.code, 0, prefixed.stderr);
});

test('aws eks get-token: the presigned GetCallerIdentity a Kubernetes authenticator replays', async () => {
  const r = await aws(s, alice, ['eks', 'get-token', '--cluster-name', 'demo']);
  assert.equal(r.code, 0, r.stderr);
  const token: string = r.json.status.token;
  assert.match(token, /^k8s-aws-v1\./);
  const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
  // The CLI presigns against the configured endpoint with the signed header x-k8s-aws-id.
  assert.ok(url.startsWith(s.url), url);
  const ok = await fetch(url, { headers: { 'x-k8s-aws-id': 'demo' } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /<Arn>arn:aws:iam::\d{12}:user\/alice<\/Arn>/);
  const wrongCluster = await fetch(url, { headers: { 'x-k8s-aws-id': 'other' } });
  assert.equal(wrongCluster.status, 403);
});
