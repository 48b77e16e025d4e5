/** The shared config / credentials files: parser (checked against botocore itself), profiles, chains. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  type SharedConfigFiles,
  ConfigParseError,
  InvalidConfigError,
  buildProfileMap,
  ProfileLoopError,
  ProfileNotFoundError,
  loadSharedConfig,
  parseIni,
  profileChain,
  profileNames,
  resolveProfile,
  sharedConfigPaths,
  shellSplit,
} from '../../src/client/shared-config.js';
import { PartialCredentialsError, classifyProfile, readProfile, selectProfileName } from '../../src/client/profile.js';

const run = promisify(execFile);
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the two files into a fresh sub-directory and returns their paths. */
let fileCount = 0;
async function files(config: string | undefined, credentials?: string) {
  const sub = join(dir, `case-${++fileCount}`);
  await mkdir(sub);
  const configFile = join(sub, 'config');
  const credentialsFile = join(sub, 'credentials');
  if (config !== undefined) await writeFile(configFile, config);
  if (credentials !== undefined) await writeFile(credentialsFile, credentials);
  return { configFile, credentialsFile };
}
const load = (paths: { configFile: string; credentialsFile: string }) =>
  loadSharedConfig({ env: { AWS_CONFIG_FILE: paths.configFile, AWS_SHARED_CREDENTIALS_FILE: paths.credentialsFile } });
/** Plain objects (our records have null prototypes) for deepEqual against JSON. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** What botocore itself makes of each pair of files: session.full_config, or the exception name. */
const BOTOCORE = `
import json, os, sys
import botocore.session
out = []
for cfg, creds in json.loads(sys.argv[1]):
    os.environ['AWS_CONFIG_FILE'] = cfg
    os.environ['AWS_SHARED_CREDENTIALS_FILE'] = creds
    try:
        fc = botocore.session.Session().full_config
        out.append({'profiles': fc['profiles'], 'services': fc.get('services', {}), 'ssoSessions': fc.get('sso_sessions', {})})
    except Exception as e:
        out.append({'error': type(e).__name__})
print(json.dumps(out))
`;
let botocoreMissing: string | false | undefined;
async function botocoreView(pairs: { configFile: string; credentialsFile: string }[]): Promise<unknown[]> {
  const { stdout } = await run(
    'python3',
    ['-c', BOTOCORE, JSON.stringify(pairs.map((p) => [p.configFile, p.credentialsFile]))],
    {
      env: { PATH: process.env.PATH, HOME: dir },
    },
  );
  return JSON.parse(stdout) as unknown[];
}
function ourView(paths: { configFile: string; credentialsFile: string }): unknown {
  try {
    const loaded = load(paths);
    const profiles = Object.fromEntries(profileNames(loaded).map((name) => [name, resolveProfile(name, loaded)]));
    return plain({ profiles, services: loaded.services, ssoSessions: loaded.ssoSessions });
  } catch (err) {
    if (err instanceof ConfigParseError) return { error: 'ConfigParseError' };
    throw err;
  }
}
async function needsBotocore(_t?: unknown): Promise<boolean> {
  if (botocoreMissing === undefined) {
    botocoreMissing = await run('python3', ['-c', 'import botocore']).then(
      () => false,
      () => 'python3 with botocore is not installed',
    );
  }
  // The suite needs the real clients (README): their absence is a failure, not a skip.
  assert.equal(botocoreMissing, false, 'the test suite needs python3 with botocore (README)');
  return true;
}

// ---------------------------------------------------------------------------------------------
// Tricky files, each compared with botocore's own parser.

