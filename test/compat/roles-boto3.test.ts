/**
 * boto3 with roles and MFA: assume_role with every parameter (session policy and ARNs, tags and transitive keys,
 * source identity, external id, duration), the role session used for calls, role chaining's one-hour limit,
 * get_session_token and assume_role with an MFA code, and policy documents decoded by botocore.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { boto3 } from '../helpers/clients.js';
import { createUserWithKey } from '../helpers/query.js';
import { allow, createRole, iam, ok, policy, totp, trust } from '../helpers/iam.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let account: string;
let alice: Credentials;
let roleArn: string;

/** boto3 clients for the session a snippet makes from a Credentials dict. */
const SESSION = `
def clients(c, region="eu-west-1"):
    sess = boto3.session.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    return sess.client("sts", endpoint_url=sts.meta.endpoint_url, region_name=region, config=cfg), sess.client("iam", endpoint_url=sts.meta.endpoint_url, region_name=region, config=cfg)
`;

before(async () => {
  s = await startTestServer();
  account = s.running.app.accountId;
  alice = await createUserWithKey(s, 'alice');
  roleArn = await createRole(
    s,
    'worker',
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], {
      StringEquals: { 'sts:ExternalId': 'ext-1' },
    }),
    { MaxSessionDuration: 14400 },
  );
  // The role trusts its own sessions too (role chaining).
  await ok(
    iam(s, 'UpdateAssumeRolePolicy', {
      RoleName: 'worker',
      PolicyDocument: trust(
        [`arn:aws:iam::${account}:user/alice`, roleArn],
        ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        { StringEquals: { 'sts:ExternalId': 'ext-1' } },
      ),
    }),
  );
  await ok(
    iam(s, 'PutRolePolicy', {
      RoleName: 'worker',
      PolicyName: 'p',
      PolicyDocument: policy(allow(['iam:ListRoles', 'iam:ListUsers', 'iam:GetRolePolicy', 'iam:CreateGroup'])),
    }),
  );
});
after(() => s.close());

