/**
 * The CLI's one parser and its global options, run as processes: -h/--help everywhere, the aws CLI's exit codes,
 * --output json|text|table|yaml, --query, --debug (never a secret), TLS with a private CA through --ca-bundle,
 * AWS_CA_BUNDLE and the profile's ca_bundle, and `opensts` on PATH after a global npm install.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { run } from '../helpers/clients.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { createUserWithKey } from '../helpers/query.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin/opensts');
let dir: string;
let server: TestServer;
let tlsServer: TestServer;
let alice: Credentials;
let bob: Credentials;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-cli-options-'));
  server = await startTestServer();
  tlsServer = await startTestServer({ tls: true });
  alice = await createUserWithKey(server, 'opt-alice');
  bob = await createUserWithKey(tlsServer, 'opt-bob');
});
after(async () => {
  await server.close();
  await tlsServer.close();
  await rm(dir, { recursive: true, force: true });
});

let homes = 0;
async function home(config = ''): Promise<NodeJS.ProcessEnv> {
  const h = join(dir, `home-${++homes}`);
  await mkdir(join(h, '.aws'), { recursive: true });
  await writeFile(join(h, '.aws', 'config'), config);
  await writeFile(join(h, '.aws', 'credentials'), '');
  return {
    PATH: process.env.PATH,
    HOME: h,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_REGION: 'eu-west-1',
  };
}
const keysEnv = (c: Credentials) => ({ AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey });
const opensts = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], env);

test("-h and --help print the command's help and exit 0, for every command and subcommand", async () => {
  const env = await home();
  for (const [args, first] of [
    [['--help'], 'Usage: opensts <command> [options]'],
    [['-h'], 'Usage: opensts <command> [options]'],
    [['sts', '--help'], 'Usage: opensts sts <command> [parameters] [options]'],
    [['sts', 'get-caller-identity', '--help'], 'Usage: opensts sts get-caller-identity [options]'],
    [['sts', 'assume-role', '-h'], 'Usage: opensts sts assume-role [parameters] [options]'],
    [['exec', '--help'], 'Usage: opensts exec PROFILE [options] -- COMMAND [ARGS...]'],
    [['exec', 'dev', '-h'], 'Usage: opensts exec PROFILE [options] -- COMMAND [ARGS...]'],
    [['export', '-h'], 'Usage: opensts export PROFILE [options]'],
    [['credential-process', '--help'], 'Usage: opensts credential-process PROFILE [options]'],
    [['endpoints', '--help'], 'Usage: opensts endpoints <command> [options]'],
    [['endpoints', 'probe', '--help'], 'Usage: opensts endpoints probe [--aws --region R] [options]'],
    [['endpoints', 'probe', '-h'], 'Usage: opensts endpoints probe [--aws --region R] [options]'],
    [['serve', '--help'], 'Usage: opensts serve [options]'],
    [['keys', '-h'], 'Usage: opensts keys rotate [options]'],
    [['regions', '--help'], 'Usage: opensts regions list [options]'],
  ] as const) {
    const r = await opensts([...args], env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(first), `${args.join(' ')}: ${r.stdout.split('\n')[0]}`);
    assert.equal(r.stderr, '', args.join(' '));
  }
  // `exec`'s command gets its own --help.
  const child = await opensts(['exec', 'dev', '--', 'node', '--help'], env);
  assert.equal(child.code, 253, child.stderr);
  assert.match(child.stderr, /The config profile \(dev\) could not be found/);
});

test('help lists only what works: no AssumeRoot, no GetDelegatedAccessToken', async () => {
  const r = await opensts(['sts', 'help'], await home());
  assert.equal(r.code, 0);
  const commands = r.stdout
    .split('\n\n')[2]!
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
  assert.deepEqual(commands, [
    'assume-role',
    'assume-role-with-saml',
    'assume-role-with-web-identity',
    'decode-authorization-message',
    'get-access-key-info',
    'get-caller-identity',
    'get-federation-token',
    'get-session-token',
    'get-web-identity-token',
  ]);
  const help = await opensts(['sts', 'get-session-token', '--help'], await home());
  for (const option of [
    '--duration-seconds INTEGER',
    '--serial-number VALUE',
    '--token-code VALUE',
    '--output FORMAT',
    '--query JMESPATH',
    '--debug',
    '--ca-bundle FILE',
    '--no-verify-ssl',
  ]) {
    assert.ok(help.stdout.includes(`  ${option} `) || help.stdout.includes(`  ${option}\n`), option);
  }
});

test("exit codes are the aws CLI's: 252 command line, 253 configuration, 254 service, 255 other", async () => {
  const env = await home();
  const signed = { ...env, ...keysEnv(alice), AWS_ENDPOINT_URL: server.url };
  for (const [args, e, code, message] of [
    [[], env, 252, /opensts: error: the following arguments are required: command/],
    [['nope'], env, 252, /opensts: error: invalid choice: 'nope'/],
    [['sts'], env, 252, /opensts: error: the following arguments are required: operation/],
    [['endpoints'], env, 252, /opensts endpoints: a command is required/],
    [['endpoints', 'measure'], env, 252, /opensts endpoints: invalid choice: 'measure'/],
    [['endpoints', 'probe', '--count', '0'], env, 252, /--count must be 1\.\.100/],
    [['endpoints', 'probe', '--bogus'], env, 252, /Unknown option: --bogus/],
    [['endpoints', 'probe', 'extra'], env, 252, /Unknown options: extra/],
    [['export', 'dev', '--format', 'xml'], env, 252, /argument --format: Invalid choice: 'xml'/],
    [['export', 'dev', 'other'], env, 252, /Unknown options: other/],
    [['keys', 'spin'], env, 252, /opensts keys: unknown arguments: spin/],
    [['regions', '--bogus'], env, 252, /Unknown option: --bogus/],
    [['regions', 'enable', 'On Prem'], env, 252, /opensts regions: not a region name: On Prem/],
    [['backup', '--nope'], env, 252, /Unknown option: --nope/],
    [['sts', 'get-caller-identity', '--output', 'xml'], env, 252, /Invalid choice: 'xml'/],
    [
      ['sts', 'get-caller-identity'],
      { ...env, AWS_DEFAULT_OUTPUT: 'xml', ...keysEnv(alice), AWS_ENDPOINT_URL: server.url },
      252,
      /Invalid choice: 'xml'/,
    ],
    [['sts', 'get-caller-identity', '--profile', 'nope'], env, 253, /The config profile \(nope\) could not be found/],
    [
      ['sts', 'get-access-key-info', '--access-key-id', 'AKIAIOSFODNN7EXAMPLE'],
      { ...env, AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong', AWS_ENDPOINT_URL: server.url },
      254,
      /An error occurred \(SignatureDoesNotMatch\)/,
    ],
    [['sts', 'get-caller-identity'], { ...signed, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, 255, /ECONNREFUSED/],
  ] as const) {
    const r = await opensts([...args], e);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('--output json, text, table, yaml and --query, as the aws CLI prints them', async () => {
  const env = { ...(await home()), ...keysEnv(alice), AWS_ENDPOINT_URL: server.url };
  const id = JSON.parse((await opensts(['sts', 'get-caller-identity'], env)).stdout);
  const q = (query: string, output: string) =>
    opensts(['sts', 'get-caller-identity', '--query', query, '--output', output], env);
  assert.deepEqual(await q('Account', 'text'), { code: 0, stdout: `${id.Account}\n`, stderr: '' });
  assert.deepEqual(await q('Account', 'json'), { code: 0, stdout: `"${id.Account}"\n`, stderr: '' });
  assert.deepEqual(await q('[Account, Arn]', 'text'), { code: 0, stdout: `${id.Account}\t${id.Arn}\n`, stderr: '' });
  assert.deepEqual(await q('Nothing', 'json'), { code: 0, stdout: 'null\n', stderr: '' });
  assert.deepEqual(await q('Nothing', 'text'), { code: 0, stdout: 'None\n', stderr: '' });
  // Literal values, so that every byte of the layout is known.
  const shape = "{Id: 'abc', Name: 'user-1', Count: `3`, Tags: [{Key: 'team', Value: 'blue'}], Nested: {Only: 'one'}}";
  const yaml = await q(shape, 'yaml');
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.equal(
    yaml.stdout,
    'Id: abc\nName: user-1\nCount: 3\nTags:\n- Key: team\n  Value: blue\nNested:\n  Only: one\n',
  );
  assert.equal(
    (
      await q(
        "{Account: Account, Empty: '', Yes: 'yes', Colon: 'a: b', When: '2026-12-03T10:00:00Z', List: `[]`}",
        'yaml',
      )
    ).stdout,
    `Account: '${id.Account}'\nEmpty: ''\n'Yes': 'yes'\nColon: 'a: b'\nWhen: '2026-12-03T10:00:00Z'\nList: []\n`,
  );
  const table = await q(shape, 'table');
  assert.equal(table.code, 0, table.stderr);
  assert.equal(
    table.stdout,
    [
      '------------------------------',
      '|     GetCallerIdentity      |',
      '+---------+-------+----------+',
      '|  Count  |  Id   |   Name   |',
      '+---------+-------+----------+',
      '|  3      |  abc  |  user-1  |',
      '+---------+-------+----------+',
      '||          Nested          ||',
      '|+--------+-----------------+|',
      '||  Only  |  one            ||',
      '|+--------+-----------------+|',
      '||           Tags           ||',
      '|+--------+-----------------+|',
      '||  Key   |      Value      ||',
      '|+--------+-----------------+|',
      '||  team  |  blue           ||',
      '|+--------+-----------------+|',
      '',
    ].join('\n'),
  );
  // A row wider than 80 columns turns into name | value rows, as in the aws CLI.
  const wide = await q(`{Account: Account, Long: '${'x'.repeat(60)}'}`, 'table');
  assert.equal(
    wide.stdout,
    [
      '-'.repeat(78),
      `|${' '.repeat(29)}GetCallerIdentity${' '.repeat(30)}|`,
      `+-----------+${'-'.repeat(64)}+`,
      `|  Account  |  ${id.Account}${' '.repeat(50)}|`,
      `|  Long     |  ${'x'.repeat(60)}  |`,
      `+-----------+${'-'.repeat(64)}+`,
      '',
    ].join('\n'),
  );
  // The profile's output setting is the default.
  const configured = await opensts(['sts', 'get-caller-identity', '--query', 'Account'], {
    ...env,
    ...(await home('[default]\noutput = text\n')),
    ...keysEnv(alice),
    AWS_ENDPOINT_URL: server.url,
  });
  assert.equal(configured.stdout, `${id.Account}\n`);
});

test("--debug logs each request's method, URL, status and time to stderr, and never a secret", async () => {
  const env = { ...(await home()), ...keysEnv(alice), AWS_ENDPOINT_URL: server.url };
  const r = await opensts(
    ['sts', 'get-session-token', '--debug', '--query', 'Credentials.AccessKeyId', '--output', 'text'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(/\d+\.\d ms/, 'T ms')),
    [
      'opensts: debug: profile (none)',
      `opensts: debug: endpoint ${server.url} (AWS_ENDPOINT_URL), signing region eu-west-1`,
      `opensts: debug: POST ${server.url}/ -> 200 (T ms)`,
    ],
  );
  const sessionKeyId = r.stdout.trim();
  assert.match(sessionKeyId, /^ASIA/);
  assert.ok(
    !r.stderr.includes(alice.secretAccessKey) &&
      !r.stderr.includes(alice.accessKeyId) &&
      !r.stderr.includes(sessionKeyId),
  );
  assert.doesNotMatch(r.stderr, /Authorization|Signature|SecretAccessKey|SessionToken/i);
  // A failed request is logged too, with its error code.
  const refused = await opensts(['sts', 'get-caller-identity', '--debug'], {
    ...env,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  });
  assert.equal(refused.code, 255);
  assert.match(refused.stderr, /^opensts: debug: POST http:\/\/127\.0\.0\.1:1\/ -> ECONNREFUSED \(\d+\.\d ms\)$/m);
});

test("TLS with a private CA: --ca-bundle, AWS_CA_BUNDLE, the profile's ca_bundle, and --no-verify-ssl with a warning", async () => {
  const env = { ...(await home()), ...keysEnv(bob), AWS_ENDPOINT_URL: tlsServer.url };
  const arn = (r: { stdout: string }) => r.stdout.trim();
  const untrusted = await opensts(['sts', 'get-caller-identity'], env);
  assert.equal(untrusted.code, 255);
  assert.match(
    untrusted.stderr,
    /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|self.signed/i,
  );
  const q = ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'];
  const flag = await opensts([...q, '--ca-bundle', tlsServer.caFile!], env);
  assert.equal(flag.code, 0, flag.stderr);
  assert.match(arn(flag), /:user\/opt-bob$/);
  const variable = await opensts(q, { ...env, AWS_CA_BUNDLE: tlsServer.caFile });
  assert.equal(variable.code, 0, variable.stderr);
  const profile = await opensts(q, {
    ...(await home(`[default]\nca_bundle = ${tlsServer.caFile}\n`)),
    ...keysEnv(bob),
    AWS_ENDPOINT_URL: tlsServer.url,
  });
  assert.equal(profile.code, 0, profile.stderr);
  // --ca-bundle wins over AWS_CA_BUNDLE, which wins over the profile's.
  const missing = join(dir, 'missing.pem');
  assert.equal((await opensts([...q, '--ca-bundle', tlsServer.caFile!], { ...env, AWS_CA_BUNDLE: missing })).code, 0);
  const wrongVar = await opensts(q, {
    ...(await home(`[default]\nca_bundle = ${tlsServer.caFile}\n`)),
    ...keysEnv(bob),
    AWS_ENDPOINT_URL: tlsServer.url,
    AWS_CA_BUNDLE: missing,
  });
  assert.equal(wrongVar.code, 255);
  assert.match(wrongVar.stderr, /cannot read the CA bundle .*missing\.pem: ENOENT/);
  const insecure = await opensts([...q, '--no-verify-ssl'], env);
  assert.equal(insecure.code, 0, insecure.stderr);
  assert.equal(arn(insecure), arn(flag));
  assert.equal(
    insecure.stderr,
    'opensts: warning: --no-verify-ssl: TLS certificates are not verified, so anyone on the network path can read and change the requests and the credentials they return.\n',
  );
});

test('npm install -g puts `opensts` on PATH', async () => {
  const prefix = join(dir, 'global');
  // A folder installs as a link to it (as npm link does): no copy, no build, a second or two.
  const install = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', ROOT],
    { PATH: process.env.PATH, HOME: dir },
  );
  assert.equal(install.code, 0, install.stderr);
  const r = await run('opensts', ['--version'], { PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
  assert.deepEqual(r, { code: 0, stdout: 'opensts 0.1.0\n', stderr: '' });
});