const TRICKY_CONFIG =
  [
    '# leading comment',
    '; another comment',
    '[default]',
    'region=us-west-2',
    'Output :  json   ',
    '\tAWS_Access_Key_Id = continuation-of-output',
    '[profile dev]',
    '  region = eu-west-1 # not a comment',
    'role_arn=arn:aws:iam::123456789012:role/dev;x',
    '  # an indented comment',
    'source_profile = default',
    's3 =',
    '  addressing_style = path',
    '',
    '  ; comment inside a sub-section',
    '  signature_version=s3v4',
    'token = a=b=c==',
    'empty =',
    '[profile "with space"]',
    'region = ap-south-1',
    "[profile 'single q']",
    'region:sa-east-1',
    '[profilex odd]',
    'k = v',
    '[profile too many words]',
    'k = v',
    '[ default ]',
    'k = v',
    '[services local]',
    'sts =',
    '  endpoint_url = http://127.0.0.1:5055',
    'IAM =',
    '  endpoint_url = http://127.0.0.1:5055/iam',
    '  Mixed_Case = kept',
    '[sso-session corp]',
    'sso_start_url = https://example.awsapps.com/start',
    '[plugins]',
    'x = y',
  ].join('\r\n') + '\r\n';

const ODD_CONFIG = [
  '[DEFAULT]',
  'region = us-east-1',
  '[default]',
  'output = text',
  '[profile default]',
  'output = json',
  '[profile a]',
  'region =\u00a0eu-north-1\u00a0',
  'note = first',
  '',
  '   second',
  '\u3000third',
  'zero_width = x\ufeff',
  'sep\u0085 = next-line char is whitespace to Python',
  '[profile b]',
  'region = us-east-2',
].join('\r'); // old-Mac line endings: Python's universal newlines accept them

const CREDENTIALS = [
  '[default]',
  'aws_access_key_id = AKIADEFAULT',
  'aws_secret_access_key = secret/with+chars=',
  '[dev]',
  'aws_access_key_id=AKIADEV',
  'aws_secret_access_key=devsecret',
  'region = us-east-2',
  '[profile x]',
  'k = v',
  '[only-creds]',
  'aws_access_key_id = A',
  'aws_secret_access_key = B',
].join('\n');

test('tricky files parse like botocore (comments, CRLF, CR, odd whitespace, sub-sections, DEFAULT, section names)', async (t) => {
  if (!(await needsBotocore(t))) return;
  const cases = [
    await files(TRICKY_CONFIG, CREDENTIALS),
    await files(ODD_CONFIG, undefined),
    await files(undefined, CREDENTIALS),
    await files(undefined, undefined),
    await files('[default]\nregion = us-east-1\n\n\n', '[default]\n\n'),
  ];
  const expected = await botocoreView(cases);
  cases.forEach((c, i) => assert.deepEqual(ourView(c), expected[i], `case ${i}`));
});

test('malformed files are errors, as in botocore', async (t) => {
  if (!(await needsBotocore(t))) return;
  const bad = [
    '[default]\nregion = a\n[default]\nregion = b\n', // duplicate section
    '[default]\nregion = a\nRegion = b\n', // duplicate key (keys are case-insensitive)
    'region = a\n[default]\n', // no section header
    '[default]\njust a line\n', // no delimiter
    '[default]\n= value\n', // no key
    '[default]\ns3 =\n  addressing_style path\n', // sub-section line without "="
    '\ufeff[default]\nregion = a\n', // UTF-8 byte-order mark
  ];
  const cases = [];
  for (const text of bad) cases.push(await files(text, undefined));
  cases.push(await files(undefined, '[default]\naws_access_key_id\n')); // the credentials file too
  const expected = await botocoreView(cases);
  for (const [i, c] of cases.entries()) {
    assert.deepEqual(expected[i], { error: 'ConfigParseError' }, `botocore, case ${i}`);
    assert.throws(() => load(c), ConfigParseError, `ours, case ${i}`);
  }
  // And with messages that point at the problem.
  assert.throws(
    () => parseIni('[default]\nregion = a\n[default]\n', 'cfg'),
    /cfg: duplicate section \[default\] \(line 3\)/,
  );
  assert.throws(() => parseIni('\ufeff[default]\n', 'cfg'), /byte-order mark/);
  assert.throws(
    () => parseIni('[a]\nx\ny = 1\nz\n', 'cfg'),
    /^ConfigParseError: Unable to parse config file: cfg: expected "key = value" at lines 2, 4$/,
  );
  assert.throws(
    () => parseIni('[a]\ns3 =\n  wJalrXUtnFEMI/K7MDENG\n', 'cfg'),
    (err: unknown) =>
      err instanceof ConfigParseError &&
      /sub-section "s3" has a line without "="/.test(err.message) &&
      !err.message.includes('wJalr'),
  );
});