test('assume_role with every parameter; the session is limited by its session policy', async () => {
  const r = await boto3(
    s,
    alice,
    `${SESSION}
import datetime
resp = sts.assume_role(RoleArn=params["role"], RoleSessionName="boto", DurationSeconds=7200, ExternalId="ext-1",
    Policy=params["policy"], PolicyArns=[{"arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}],
    Tags=[{"Key": "project", "Value": "apollo"}, {"Key": "stage", "Value": "dev"}], TransitiveTagKeys=["project"],
    SourceIdentity="alice")
rsts, riam = clients(resp["Credentials"])
who = rsts.get_caller_identity()
roles = len(riam.list_roles()["Roles"])
users = len(riam.list_users()["Users"])
try:
    riam.create_group(GroupName="nope")
    denied = None
except botocore.exceptions.ClientError as e:
    denied = e.response["Error"]["Message"]
doc = riam.get_role_policy(RoleName="worker", PolicyName="p")["PolicyDocument"]
# Chained from a session without session policies (which would have to allow sts:AssumeRole too).
bsts, biam = clients(sts.assume_role(RoleArn=params["role"], RoleSessionName="base", ExternalId="ext-1")["Credentials"])
try:
    bsts.assume_role(RoleArn=params["role"], RoleSessionName="chain", DurationSeconds=7200, ExternalId="ext-1")
    chain = None
except botocore.exceptions.ClientError as e:
    chain = e.response["Error"]["Message"]
out({"user": resp["AssumedRoleUser"], "packed": resp["PackedPolicySize"], "source": resp["SourceIdentity"],
     "ttl": (resp["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds(),
     "who": who["Arn"], "roles": roles, "users": users, "denied": denied, "doc": doc, "chain": chain})
`,
    { role: roleArn, policy: policy(allow(['iam:ListRoles', 'iam:GetRolePolicy'])) },
  );
  assert.equal(r.user.Arn, `arn:aws:sts::${account}:assumed-role/worker/boto`);
  assert.match(r.user.AssumedRoleId, /^AROA[A-Z2-7]{17}:boto$/);
  assert.ok(r.packed > 0 && r.packed <= 100);
  assert.equal(r.source, 'alice');
  assert.ok(Math.abs(r.ttl - 7200) < 60, String(r.ttl));
  assert.equal(r.who, `arn:aws:sts::${account}:assumed-role/worker/boto`);
  assert.equal(r.roles, 1);
  assert.equal(r.users, 1, 'allowed by the role and by the managed session policy');
  assert.equal(
    r.denied,
    `User: arn:aws:sts::${account}:assumed-role/worker/boto is not authorized to perform: iam:CreateGroup on resource: arn:aws:iam::${account}:group/nope because no session policy allows the iam:CreateGroup action`,
  );
  assert.deepEqual(
    r.doc,
    JSON.parse(policy(allow(['iam:ListRoles', 'iam:ListUsers', 'iam:GetRolePolicy', 'iam:CreateGroup']))),
  );
  assert.equal(
    r.chain,
    'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  );
});

test("refusals arrive as ClientError AccessDenied with AWS's messages", async () => {
  const r = await boto3(s, alice, 'sts.assume_role(RoleArn=params["role"], RoleSessionName="boto")', { role: roleArn });
  assert.deepEqual(r, {
    error: 'AccessDenied',
    message: `User: arn:aws:iam::${account}:user/alice is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    status: 403,
  });
  const root = await boto3(s, s.root, 'sts.assume_role(RoleArn=params["role"], RoleSessionName="boto")', {
    role: roleArn,
  });
  assert.deepEqual(root, { error: 'AccessDenied', message: 'Roles may not be assumed by root accounts.', status: 403 });
});

test('MFA: enable a virtual device, then get_session_token and assume_role with codes', async () => {
  const created = await boto3(
    s,
    s.root,
    `
d = iam.create_virtual_mfa_device(VirtualMFADeviceName="boto-phone")["VirtualMFADevice"]
out({"serial": d["SerialNumber"], "seed": d["Base32StringSeed"].decode("ascii"), "png": d["QRCodePNG"][:4].hex()})
`,
  );
  assert.equal(created.png, '89504e47');
  const { serial, seed } = created;
  const now = s.clock.now();
  await boto3(
    s,
    s.root,
    'out(iam.enable_mfa_device(UserName="alice", SerialNumber=params["serial"], AuthenticationCode1=params["c1"], AuthenticationCode2=params["c2"])["ResponseMetadata"]["HTTPStatusCode"])',
    { serial, c1: totp(seed, now - 30_000), c2: totp(seed, now) },
  );
  const mfaRole = await createRole(
    s,
    'mfa-only',
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole'], { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
  );
  s.clock.advance(30_000);
  const gst = await boto3(
    s,
    alice,
    `${SESSION}
c = sts.get_session_token(SerialNumber=params["serial"], TokenCode=params["code"])["Credentials"]
gsts, giam = clients(c)
out({"who": gsts.get_caller_identity()["Arn"], "role": gsts.assume_role(RoleArn=params["role"], RoleSessionName="via-mfa-session")["AssumedRoleUser"]["Arn"]})
`,
    { serial, code: totp(seed, s.clock.now()), role: mfaRole },
  );
  assert.equal(gst.who, `arn:aws:iam::${account}:user/alice`);
  assert.equal(gst.role, `arn:aws:sts::${account}:assumed-role/mfa-only/via-mfa-session`);
  s.clock.advance(30_000);
  // The same code for the replay below: a code taken later could belong to the next step, as real time moves on.
  const code = totp(seed, s.clock.now());
  const direct = await boto3(
    s,
    alice,
    'out(sts.assume_role(RoleArn=params["role"], RoleSessionName="direct", SerialNumber=params["serial"], TokenCode=params["code"])["AssumedRoleUser"]["Arn"])',
    { serial, code, role: mfaRole },
  );
  assert.equal(direct, `arn:aws:sts::${account}:assumed-role/mfa-only/direct`);
  const replay = await boto3(
    s,
    alice,
    'out(sts.get_session_token(SerialNumber=params["serial"], TokenCode=params["code"]))',
    { serial, code },
  );
  assert.deepEqual(replay, {
    error: 'AccessDenied',
    message: 'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
    status: 403,
  });
});
