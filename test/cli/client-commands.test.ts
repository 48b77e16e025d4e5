/** The `opensts` client commands, run as processes: sts, exec, export, credential-process, endpoints probe. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { run } from '../helpers/clients.js';
import { type FakeSts, defaultHandler, failure, startFakeSts } from '../helpers/fake-sts.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { call, createUserWithKey, xmlText } from '../helpers/query.js';

const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));
let dir: string;
let binDir: string;
let server: TestServer;
let fake: FakeSts;
let alice: Credentials;
let hasAws = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-cli-'));
  binDir = join(dir, 'bin');
  await mkdir(binDir);
  // `opensts` on the PATH, for credential_process lines in config files.
  await writeFile(
    join(binDir, 'opensts'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
  );
  await chmod(join(binDir, 'opensts'), 0o755);
  server = await startTestServer();
  fake = await startFakeSts();
  alice = await createUserWithKey(server, 'cli-alice');
  hasAws = (await run('aws', ['--version'], { PATH: process.env.PATH })).code === 0;
});
after(async () => {
  await fake.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

let homes = 0;
/** A home with its own ~/.aws files and nothing else from the developer's environment. */
async function home(config = '', credentials = ''): Promise<NodeJS.ProcessEnv> {
  const h = join(dir, `home-${++homes}`);
  await mkdir(join(h, '.aws'), { recursive: true });
  await writeFile(join(h, '.aws', 'config'), config);
  await writeFile(join(h, '.aws', 'credentials'), credentials);
  return { PATH: `${binDir}:${process.env.PATH}`, HOME: h, AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1' };
}
const keysEnv = (c: Credentials) => ({
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  ...(c.sessionToken && { AWS_SESSION_TOKEN: c.sessionToken }),
});
const opensts = (args: string[], env: NodeJS.ProcessEnv, input?: string) =>
  run(process.execPath, [BIN, ...args], env, input);
const resetFake = () => {
  fake.requests.length = 0;
  fake.reply = defaultHandler;
};

// ---------------------------------------------------------------------------------------------
// opensts sts ...

test('sts get-caller-identity: the same JSON and text as `aws sts get-caller-identity`', async (t) => {
  const env = {
    ...(await home()),
    ...keysEnv(alice),
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ENDPOINT_URL: server.url,
  };
  const json = await opensts(['sts', 'get-caller-identity'], env);
  assert.equal(json.code, 0, json.stderr);
  const mine = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(mine), ['UserId', 'Account', 'Arn']);
  assert.match(mine.Arn, /user\/cli-alice$/);
  const text = await opensts(['sts', 'get-caller-identity', '--output', 'text'], env);
  assert.equal(text.stdout, `${mine.Account}\t${mine.Arn}\t${mine.UserId}\n`);
  assert.ok(hasAws, 'the test suite needs the aws CLI (README)');
  const theirs = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], env);
  assert.equal(json.stdout, theirs.stdout);
  const theirText = await run('aws', ['sts', 'get-caller-identity', '--output', 'text'], env);
  assert.equal(text.stdout, theirText.stdout);
});