test('randomly assembled files parse exactly as botocore parses them (seeded)', async (t) => {
  if (!(await needsBotocore(t))) return;
  let seed = 42;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const pieces = [
    '[default]',
    '[profile a]',
    '[profile "d e"]',
    '[profile b c]',
    '[DEFAULT]',
    '[services s]',
    '[sso-session z]',
    '[x]',
    'k = v',
    'K=v2',
    'x:y',
    ' indented = 1',
    '\tsub = 2',
    '',
    '  ',
    '# c',
    '  ; c',
    'key =',
    's3 =',
    '  a = b',
    'a = 1 # c',
    '\u00a0nb = 1',
    'e = a=b',
    'novalue',
  ];
  const paths: string[] = [];
  for (let i = 0; i < 150; i++) {
    const lines = Array.from({ length: 1 + next(10) }, () =>
      pieces[next(pieces.length)]!.replace(
        /^(\s*)([a-zA-Z]+)(\s*[=:])/,
        (_, indent, key, delimiter) => `${indent}${key}${next(20)}${delimiter}`,
      ),
    );
    const path = join(dir, `random-${i}`);
    await writeFile(path, `[start]\n${lines.join(['\n', '\r\n', '\r'][next(3)])}`);
    paths.push(path);
  }
  const script = `
import json, sys, botocore.configloader as c
out = []
for path in json.loads(sys.argv[1]):
    try:
        out.append(c.load_config(path))
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))`;
  const { stdout } = await run('python3', ['-c', script, JSON.stringify(paths)]);
  const theirs = JSON.parse(stdout) as unknown[];
  for (const [i, path] of paths.entries()) {
    let mine: unknown;
    try {
      const { profiles, services, ssoSessions } = buildProfileMap(parseIni(await readFile(path, 'utf8'), path));
      mine = plain({ profiles, services, sso_sessions: ssoSessions });
    } catch (err) {
      assert.ok(err instanceof ConfigParseError, String(err));
      mine = 'ConfigParseError';
    }
    const expected =
      typeof theirs[i] === 'string'
        ? theirs[i]
        : (({ profiles, services, sso_sessions }: Record<string, unknown>) => ({ profiles, services, sso_sessions }))(
            theirs[i] as Record<string, unknown>,
          );
    assert.deepEqual(mine, expected, await readFile(path, 'utf8'));
  }
});

test('invalid UTF-8 is a clear error', async () => {
  const paths = await files(undefined, undefined);
  await writeFile(paths.configFile, Buffer.from([0x5b, 0x61, 0x5d, 0x0a, 0x6b, 0x3d, 0xff, 0x0a]));
  assert.throws(() => load(paths), /not valid UTF-8/);
});

