/**
 * The stock aws CLI with roles, policies and MFA: administering roles and policies with `aws iam`, `aws sts
 * assume-role` allowed and refused, a role profile (role_arn + source_profile, external_id, duration_seconds,
 * mfa_serial) that the CLI assumes by itself, a virtual MFA device enabled and used with get-session-token, and
 * revoking a role's older sessions. The CLI signs with the real time: the server clock only moves forward by
 * 30-second steps (well within SigV4's 15 minutes) so that each TOTP code is fresh.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { aws, clientEnv } from '../helpers/clients.js';
import { allow, deny, policy, totp, trust } from '../helpers/iam.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let account: string;
let alice: Credentials;
let mallory: Credentials;
let roleArn: string;
const STEP = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'opensts-roles-cli-'));

const root = (args: string[]) => aws(s, s.root, args);

async function userWithKey(name: string): Promise<Credentials> {
  assert.equal((await root(['iam', 'create-user', '--user-name', name])).code, 0);
  const k = await root(['iam', 'create-access-key', '--user-name', name]);
  return { accessKeyId: k.json.AccessKey.AccessKeyId, secretAccessKey: k.json.AccessKey.SecretAccessKey };
}

/** The CLI with a profile from the config file written for the test, in a fresh HOME (its own credential cache). */
function withProfile(config: string, credentials: string, profile: string, args: string[], input?: string) {
  const home = mkdtempSync(join(dir, 'home-'));
  writeFileSync(join(home, 'config'), config);
  writeFileSync(join(home, 'credentials'), credentials);
  const env = clientEnv(s, undefined, 'eu-west-1', {
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ENDPOINT_URL_STS: s.url,
    AWS_PROFILE: profile,
  });
  return new Promise<{ code: number; stdout: string; stderr: string; json: any; home: string }>((resolve) => {
    // detached: no controlling terminal, so the CLI's MFA prompt (getpass) reads stdin instead of /dev/tty.
    const child = execFile(
      'aws',
      [...args, '--output', 'json'],
      { env, timeout: 60_000, detached: true } as never,
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr),
          json: code === 0 && String(stdout).trim() ? JSON.parse(String(stdout)) : undefined,
          home,
        });
      },
    );
    child.stdin!.end(input ?? '');
  });
}

before(async () => {
  s = await startTestServer();
  account = s.running.app.accountId;
  alice = await userWithKey('alice');
  mallory = await userWithKey('mallory');
});
after(() => s.close());