test('sts get-session-token: JSON shape, text columns, env lines, and the session works', async () => {
  const env = { ...(await home()), ...keysEnv(alice), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_STS: server.url };
  const r = await opensts(['sts', 'get-session-token', '--duration-seconds', '900'], env);
  assert.equal(r.code, 0, r.stderr);
  const { Credentials: c } = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(c), ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
  assert.match(c.AccessKeyId, /^ASIA/);
  assert.match(c.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const text = await opensts(['sts', 'get-session-token', '--duration-seconds=900', '--output', 'text'], env);
  assert.match(text.stdout, /^CREDENTIALS\tASIA\w+\t\S+Z\t\S+\t\S+\n$/);
  const envOut = await opensts(['sts', 'get-session-token', '--output', 'env'], env);
  const vars = Object.fromEntries(
    envOut.stdout
      .trim()
      .split('\n')
      .map((l) => /^export (\w+)=(.*)$/.exec(l)!.slice(1)),
  );
  assert.deepEqual(Object.keys(vars), [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CREDENTIAL_EXPIRATION',
  ]);
  const session = {
    accessKeyId: vars.AWS_ACCESS_KEY_ID!,
    secretAccessKey: vars.AWS_SECRET_ACCESS_KEY!,
    sessionToken: vars.AWS_SESSION_TOKEN!,
  };
  const who = await opensts(['sts', 'get-caller-identity', '--region', 'ap-south-1'], { ...env, ...keysEnv(session) });
  assert.match(JSON.parse(who.stdout).Arn, /user\/cli-alice$/);
  const denied = await opensts(['sts', 'get-session-token'], { ...env, ...keysEnv(session) });
  assert.equal(denied.code, 254);
  assert.match(denied.stderr, /An error occurred \(AccessDenied\) when calling the GetSessionToken operation: /);
  const info = await opensts(
    ['sts', 'get-access-key-info', '--access-key-id', session.accessKeyId, '--output', 'text'],
    { ...env, ...keysEnv(server.root) },
  );
  assert.match(info.stdout, /^\d{12}\n$/);
  const callerEnv = await opensts(['sts', 'get-caller-identity', '--output', 'env'], env);
  assert.equal(callerEnv.code, 252);
  assert.match(callerEnv.stderr, /--output env needs a command that returns credentials/);
});

test('sts: --profile, --region and --endpoint-url, and a profile from the credentials file', async () => {
  const env = await home(
    '[profile dev]\nregion = eu-west-3\noutput = text\n',
    `[dev]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  );
  const r = await opensts(['sts', 'get-caller-identity', '--profile', 'dev', '--endpoint-url', server.url], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d{12}\tarn:aws:iam::\d{12}:user\/cli-alice\tAIDA\w+\n$/); // the profile's output = text
  const viaEnv = await opensts(['sts', 'get-caller-identity', '--output', 'json'], {
    ...env,
    AWS_PROFILE: 'dev',
    AWS_ENDPOINT_URL_STS: server.url,
  });
  assert.match(JSON.parse(viaEnv.stdout).Arn, /cli-alice/);
});

test('sts: bad input is a clear message and a non-zero exit', async () => {
  const env = {
    ...(await home(
      '[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n' +
        `[profile broken]\ncredential_process = ${JSON.stringify(process.execPath)} -e "process.stderr.write('token expired, log in again'); process.exit(3)"\n` +
        `[profile garbage]\ncredential_process = ${JSON.stringify(process.execPath)} -e "console.log('hello')"\n`,
    )),
    AWS_ENDPOINT_URL: server.url,
  };
  const cases: Array<[string[], NodeJS.ProcessEnv, number, RegExp]> = [
    [['sts', 'get-caller-identity'], { ...env, ...keysEnv(alice) }, 253, /You must specify a region/],
    [
      ['sts', 'get-caller-identity', '--profile', 'nope', '--region', 'eu-west-1'],
      env,
      253,
      /The config profile \(nope\) could not be found/,
    ],
    [
      ['sts', 'get-caller-identity', '--profile', 'a', '--region', 'eu-west-1'],
      env,
      253,
      /Infinite loop in profile chain: a -> b -> a/,
    ],
    [
      ['sts', 'get-caller-identity', '--profile', 'broken', '--region', 'eu-west-1'],
      env,
      253,
      /credential_process ".*" exited with status 3: token expired, log in again/,
    ],
    [
      ['sts', 'get-caller-identity', '--profile', 'garbage', '--region', 'eu-west-1'],
      env,
      253,
      /credential_process output is not valid JSON: "hello"/,
    ],
    [
      ['sts', 'get-caller-identity', '--region', 'eu-west-1'],
      { ...env, ...keysEnv(alice), AWS_CREDENTIAL_EXPIRATION: '2020-01-01T00:00:00Z' },
      253,
      /expired at 2020-01-01/,
    ],
    [
      ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::1:role/x', '--region', 'eu-west-1'],
      env,
      252,
      /the following arguments are required: --role-session-name/,
    ],
    [['sts', 'get-session-token', '--bogus', '1'], env, 252, /Unknown option: --bogus/],
    [
      ['sts', 'get-session-token', '--duration-seconds', 'soon'],
      env,
      252,
      /invalid literal for int\(\) with base 10: 'soon'/,
    ],
    [['sts', 'get-caller-identity', '--output', 'xml'], env, 252, /Invalid choice: 'xml'/],
    [
      ['sts', 'get-caller-identity', '--query', 'Arn[', '--output', 'text'],
      { ...env, ...keysEnv(alice), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: server.url },
      252,
      /Bad value for --query Arn\[/,
    ],
    [['sts', 'assume-root', '--help'], env, 252, /Invalid choice: 'assume-root'/],
    [['sts', 'get-caller-identity', '-x'], env, 252, /Unknown option: -x/],
    [['sts', 'no-such-thing'], env, 252, /Invalid choice: 'no-such-thing'/],
    [
      ['sts', 'get-caller-identity', '--region', 'eu-west-1'],
      { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', ...keysEnv(alice) },
      255,
      /ECONNREFUSED/,
    ],
  ];
  for (const [args, e, code, message] of cases) {
    const r = await opensts(args, e);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('sts: an MFA code is asked on the terminal (stderr prompt, a line from stdin); a wrong one is AccessDenied', async () => {
  resetFake();
  const env = { ...(await home()), ...keysEnv(alice), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_STS: fake.url };
  const r = await opensts(
    ['sts', 'get-session-token', '--serial-number', 'arn:aws:iam::123456789012:mfa/alice'],
    env,
    '123456\n',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ');
  assert.equal(fake.requests[0]!.params.TokenCode, '123456');
  fake.reply = (req, i) =>
    req.params.TokenCode === '000000'
      ? failure(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.')
      : defaultHandler(req, i);
  const wrong = await opensts(
    ['sts', 'get-session-token', '--serial-number', 'arn:aws:iam::123456789012:mfa/alice', '--token-code', '000000'],
    env,
  );
  assert.equal(wrong.code, 254);
  assert.match(
    wrong.stderr,
    /An error occurred \(AccessDenied\) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code\./,
  );
  const closed = await opensts(
    ['sts', 'get-session-token', '--serial-number', 'arn:aws:iam::123456789012:mfa/alice'],
    env,
    '',
  );
  assert.equal(closed.code, 253);
  assert.match(closed.stderr, /standard input is closed/);
  resetFake();
});

test('sts: role profiles, file:// values and list parameters reach the wire as the aws CLI sends them', async () => {
  resetFake();
  const policyFile = join(dir, 'policy.json');
  await writeFile(policyFile, '{"Version":"2012-10-17","Statement":[]}');
  const env = { ...(await home()), ...keysEnv(alice), AWS_REGION: 'eu-west-1' };
  const r = await opensts(
    [
      'sts',
      'assume-role',
      '--role-arn',
      'arn:aws:iam::123456789012:role/r',
      '--role-session-name',
      's',
      '--endpoint-url',
      fake.url,
      '--policy',
      `file://${policyFile}`,
      '--tags',
      'Key=team,Value=blue',
      'Key=env,Value=dev',
      '--transitive-tag-keys',
      'team',
      '--policy-arns',
      'arn=arn:aws:iam::aws:policy/ReadOnlyAccess',
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ['Credentials', 'AssumedRoleUser', 'PackedPolicySize']);
  assert.deepEqual(
    { ...fake.requests[0]!.params },
    {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      RoleSessionName: 's',
      'PolicyArns.member.1.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'blue',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': 'dev',
      'TransitiveTagKeys.member.1': 'team',
    },
  );
  const text = await opensts(
    [
      'sts',
      'assume-role',
      '--role-arn',
      'arn:aws:iam::123456789012:role/r',
      '--role-session-name',
      's',
      '--endpoint-url',
      fake.url,
      '--output',
      'text',
    ],
    env,
  );
  assert.match(
    text.stdout,
    /^6\nASSUMEDROLEUSER\tarn:aws:sts::123456789012:assumed-role\/r\/s\tAROAFAKE:s\nCREDENTIALS\tASIA\w+\t\S+\tsecret\d+\ttoken\d+\n$/,
  );
});

// ---------------------------------------------------------------------------------------------
// exec / export / credential-process.

async function devHome(extraConfig = ''): Promise<NodeJS.ProcessEnv> {
  return home(
    `[profile dev]\nregion = eu-central-1\nservices = local\n${extraConfig}\n[services local]\nsts =\n  endpoint_url = ${server.url}\n`,
    `[dev]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  );
}

test('exec runs a command with temporary credentials, region and STS endpoint in its environment, and passes its exit status', async () => {
  const env = {
    ...(await devHome()),
    AWS_PROFILE: 'someone-else',
    AWS_ACCESS_KEY_ID: 'AKIASTALE',
    AWS_SECRET_ACCESS_KEY: 'stale',
  };
  const show =
    'const e=process.env; console.log(JSON.stringify({k:e.AWS_ACCESS_KEY_ID,t:!!e.AWS_SESSION_TOKEN,x:e.AWS_CREDENTIAL_EXPIRATION,r:e.AWS_REGION,d:e.AWS_DEFAULT_REGION,u:e.AWS_ENDPOINT_URL_STS,p:e.AWS_PROFILE??null,o:e.OPENSTS_PROFILE})); process.exit(7)';
  const r = await opensts(['exec', 'dev', '--duration-seconds', '900', '--', process.execPath, '-e', show], env);
  assert.equal(r.code, 7, r.stderr);
  const { k, x, ...seen } = JSON.parse(r.stdout);
  assert.match(k, /^ASIA/);
  assert.deepEqual(seen, { t: true, r: 'eu-central-1', d: 'eu-central-1', u: server.url, p: null, o: 'dev' });
  assert.ok(Math.abs(Date.parse(x) - server.clock.now() - 900_000) < 10_000);
  const missing = await opensts(['exec', 'dev', '--', 'no-such-command-xyz'], env);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /cannot run no-such-command-xyz: command not found/);
  const usage = await opensts(['exec', 'dev'], env);
  assert.equal(usage.code, 252);
});

test('exec: the aws CLI in the child uses the session; the second run reuses the cached session (file mode 0600)', async (t) => {
  assert.ok(hasAws, 'the test suite needs the aws CLI (README)');
  const env = await devHome();
  const r = await opensts(['exec', 'dev', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).Arn, /user\/cli-alice$/);
  const cacheDir = join(env.HOME!, '.opensts', 'cache');
  const files = await readdir(cacheDir);
  assert.equal(files.length, 1);
  assert.equal((await stat(join(cacheDir, files[0]!))).mode & 0o777, 0o600);
  assert.equal((await stat(cacheDir)).mode & 0o777, 0o700);
  const a = await opensts(['export', 'dev', '--format', 'json'], env);
  const b = await opensts(['export', 'dev', '--format', 'json'], env);
  assert.equal(JSON.parse(a.stdout).AccessKeyId, JSON.parse(b.stdout).AccessKeyId);
});

test('export: sh, fish, powershell, dotenv and json', async () => {
  const env = await devHome();
  const sh = await opensts(['export', 'dev'], env);
  assert.equal(sh.code, 0, sh.stderr);
  const evaluated = await run(
    'sh',
    ['-c', `eval "$1"; echo "$AWS_ACCESS_KEY_ID $AWS_REGION $AWS_ENDPOINT_URL_STS"`, 'sh', sh.stdout],
    { PATH: process.env.PATH },
  );
  assert.match(evaluated.stdout, new RegExp(`^ASIA\\w+ eu-central-1 ${server.url}\\n$`));
  const fish = await opensts(['export', 'dev', '--format', 'fish'], env);
  assert.match(fish.stdout, /^set -gx AWS_ACCESS_KEY_ID ASIA\w+;\n/);
  const ps = await opensts(['export', 'dev', '--format', 'powershell'], env);
  assert.match(ps.stdout, /^\$Env:AWS_ACCESS_KEY_ID = 'ASIA\w+'\n/m);
  const dotenv = await opensts(['export', 'dev', '--format', 'dotenv'], env);
  assert.match(dotenv.stdout, /^AWS_ACCESS_KEY_ID=ASIA\w+\nAWS_SECRET_ACCESS_KEY=/);
  const json = JSON.parse((await opensts(['export', 'dev', '--format', 'json'], env)).stdout);
  assert.deepEqual(Object.keys(json), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
  const longTerm = JSON.parse((await opensts(['export', 'dev', '--format', 'json', '--no-session'], env)).stdout);
  assert.deepEqual(longTerm, { Version: 1, AccessKeyId: alice.accessKeyId, SecretAccessKey: alice.secretAccessKey });
  const bad = await opensts(['export', 'dev', '--format', 'csh'], env);
  assert.equal(bad.code, 252);
});

test('credential-process: a stock aws profile with `credential_process = opensts credential-process dev` works', async (t) => {
  const env = await devHome(
    '[profile via-opensts]\ncredential_process = opensts credential-process dev\nregion = eu-central-1\n' +
      '[profile self]\ncredential_process = opensts credential-process self\n',
  );
  const doc = await opensts(['credential-process', 'dev'], env);
  assert.equal(doc.code, 0, doc.stderr);
  assert.equal(JSON.parse(doc.stdout).Version, 1);
  const loop = await opensts(['credential-process', 'self'], env);
  assert.equal(loop.code, 253);
  assert.match(loop.stderr, /credential_process loop: profile self/);
  assert.ok(hasAws, 'the test suite needs the aws CLI (README)');
  const r = await run(
    'aws',
    ['sts', 'get-caller-identity', '--profile', 'via-opensts', '--endpoint-url', server.url, '--output', 'json'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).Arn, /user\/cli-alice$/);
});

test('exec with a role profile: MFA prompt from piped stdin, the rest of stdin left to the command', async () => {
  resetFake();
  const env = await home(
    `[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = eu-west-1\n` +
      `[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n`,
  );
  const r = await opensts(
    [
      'exec',
      'admin',
      '--endpoint-url',
      fake.url,
      '--',
      process.execPath,
      '-e',
      'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>console.log(JSON.stringify({d,k:process.env.AWS_ACCESS_KEY_ID})))',
    ],
    env,
    '987654\nrest of input\n',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ');
  const out = JSON.parse(r.stdout);
  assert.equal(out.d, 'rest of input\n');
  assert.match(out.k, /^ASIAFAKE/);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]!.params.TokenCode, '987654');
  assert.equal(fake.requests[0]!.accessKeyId, 'AKIABASE');
  // Cached now: no prompt, no call.
  const again = await opensts(['export', 'admin', '--endpoint-url', fake.url], env, '');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.equal(fake.requests.length, 1);
});

test('a cached session the server says has expired is dropped and fetched again', async () => {
  resetFake();
  const env = await home(
    `[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nregion = eu-west-1\n[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = s\n`,
  );
  const first = await opensts(['export', 'r', '--endpoint-url', fake.url, '--format', 'json'], env);
  const cachedKey = JSON.parse(first.stdout).AccessKeyId;
  fake.reply = (req, i) =>
    req.accessKeyId === cachedKey
      ? failure(403, 'ExpiredToken', 'The security token included in the request is expired')
      : defaultHandler(req, i);
  const r = await opensts(['sts', 'get-caller-identity', '--profile', 'r', '--endpoint-url', fake.url], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the cached credentials had expired; fetched new ones/);
  assert.equal(fake.requests.filter((q) => q.params.Action === 'AssumeRole').length, 2);
  resetFake();
});

// ---------------------------------------------------------------------------------------------
// endpoints probe.

test('endpoints probe times both endpoints and recommends the regional one unless only the global one answers', async () => {
  const slow = await startFakeSts(() => ({
    ...failure(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'),
    delayMs: 60,
  }));
  try {
    const env = await home();
    const r = await opensts(
      [
        'endpoints',
        'probe',
        '--aws',
        '--region',
        'eu-west-1',
        '--count',
        '2',
        '--output',
        'json',
        '--global-url',
        slow.url,
        '--regional-url',
        fake.url,
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.Endpoints.map((e: { Name: string; Answers: number }) => [e.Name, e.Answers]),
      [
        ['global', 2],
        ['regional', 2],
      ],
    );
    assert.ok(report.Endpoints[0].MedianMs > report.Endpoints[1].MedianMs);
    assert.match(
      report.Recommendation,
      /^Use the regional endpoint http:\/\/127\.0\.0\.1:\d+ .*AWS_STS_REGIONAL_ENDPOINTS=regional/,
    );
    const down = await opensts(
      [
        'endpoints',
        'probe',
        '--aws',
        '--region',
        'eu-west-1',
        '--count',
        '1',
        '--global-url',
        slow.url,
        '--regional-url',
        'http://127.0.0.1:1',
      ],
      env,
    );
    assert.equal(down.code, 0);
    assert.match(down.stdout, /regional\s+http:\/\/127\.0\.0\.1:1\s+-\s+-\s+0\/1 \(ECONNREFUSED\)/);
    assert.match(down.stdout, /Only the global endpoint answered .*AWS_STS_REGIONAL_ENDPOINTS=legacy/);
    const noRegion = await opensts(['endpoints', 'probe', '--aws'], env);
    assert.equal(noRegion.code, 253);
    assert.match(noRegion.stderr, /You must specify a region/);
  } finally {
    await slow.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Role profiles with MFA against OpenSTS (AssumeRole and virtual MFA devices).

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 seed, at a step. */
function totp(seedBase32: string, step: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of seedBase32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test('OpenSTS: a role profile with mfa_serial through exec, export and a stock aws credential_process; a wrong code is AccessDenied', async (t) => {
  const bob = await createUserWithKey(server, 'cli-bob');
  const me = await call(server, 'GetCallerIdentity', {}, bob);
  const account = xmlText(me.body, 'Account')!;
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:user/cli-bob` },
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ],
  });
  const role = await call(
    server,
    'CreateRole',
    { RoleName: 'cli-admin', AssumeRolePolicyDocument: trust },
    server.root,
    { service: 'iam' },
  );
  assert.equal(role.status, 200, role.body);
  const device = await call(server, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'cli-bob' }, server.root, {
    service: 'iam',
  });
  assert.equal(device.status, 200, device.body);
  const serial = xmlText(device.body, 'SerialNumber')!;
  const seed = Buffer.from(xmlText(device.body, 'Base32StringSeed')!, 'base64').toString();
  const step = () => Math.floor(server.clock.now() / 30_000);
  const enabled = await call(
    server,
    'EnableMFADevice',
    {
      UserName: 'cli-bob',
      SerialNumber: serial,
      AuthenticationCode1: totp(seed, step() - 1),
      AuthenticationCode2: totp(seed, step()),
    },
    server.root,
    { service: 'iam' },
  );
  assert.equal(enabled.status, 200, enabled.body);
  const env = await home(
    `[profile admin]\nrole_arn = arn:aws:iam::${account}:role/cli-admin\nsource_profile = bob\nmfa_serial = ${serial}\nrole_session_name = bob-admin\nregion = eu-central-1\n` +
      `[profile via]\ncredential_process = opensts credential-process admin\nregion = eu-central-1\n`,
    `[bob]\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`,
  );
  const withEndpoint = { ...env, AWS_ENDPOINT_URL_STS: server.url };
  const wrong = await opensts(
    ['sts', 'get-caller-identity', '--profile', 'admin'],
    withEndpoint,
    `${totp(seed, step() + 5)}\n`,
  );
  assert.equal(wrong.code, 254, wrong.stderr);
  assert.match(
    wrong.stderr,
    /An error occurred \(AccessDenied\) when calling the AssumeRole operation: MultiFactorAuthentication failed/,
  );
  server.clock.advance(30_000); // a fresh code (a replayed one is refused)
  const r = await opensts(
    ['exec', 'admin', '--', process.execPath, '-e', 'console.log(process.env.AWS_ACCESS_KEY_ID)'],
    withEndpoint,
    `${totp(seed, step())}\n`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ASIA\w+\n$/);
  // Cached: no prompt, and the session is the role's.
  const who = await opensts(['sts', 'get-caller-identity', '--profile', 'admin'], withEndpoint, '');
  assert.equal(who.code, 0, who.stderr);
  assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:sts::${account}:assumed-role/cli-admin/bob-admin`);
  assert.ok(hasAws, 'the test suite needs the aws CLI (README)');
  const viaAws = await run('aws', ['sts', 'get-caller-identity', '--profile', 'via', '--output', 'json'], withEndpoint);
  assert.equal(viaAws.code, 0, viaAws.stderr);
  assert.equal(JSON.parse(viaAws.stdout).Arn, `arn:aws:sts::${account}:assumed-role/cli-admin/bob-admin`);
});

test('the client bundle and the plain module graph give the same answers', async () => {
  const env = { ...(await home()), ...keysEnv(alice), AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: server.url };
  const a = await opensts(['sts', 'get-caller-identity'], env);
  const b = await opensts(['sts', 'get-caller-identity'], { ...env, OPENSTS_NO_BUNDLE: '1' });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const c = await opensts(['sts', 'get-session-token', '--bogus'], { ...env, OPENSTS_NO_BUNDLE: '1' });
  assert.equal(c.code, 252);
});