test('the parsed view of the tricky file, spelled out', async () => {
  const loaded = load(await files(TRICKY_CONFIG, CREDENTIALS));
  const dev = loaded.profiles.dev!;
  assert.equal(dev.region, 'eu-west-1 # not a comment'); // botocore has no inline comments
  assert.equal(resolveProfile('dev', loaded).region, 'us-east-2'); // the credentials file's value wins
  assert.equal(dev.role_arn, 'arn:aws:iam::123456789012:role/dev;x');
  assert.deepEqual(plain(dev.s3), { addressing_style: 'path', signature_version: 's3v4' });
  assert.equal(dev.token, 'a=b=c==');
  assert.equal(dev.empty, '');
  assert.equal(resolveProfile(undefined, loaded).output, 'json\nAWS_Access_Key_Id = continuation-of-output');
  assert.deepEqual(Object.keys(loaded.profiles).sort(), ['default', 'dev', 'odd', 'single q', 'with space']);
  assert.deepEqual(plain(loaded.services.local), {
    sts: { endpoint_url: 'http://127.0.0.1:5055' },
    iam: { endpoint_url: 'http://127.0.0.1:5055/iam', Mixed_Case: 'kept' },
  });
  assert.equal(loaded.ssoSessions.corp?.sso_start_url, 'https://example.awsapps.com/start');
  // Credentials-file sections are bare names; "[profile x]" there is a profile called "profile x".
  assert.ok('profile x' in loaded.credentials);
  assert.equal(resolveProfile('dev', loaded).aws_access_key_id, 'AKIADEV');
});

test('credentials-file keys win over config-file keys for the same profile', async () => {
  const loaded = load(
    await files(
      '[profile dev]\nregion = eu-west-1\noutput = json\n',
      '[dev]\nregion = us-east-2\naws_access_key_id = A\n',
    ),
  );
  assert.deepEqual(plain(resolveProfile('dev', loaded)), {
    region: 'us-east-2',
    output: 'json',
    aws_access_key_id: 'A',
  });
});

test('profile names like __proto__ or constructor are plain data', async () => {
  const loaded = load(await files('[profile constructor]\n__proto__ = x\n', undefined));
  assert.equal(resolveProfile('constructor', loaded).__proto__, 'x');
  assert.throws(() => resolveProfile('toString', loaded), ProfileNotFoundError);
});

// ---------------------------------------------------------------------------------------------
// Files produced by the real `aws configure set`.

test('files written by `aws configure set` read as botocore reads them', async (t) => {
  const hasAws = await run('aws', ['--version']).then(
    () => true,
    () => false,
  );
  assert.ok(hasAws, 'the test suite needs the aws CLI (README)');
  const paths = await files(undefined, undefined);
  const other = await files(undefined, undefined);
  const aws = (where: typeof paths) => {
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_CONFIG_FILE: where.configFile,
      AWS_SHARED_CREDENTIALS_FILE: where.credentialsFile,
    };
    return (...args: string[]) => run('aws', ['configure', 'set', ...args], { env });
  };
  const sequence = async (calls: string[][], set: ReturnType<typeof aws>) => {
    for (const args of calls) await set(...args);
  };
  // Each call rewrites its file: calls on the same file run in order, different files in parallel.
  await Promise.all([
    sequence(
      [
        ['region', 'us-west-2', '--profile', 'base'],
        ['s3.addressing_style', 'path', '--profile', 'base'],
        ['profile.role.role_arn', 'arn:aws:iam::123456789012:role/r'],
        ['profile.role.source_profile', 'base'],
      ],
      aws(paths),
    ),
    sequence(
      [
        ['aws_access_key_id', 'AKIAEXAMPLE', '--profile', 'base'],
        ['aws_secret_access_key', 'se/cr+et=', '--profile', 'base'],
      ],
      aws(paths),
    ),
    sequence([['region', 'eu-central-1', '--profile', 'my prof']], aws(other)),
    sequence([['aws_session_token', 'tok', '--profile', 'my prof']], aws(other)),
  ]);

  const loaded = load(paths);
  assert.deepEqual(plain(resolveProfile('base', loaded)), {
    region: 'us-west-2',
    s3: { addressing_style: 'path' },
    aws_access_key_id: 'AKIAEXAMPLE',
    aws_secret_access_key: 'se/cr+et=',
  });
  assert.deepEqual(profileChain('role', loaded), ['role', 'base']);
  assert.equal(classifyProfile(readProfile('role', loaded)), 'assume-role');
  const spaced = load(other); // written as [profile 'my prof'] and [my prof]
  assert.deepEqual(plain(resolveProfile('my prof', spaced)), { region: 'eu-central-1', aws_session_token: 'tok' });
  if (await needsBotocore(t)) assert.deepEqual([ourView(paths), ourView(other)], await botocoreView([paths, other]));
});