test('aws iam: create a role, inline and managed policies, tags, groups', async () => {
  writeFileSync(
    join(dir, 'trust.json'),
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:TagSession']),
  );
  const r = await root([
    'iam',
    'create-role',
    '--role-name',
    'app',
    '--assume-role-policy-document',
    `file://${join(dir, 'trust.json')}`,
    '--max-session-duration',
    '7200',
    '--tags',
    'Key=team,Value=blue',
  ]);
  assert.equal(r.code, 0, r.stderr);
  roleArn = r.json.Role.Arn;
  assert.equal(roleArn, `arn:aws:iam::${account}:role/app`);
  // botocore decodes the URL-encoded policy document into an object.
  assert.deepEqual(
    r.json.Role.AssumeRolePolicyDocument,
    JSON.parse(trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole', 'sts:TagSession'])),
  );
  const got = await root(['iam', 'get-role', '--role-name', 'app']);
  assert.equal(got.json.Role.MaxSessionDuration, 7200);
  assert.deepEqual(got.json.Role.Tags, [{ Key: 'team', Value: 'blue' }]);

  const inline = policy(allow(['iam:ListRoles', 'iam:GetRole']));
  assert.equal(
    (await root(['iam', 'put-role-policy', '--role-name', 'app', '--policy-name', 'read', '--policy-document', inline]))
      .code,
    0,
  );
  const rp = await root(['iam', 'get-role-policy', '--role-name', 'app', '--policy-name', 'read']);
  assert.deepEqual(rp.json.PolicyDocument, JSON.parse(inline));
  const created = await root([
    'iam',
    'create-policy',
    '--policy-name',
    'ListUsers',
    '--policy-document',
    policy(allow('iam:ListUsers')),
  ]);
  assert.equal(created.code, 0, created.stderr);
  const policyArn = created.json.Policy.Arn;
  assert.equal((await root(['iam', 'attach-role-policy', '--role-name', 'app', '--policy-arn', policyArn])).code, 0);
  const attached = await root(['iam', 'list-attached-role-policies', '--role-name', 'app']);
  assert.deepEqual(attached.json.AttachedPolicies, [{ PolicyName: 'ListUsers', PolicyArn: policyArn }]);
  const version = await root(['iam', 'get-policy-version', '--policy-arn', policyArn, '--version-id', 'v1']);
  assert.deepEqual(version.json.PolicyVersion.Document, JSON.parse(policy(allow('iam:ListUsers'))));

  assert.equal((await root(['iam', 'create-group', '--group-name', 'assumers'])).code, 0);
  assert.equal(
    (
      await root([
        'iam',
        'put-group-policy',
        '--group-name',
        'assumers',
        '--policy-name',
        'whoami',
        '--policy-document',
        policy(allow('iam:GetUser')),
      ])
    ).code,
    0,
  );
  assert.equal((await root(['iam', 'add-user-to-group', '--group-name', 'assumers', '--user-name', 'alice'])).code, 0);
  const groups = await root(['iam', 'list-groups-for-user', '--user-name', 'alice']);
  assert.deepEqual(
    groups.json.Groups.map((g: { GroupName: string }) => g.GroupName),
    ['assumers'],
  );
  const self = await aws(s, alice, ['iam', 'get-user']);
  assert.equal(self.code, 0, self.stderr);
  assert.equal(self.json.User.UserName, 'alice');
});

test("aws sts assume-role: allowed for alice, refused for mallory with AWS's message", async () => {
  const r = await aws(s, alice, [
    'sts',
    'assume-role',
    '--role-arn',
    roleArn,
    '--role-session-name',
    'cli',
    '--tags',
    'Key=project,Value=x',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.AssumedRoleUser.Arn, `arn:aws:sts::${account}:assumed-role/app/cli`);
  assert.match(r.json.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{17}:cli$/);
  assert.equal(typeof r.json.PackedPolicySize, 'number');
  const c = r.json.Credentials;
  const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const who = await aws(s, session, ['sts', 'get-caller-identity']);
  assert.equal(who.json.Arn, `arn:aws:sts::${account}:assumed-role/app/cli`);
  assert.equal((await aws(s, session, ['iam', 'list-users'])).code, 0, 'the attached managed policy applies');

  const refused = await aws(s, mallory, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'cli']);
  assert.equal(refused.code, 255);
  assert.match(
    refused.stderr,
    new RegExp(
      `An error occurred \\(AccessDenied\\) when calling the AssumeRole operation: User: arn:aws:iam::${account}:user/mallory is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    ),
  );
});

test('a role profile (role_arn, source_profile, external_id, duration_seconds): the CLI assumes the role by itself', async () => {
  writeFileSync(
    join(dir, 'trust-ext.json'),
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole'], { StringEquals: { 'sts:ExternalId': 'ext-123' } }),
  );
  assert.equal(
    (
      await root([
        'iam',
        'update-assume-role-policy',
        '--role-name',
        'app',
        '--policy-document',
        `file://${join(dir, 'trust-ext.json')}`,
      ])
    ).code,
    0,
  );
  const credentials = `[src]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`;
  const config = [
    '[profile app]',
    `role_arn = ${roleArn}`,
    'source_profile = src',
    'external_id = ext-123',
    'duration_seconds = 900',
    'role_session_name = profile-session',
    'region = eu-west-1',
    '',
    '[profile wrong-ext]',
    `role_arn = ${roleArn}`,
    'source_profile = src',
    'external_id = nope',
    '',
  ].join('\n');
  const t = Date.now();
  const who = await withProfile(config, credentials, 'app', ['sts', 'get-caller-identity']);
  assert.equal(who.code, 0, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:sts::${account}:assumed-role/app/profile-session`);
  // The CLI caches the role's credentials; their expiration says duration_seconds reached the server.
  const cacheDir = join(who.home, '.aws', 'cli', 'cache');
  const cached = JSON.parse(readFileSync(join(cacheDir, readdirSync(cacheDir)[0]!), 'utf8'));
  const expires = Date.parse(cached.Credentials.Expiration);
  assert.ok(Math.abs(expires - (t + 900_000)) < 60_000, cached.Credentials.Expiration);
  const roles = await withProfile(config, credentials, 'app', ['iam', 'list-roles']);
  assert.equal(roles.code, 0, roles.stderr);
  const wrong = await withProfile(config, credentials, 'wrong-ext', ['sts', 'get-caller-identity']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /AccessDenied/);
});

let serial: string;
let seed: string;

test('a virtual MFA device: create (seed and QR code files), enable with two codes, get-session-token with a code', async () => {
  const seedFile = join(dir, 'seed.txt');
  const r = await root([
    'iam',
    'create-virtual-mfa-device',
    '--virtual-mfa-device-name',
    'alice-phone',
    '--outfile',
    seedFile,
    '--bootstrap-method',
    'Base32StringSeed',
  ]);
  assert.equal(r.code, 0, r.stderr);
  serial = r.json.VirtualMFADevice.SerialNumber;
  assert.equal(serial, `arn:aws:iam::${account}:mfa/alice-phone`);
  seed = readFileSync(seedFile, 'ascii');
  assert.match(seed, /^[A-Z2-7]{64}$/);
  const png = join(dir, 'qr.png');
  assert.equal(
    (
      await root([
        'iam',
        'create-virtual-mfa-device',
        '--virtual-mfa-device-name',
        'spare',
        '--outfile',
        png,
        '--bootstrap-method',
        'QRCodePNG',
      ])
    ).code,
    0,
  );
  assert.equal(readFileSync(png).subarray(1, 4).toString('latin1'), 'PNG');

  const now = s.clock.now();
  const enable = await root([
    'iam',
    'enable-mfa-device',
    '--user-name',
    'alice',
    '--serial-number',
    serial,
    '--authentication-code1',
    totp(seed, now - STEP),
    '--authentication-code2',
    totp(seed, now),
  ]);
  assert.equal(enable.code, 0, enable.stderr);
  const devices = await root(['iam', 'list-mfa-devices', '--user-name', 'alice']);
  assert.equal(devices.json.MFADevices[0].SerialNumber, serial);

  s.clock.advance(STEP);
  // The same code for the replay below: a code taken later could belong to the next step, as real time moves on.
  const code = totp(seed, s.clock.now());
  const gst = await aws(s, alice, ['sts', 'get-session-token', '--serial-number', serial, '--token-code', code]);
  assert.equal(gst.code, 0, gst.stderr);
  const c = gst.json.Credentials;
  const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  // IAM accepts GetSessionToken credentials only when MFA was used.
  const me = await aws(s, session, ['iam', 'get-user']);
  assert.equal(me.code, 0, me.stderr);
  const replay = await aws(s, alice, ['sts', 'get-session-token', '--serial-number', serial, '--token-code', code]);
  assert.equal(replay.code, 255);
  assert.match(
    replay.stderr,
    /AccessDenied\) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code\./,
  );
});

test('a role profile with mfa_serial: the CLI prompts for the code and assumes the role; the session has MFA', async () => {
  writeFileSync(
    join(dir, 'trust-mfa.json'),
    trust(`arn:aws:iam::${account}:user/alice`, ['sts:AssumeRole'], { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
  );
  assert.equal(
    (
      await root([
        'iam',
        'create-role',
        '--role-name',
        'guarded',
        '--assume-role-policy-document',
        `file://${join(dir, 'trust-mfa.json')}`,
      ])
    ).code,
    0,
  );
  assert.equal(
    (
      await root([
        'iam',
        'put-role-policy',
        '--role-name',
        'guarded',
        '--policy-name',
        'mfa',
        '--policy-document',
        policy(allow('iam:ListRoles', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } })),
      ])
    ).code,
    0,
  );
  const credentials = `[src]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`;
  const config = `[profile guarded]\nrole_arn = arn:aws:iam::${account}:role/guarded\nsource_profile = src\nmfa_serial = ${serial}\n`;
  s.clock.advance(STEP);
  const r = await withProfile(config, credentials, 'guarded', ['iam', 'list-roles'], `${totp(seed, s.clock.now())}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`Enter MFA code for ${serial}`));
  assert.ok(r.json.Roles.some((x: { RoleName: string }) => x.RoleName === 'guarded'));
  const noCode = await aws(s, alice, [
    'sts',
    'assume-role',
    '--role-arn',
    `arn:aws:iam::${account}:role/guarded`,
    '--role-session-name',
    'no-code',
  ]);
  assert.equal(noCode.code, 255);
  assert.match(noCode.stderr, /is not authorized to perform: sts:AssumeRole/);
});

test("revoking a role's older sessions the AWS way refuses the old credentials", async () => {
  writeFileSync(join(dir, 'trust-plain.json'), trust(`arn:aws:iam::${account}:user/alice`));
  assert.equal(
    (
      await root([
        'iam',
        'update-assume-role-policy',
        '--role-name',
        'app',
        '--policy-document',
        `file://${join(dir, 'trust-plain.json')}`,
      ])
    ).code,
    0,
  );
  const r = await aws(s, alice, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'old']);
  const c = r.json.Credentials;
  const old = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  assert.equal((await aws(s, old, ['iam', 'list-roles'])).code, 0);
  s.clock.advance(2_000);
  const revoke = policy(
    deny('*', '*', { DateLessThan: { 'aws:TokenIssueTime': new Date(s.clock.now()).toISOString() } }),
  );
  assert.equal(
    (
      await root([
        'iam',
        'put-role-policy',
        '--role-name',
        'app',
        '--policy-name',
        'AWSRevokeOlderSessions',
        '--policy-document',
        revoke,
      ])
    ).code,
    0,
  );
  const refused = await aws(s, old, ['iam', 'list-roles']);
  assert.equal(refused.code, 255);
  assert.match(
    refused.stderr,
    new RegExp(
      `An error occurred \\(AccessDenied\\) when calling the ListRoles operation: User: arn:aws:sts::${account}:assumed-role/app/old is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${account}:role/ with an explicit deny in an identity-based policy`,
    ),
  );
  s.clock.advance(1_000);
  const fresh = await aws(s, alice, ['sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'new']);
  const f = fresh.json.Credentials;
  const listed = await aws(
    s,
    { accessKeyId: f.AccessKeyId, secretAccessKey: f.SecretAccessKey, sessionToken: f.SessionToken },
    ['iam', 'list-roles'],
  );
  assert.equal(listed.code, 0, listed.stderr);
});
