/** boto3 against the server, unmodified but for the endpoint URL. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boto3 } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

test('the whole flow: user, key, session, identity', async () => {
  const r = await boto3(
    s,
    s.root,
    `
iam.create_user(UserName="alice", Path="/team/")
key = iam.create_access_key(UserName="alice")["AccessKey"]
alice = boto3.session.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
asts = alice.client("sts", endpoint_url=sts.meta.endpoint_url, region_name="ap-northeast-1")
creds = asts.get_session_token(DurationSeconds=900)["Credentials"]
sess = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
who = sess.client("sts", endpoint_url=sts.meta.endpoint_url, region_name="sa-east-1").get_caller_identity()
out({"who": {k: who[k] for k in ("UserId", "Account", "Arn")}, "exp": creds["Expiration"].isoformat(), "akid": creds["AccessKeyId"], "user": iam.get_user(UserName="alice")["User"]["UserId"]})
`,
  );
  const account = s.running.app.accountId;
  assert.deepEqual(r.who, { UserId: r.user, Account: account, Arn: `arn:aws:iam::${account}:user/team/alice` });
  assert.match(r.akid, /^ASIA/);
  assert.match(r.exp, /\+00:00$/);
});

test('errors arrive as ClientError with code, message and status', async () => {
  assert.deepEqual(
    await boto3(
      s,
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret' },
      'out(sts.get_caller_identity())',
    ),
    {
      error: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
      status: 403,
    },
  );
  assert.deepEqual(await boto3(s, s.root, 'iam.get_user(UserName="nobody")'), {
    error: 'NoSuchEntity',
    message: 'The user with name nobody cannot be found.',
    status: 404,
  });
  const wrong = await boto3(s, { ...s.root, secretAccessKey: 'not-the-secret' }, 'out(sts.get_caller_identity())');
  assert.equal(wrong.error, 'SignatureDoesNotMatch');
  assert.equal(wrong.status, 403);
});

test('paginator over list_users', async () => {
  const r = await boto3(
    s,
    s.root,
    `
for i in range(7):
    iam.create_user(UserName=f"pg{i}", Path="/pg/")
names = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PathPrefix="/pg/", PaginationConfig={"PageSize": 3}) for u in page["Users"]]
out(names)
`,
  );
  assert.deepEqual(r, ['pg0', 'pg1', 'pg2', 'pg3', 'pg4', 'pg5', 'pg6']);
});

test('presigned GetCallerIdentity URL (the Vault / EKS pattern)', async () => {
  const r = await boto3(
    s,
    s.root,
    `
import urllib.request
url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
with urllib.request.urlopen(url) as resp:
    out({"status": resp.status, "body": resp.read().decode()})
`,
  );
  assert.equal(r.status, 200);
  assert.match(r.body, /<Arn>arn:aws:iam::\d{12}:root<\/Arn>/);
});