// ---------------------------------------------------------------------------------------------
// File locations.

test('paths: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE with ~ and $VAR, else ~/.aws under HOME', () => {
  assert.deepEqual(sharedConfigPaths({ env: { HOME: '/home/me' } }), {
    configFile: '/home/me/.aws/config',
    credentialsFile: '/home/me/.aws/credentials',
  });
  assert.deepEqual(
    sharedConfigPaths({
      env: { HOME: '/home/me/', AWS_CONFIG_FILE: '~/cfg', AWS_SHARED_CREDENTIALS_FILE: '${D}/c/$X' },
      homeDir: undefined,
    }),
    {
      configFile: '/home/me/cfg',
      credentialsFile: '${D}/c/$X', // unknown variables stay as they are
    },
  );
  assert.equal(
    sharedConfigPaths({ env: { D: '/data', AWS_SHARED_CREDENTIALS_FILE: '$D/creds' } }).credentialsFile,
    '/data/creds',
  );
  assert.equal(sharedConfigPaths({ env: { HOME: '/ignored' }, homeDir: '/given' }).configFile, '/given/.aws/config');
  assert.equal(sharedConfigPaths({ env: { HOME: '/h', AWS_CONFIG_FILE: '~other/x' } }).configFile, '~other/x');
});

test('loadSharedConfig reads ~/.aws under the given home; missing files and directories are empty', async () => {
  const home = join(dir, 'home');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'config'), '[default]\nregion = eu-west-3\n');
  await mkdir(join(home, '.aws', 'credentials')); // a directory where the file should be
  const loaded = loadSharedConfig({ env: {}, homeDir: home });
  assert.equal(resolveProfile(undefined, loaded).region, 'eu-west-3');
  assert.deepEqual(plain(loaded.credentials), {});
  const empty = loadSharedConfig({ env: {}, homeDir: join(dir, 'nowhere') });
  assert.deepEqual(profileNames(empty), []);
  assert.deepEqual(plain(resolveProfile(undefined, empty)), {}); // no default profile: empty, no error
  assert.throws(() => resolveProfile('default', empty), /The config profile \(default\) could not be found/);
});

test('a file that exists but cannot be read is an error, not silently empty', async () => {
  const paths = await files(undefined, undefined);
  await symlink(paths.configFile, paths.configFile); // reading it fails with ELOOP
  assert.throws(() => load(paths), /Unable to parse config file: .*cannot read the file \(ELOOP\)/);
});

test('an unreadable file is an error, not silently empty', async (t) => {
  if (process.getuid?.() === 0) return t.skip('root can read any file');
  const paths = await files('[default]\n', undefined);
  await chmod(paths.configFile, 0o000);
  assert.throws(() => load(paths), /Unable to parse config file: .*cannot read the file \(EACCES\)/);
});

// ---------------------------------------------------------------------------------------------
// shlex, as used for section names and credential_process.

test('shellSplit behaves like Python shlex.split', async (t) => {
  const inputs = [
    `profile "my name"`,
    `profile 'x y'`,
    `a\\ b c`,
    `"a\\"b" 'c\\d' "e\\f"`,
    `x '' ""`,
    `  lead  trail  `,
    `cmd --arg="v 1" 'it''s'`,
    `a"b"c`,
    `é "ü x"`,
    `tab\there`,
  ];
  const expected = [
    ['profile', 'my name'],
    ['profile', 'x y'],
    ['a b', 'c'],
    ['a"b', 'c\\d', 'e\\f'],
    ['x', '', ''],
    ['lead', 'trail'],
    ['cmd', '--arg=v 1', 'its'],
    ['abc'],
    ['é', 'ü x'],
    ['tab', 'here'],
  ];
  assert.deepEqual(inputs.map(shellSplit), expected);
  assert.throws(() => shellSplit(`"open`), /No closing quotation/);
  assert.throws(() => shellSplit(`end\\`), /No escaped character/);
  if (!(await needsBotocore(t))) return;
  const { stdout } = await run('python3', [
    '-c',
    'import json,shlex,sys; print(json.dumps([shlex.split(s) for s in json.loads(sys.argv[1])]))',
    JSON.stringify(inputs),
  ]);
  assert.deepEqual(JSON.parse(stdout), expected);
});

// ---------------------------------------------------------------------------------------------
// Profiles: typed view and classification.

async function filesOf(config: string, credentials?: string): Promise<SharedConfigFiles> {
  return load(await files(config, credentials));
}

test('readProfile: typed keys, legacy token name, booleans, durations', async () => {
  const loaded = await filesOf(
    [
      '[profile r]',
      'region = eu-west-1',
      'role_arn = arn:aws:iam::123456789012:role/r',
      'source_profile = base',
      'mfa_serial = arn:aws:iam::123456789012:mfa/me',
      'mfa_process = ykman oath accounts code --single aws',
      'external_id = ext',
      'duration_seconds = 3600',
      'role_session_name = me',
      'endpoint_url = http://localhost:5055',
      'services = local',
      'sts_regional_endpoints = legacy',
      'ignore_configured_endpoint_urls = TRUE',
      '[profile base]',
      'aws_access_key_id = AKIA1',
      'aws_secret_access_key = s1',
      'aws_session_token = new',
      'aws_security_token = legacy',
      'aws_account_id = 123456789012',
      '[profile bad]',
      'duration_seconds = 1h',
    ].join('\n'),
  );
  assert.deepEqual(plain({ ...readProfile('r', loaded), settings: undefined }), {
    name: 'r',
    region: 'eu-west-1',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    sourceProfile: 'base',
    mfaSerial: 'arn:aws:iam::123456789012:mfa/me',
    mfaProcess: 'ykman oath accounts code --single aws',
    externalId: 'ext',
    durationSeconds: 3600,
    roleSessionName: 'me',
    endpointUrl: 'http://localhost:5055',
    services: 'local',
    stsRegionalEndpoints: 'legacy',
    ignoreConfiguredEndpointUrls: true,
  });
  const base = readProfile('base', loaded);
  // botocore reads aws_security_token before aws_session_token.
  assert.deepEqual(base.staticCredentials, {
    accessKeyId: 'AKIA1',
    secretAccessKey: 's1',
    sessionToken: 'legacy',
    accountId: '123456789012',
  });
  assert.equal(base.staticCredentialsFile, 'config');
  assert.throws(() => readProfile('bad', loaded), /duration_seconds "1h" in profile "bad" is not a whole number/);
  assert.throws(() => readProfile('nope', loaded), /The config profile \(nope\) could not be found/);
});

test('classification follows botocore precedence', async () => {
  const loaded = await filesOf(
    [
      '[profile role-and-keys]', // top level: the role wins over the keys
      'role_arn = arn:aws:iam::1:role/r',
      'source_profile = role-and-keys',
      'aws_access_key_id = A',
      'aws_secret_access_key = S',
      '[profile web]',
      'role_arn = arn:aws:iam::1:role/w',
      'web_identity_token_file = /tok',
      'source_profile = x',
      '[profile web-no-role]',
      'web_identity_token_file = /tok',
      '[profile process-and-config-keys]',
      'credential_process = echo',
      'aws_access_key_id = A',
      'aws_secret_access_key = S',
      '[profile process-and-cred-keys]',
      'credential_process = echo',
      '[profile config-keys]',
      'aws_access_key_id = A',
      'aws_secret_access_key = S',
      '[profile partial]',
      'aws_access_key_id = A',
      '[profile both]',
      'role_arn = arn:aws:iam::1:role/r',
      'source_profile = a',
      'credential_source = Environment',
      '[profile neither]',
      'role_arn = arn:aws:iam::1:role/r',
      '[profile bad-source]',
      'role_arn = arn:aws:iam::1:role/r',
      'credential_source = Laptop',
      '[profile sso]',
      'sso_account_id = 1',
      'sso_role_name = r',
      '[profile empty]',
      'region = us-east-1',
    ].join('\n'),
    '[process-and-cred-keys]\naws_access_key_id = A\naws_secret_access_key = S\n',
  );
  const kind = (name: string, position?: 'top' | 'source') => classifyProfile(readProfile(name, loaded), position);
  assert.equal(kind('role-and-keys'), 'assume-role');
  assert.equal(kind('role-and-keys', 'source'), 'static'); // as a source, static keys disable the role
  assert.equal(kind('web'), 'web-identity');
  assert.throws(() => kind('web-no-role'), /web identity but has no role_arn/);
  assert.equal(kind('process-and-config-keys'), 'process'); // process before config-file keys
  assert.equal(kind('process-and-cred-keys'), 'static'); // credentials-file keys before process
  assert.equal(kind('config-keys'), 'static');
  assert.throws(() => kind('partial'), PartialCredentialsError);
  assert.throws(() => kind('partial'), /Partial credentials found in config-file, missing: aws_secret_access_key/);
  assert.throws(() => kind('both'), /contains both source_profile and credential_source/);
  assert.throws(() => kind('neither'), /missing: source_profile or credential_source/);
  assert.throws(
    () => readProfile('bad-source', loaded),
    /The credential source "Laptop" referenced in profile "bad-source" is not valid/,
  );
  assert.throws(() => kind('sso'), /IAM Identity Center \(SSO\), which opensts does not support/);
  assert.equal(kind('empty'), 'none');
  assert.equal(classifyProfile(readProfile(undefined, await filesOf(''))), 'none');
});

test('selectProfileName: explicit, then AWS_DEFAULT_PROFILE, then AWS_PROFILE (botocore order)', () => {
  assert.equal(selectProfileName({ explicit: 'cli', env: { AWS_PROFILE: 'p', AWS_DEFAULT_PROFILE: 'd' } }), 'cli');
  assert.equal(selectProfileName({ env: { AWS_PROFILE: 'p', AWS_DEFAULT_PROFILE: 'd' } }), 'd');
  assert.equal(selectProfileName({ env: { AWS_PROFILE: 'p', AWS_DEFAULT_PROFILE: '' } }), 'p');
  assert.equal(selectProfileName({ env: {} }), undefined);
});

// ---------------------------------------------------------------------------------------------
// source_profile chains.

const CHAINS = [
  '[profile a]',
  'role_arn = arn:aws:iam::1:role/a',
  'source_profile = b',
  '[profile b]',
  'role_arn = arn:aws:iam::1:role/b',
  'source_profile = c',
  '[profile c]',
  'role_arn = arn:aws:iam::1:role/c',
  'source_profile = creds-only',
  '[profile self]',
  'role_arn = arn:aws:iam::1:role/s',
  'source_profile = self',
  'aws_access_key_id = A',
  'aws_secret_access_key = S',
  '[profile self-nokeys]',
  'role_arn = arn:aws:iam::1:role/s',
  'source_profile = self-nokeys',
  '[profile loop1]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = loop2',
  '[profile loop2]',
  'role_arn = arn:aws:iam::1:role/y',
  'source_profile = loop1',
  '[profile to-keyed-role]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = self',
  '[profile from-env]',
  'role_arn = arn:aws:iam::1:role/e',
  'credential_source = Environment',
  '[profile to-env]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = from-env',
  '[profile dangling]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = ghost',
  '[profile to-empty]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = empty',
  '[profile empty]',
  'region = us-east-1',
  '[profile to-process]',
  'role_arn = arn:aws:iam::1:role/x',
  'source_profile = proc',
  '[profile proc]',
  'credential_process = /bin/creds',
  '[profile plain]',
  'aws_access_key_id = A',
  'aws_secret_access_key = S',
].join('\n');

test('profileChain follows source_profile to the profile with the base credentials', async () => {
  const loaded = await filesOf(CHAINS, '[creds-only]\naws_access_key_id = A\naws_secret_access_key = S\n');
  assert.deepEqual(profileChain('a', loaded), ['a', 'b', 'c', 'creds-only']);
  assert.deepEqual(profileChain('self', loaded), ['self', 'self']); // a role sourcing its own keys
  assert.deepEqual(profileChain('to-keyed-role', loaded), ['to-keyed-role', 'self']); // keys stop the walk
  assert.deepEqual(profileChain('to-env', loaded), ['to-env', 'from-env']);
  assert.deepEqual(profileChain('from-env', loaded), ['from-env']);
  assert.deepEqual(profileChain('to-process', loaded), ['to-process', 'proc']);
  assert.deepEqual(profileChain('plain', loaded), ['plain']);
});

test('profileChain reports loops, unknown profiles and sources without credentials', async () => {
  const loaded = await filesOf(CHAINS);
  assert.throws(
    () => profileChain('loop1', loaded),
    (err: unknown) => {
      assert.ok(err instanceof ProfileLoopError && err instanceof InvalidConfigError);
      assert.equal(err.message, 'Infinite loop in profile chain: loop1 -> loop2 -> loop1');
      return true;
    },
  );
  assert.throws(
    () => profileChain('self-nokeys', loaded),
    /^ProfileLoopError: Infinite loop in profile chain: self-nokeys -> self-nokeys$/,
  );
  assert.throws(() => profileChain('x', loaded), /^ProfileNotFoundError: The config profile \(x\) could not be found$/);
  assert.throws(
    () => profileChain('dangling', loaded),
    (err: unknown) =>
      err instanceof ProfileNotFoundError &&
      err.profile === 'ghost' &&
      err.message === 'The source_profile "ghost" referenced in the profile "dangling" does not exist.',
  );
  assert.throws(() => profileChain('to-empty', loaded), /The source profile "empty" must have credentials/);
});

test('botocore agrees on which chains loop', async (t) => {
  if (!(await needsBotocore(t))) return;
  const paths = await files(CHAINS, '[creds-only]\naws_access_key_id = A\naws_secret_access_key = S\n');
  // Resolve each profile's provider chain far enough to hit config errors, without any network call.
  const script = `
import json, os, sys, botocore.session, botocore.credentials as bc
os.environ['AWS_CONFIG_FILE'], os.environ['AWS_SHARED_CREDENTIALS_FILE'] = sys.argv[1], sys.argv[2]
out = {}
for name in json.loads(sys.argv[3]):
    s = botocore.session.Session(profile=name)
    p = bc.AssumeRoleProvider(load_config=lambda: s.full_config, client_creator=None, cache={}, profile_name=name,
        credential_sourcer=bc.CanonicalNameCredentialSourcer([bc.EnvProvider()]),
        profile_provider_builder=bc.ProfileProviderBuilder(s))
    try:
        p.load(); out[name] = 'ok'
    except Exception as e:
        out[name] = type(e).__name__
print(json.dumps(out))`;
  const names = ['a', 'self', 'to-keyed-role', 'loop1', 'self-nokeys', 'dangling'];
  const { stdout } = await run(
    'python3',
    ['-c', script, paths.configFile, paths.credentialsFile, JSON.stringify(names)],
    { env: { PATH: process.env.PATH, HOME: dir } },
  );
  assert.deepEqual(JSON.parse(stdout), {
    a: 'ok',
    self: 'ok',
    'to-keyed-role': 'ok',
    loop1: 'InfiniteLoopConfigError',
    'self-nokeys': 'InfiniteLoopConfigError',
    dangling: 'InvalidConfigError',
  });
  const loaded = load(paths);
  for (const name of names.slice(0, 3)) assert.doesNotThrow(() => profileChain(name, loaded));
  for (const name of names.slice(3)) assert.throws(() => profileChain(name, loaded));
});
