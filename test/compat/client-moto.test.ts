/**
 * The client against a foreign STS implementation (moto_server): proof that it speaks standard STS, for the
 * operations OpenSTS does not serve yet too. Outputs are compared with the stock aws CLI's against the same server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { fromChain, fromIni, fromWebIdentity } from '../../src/client/providers/index.js';
import { StsClient, StsServiceError } from '../../src/client/sts-client.js';
import { run } from '../helpers/clients.js';

const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));
let moto: ChildProcess | undefined;
let url = '';
let dir = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-moto-'));
  const found = await run('moto_server', ['--help'], { PATH: process.env.PATH });
  // The suite needs moto's server (README): a missing one fails here rather than skipping quietly.
  if (found.code !== 0) throw new Error('the test suite needs moto_server (pip install moto[server]; see README)');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH, HOME: dir },
  });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${url}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('moto_server did not start within 10 s');
});
after(async () => {
  moto?.kill();
  await rm(dir, { recursive: true, force: true });
});

const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...KEYS,
    ...extra,
  };
}
/** The shape of a value: keys in order, leaves replaced by their type. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

const OPERATIONS: Array<[string, string[]]> = [
  ['get-caller-identity', []],
  ['get-session-token', ['--duration-seconds', '900']],
  [
    'assume-role',
    [
      '--role-arn',
      'arn:aws:iam::123456789012:role/moto-role',
      '--role-session-name',
      'moto-s',
      '--external-id',
      'ext-1',
      '--duration-seconds',
      '900',
    ],
  ],
  [
    'assume-role-with-web-identity',
    [
      '--role-arn',
      'arn:aws:iam::123456789012:role/web',
      '--role-session-name',
      'web-s',
      '--web-identity-token',
      'header.payload.signature',
    ],
  ],
  ['get-federation-token', ['--name', 'fed-user', '--duration-seconds', '900']],
  ['get-access-key-info', ['--access-key-id', 'AKIAIOSFODNN7EXAMPLE']],
];

test('opensts sts prints what aws sts prints, for every operation, against moto_server', async (t) => {
  for (const [command, args] of OPERATIONS) {
    const ours = await run(process.execPath, [BIN, 'sts', command, ...args, '--endpoint-url', url], env());
    assert.equal(ours.code, 0, `${command}: ${ours.stderr}`);
    const mine = JSON.parse(ours.stdout);
    const theirs = await run('aws', ['sts', command, ...args, '--endpoint-url', url, '--output', 'json'], env());
    assert.equal(theirs.code, 0, `aws ${command}: ${theirs.stderr}`);
    assert.deepEqual(shape(mine), shape(JSON.parse(theirs.stdout)), command);
    if (command === 'get-caller-identity' || command === 'get-access-key-info')
      assert.equal(ours.stdout, theirs.stdout, command);
    const ourText = await run(
      process.execPath,
      [BIN, 'sts', command, ...args, '--endpoint-url', url, '--output', 'text'],
      env(),
    );
    const theirText = await run('aws', ['sts', command, ...args, '--endpoint-url', url, '--output', 'text'], env());
    const columns = (s: string) =>
      s
        .trim()
        .split('\n')
        .map((l) => l.split('\t').length);
    assert.deepEqual(columns(ourText.stdout), columns(theirText.stdout), `${command} text`);
  }
});

test('a role-profile chain with --endpoint-url: every AssumeRole goes to the override (the stock CLI sends them to AWS)', async (t) => {
  const home = join(dir, 'chain');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(
    join(home, '.aws', 'config'),
    [
      '[profile top]',
      'role_arn = arn:aws:iam::111111111111:role/top',
      'source_profile = mid',
      'role_session_name = top-session',
      'region = eu-west-1',
      '[profile mid]',
      'role_arn = arn:aws:iam::222222222222:role/mid',
      'source_profile = base',
      'external_id = x-1',
    ].join('\n'),
  );
  await writeFile(
    join(home, '.aws', 'credentials'),
    `[base]\naws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${KEYS.AWS_SECRET_ACCESS_KEY}\n`,
  );
  const e = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  const r = await run(
    process.execPath,
    [BIN, 'sts', 'get-caller-identity', '--profile', 'top', '--endpoint-url', url],
    e,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).Arn, 'arn:aws:sts::111111111111:assumed-role/top/top-session');
  // The same through the SDK providers, and `export`.
  const creds = await fromIni({ profile: 'top', env: e, endpoint: url })();
  assert.equal(creds.accountId, '111111111111');
  const exported = await run(process.execPath, [BIN, 'export', 'top', '--endpoint-url', url, '--format', 'json'], e);
  assert.equal(exported.code, 0, exported.stderr);
  const who = await new StsClient({
    endpoint: url,
    region: 'eu-west-1',
    env: {},
    credentials: { accessKeyId: JSON.parse(exported.stdout).AccessKeyId, secretAccessKey: 'x', sessionToken: 'y' },
  }).getCallerIdentity();
  assert.match(String(who.result.Arn), /assumed-role\/top\/top-session$/);
});

test('web identity from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE through the default chain, against moto_server', async (t) => {
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.sig');
  const e = {
    AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_SESSION_NAME: 'pod-1',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_STS: url,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
  };
  const creds = await fromChain({ env: e })();
  assert.equal(creds.accountId, '123456789012');
  assert.ok(creds.expiration && creds.expiration.getTime() > Date.now());
  assert.equal((await fromWebIdentity({ env: e })()).accountId, '123456789012');
});

test('moto errors come back as StsServiceError with the code and a non-zero CLI exit', async (t) => {
  const client = new StsClient({
    endpoint: url,
    region: 'eu-west-1',
    env: {},
    credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY },
  });
  const err = await client
    .assumeRole({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'x'.repeat(65) })
    .catch((e: unknown) => e);
  assert.ok(err instanceof StsServiceError, String(err));
  assert.equal(err.code, 'ValidationError');
  const r = await run(
    process.execPath,
    [
      BIN,
      'sts',
      'assume-role',
      '--role-arn',
      'arn:aws:iam::123456789012:role/r',
      '--role-session-name',
      'x'.repeat(65),
      '--endpoint-url',
      url,
    ],
    env(),
  );
  assert.equal(r.code, 254);
  assert.match(r.stderr, /An error occurred \(ValidationError\) when calling the AssumeRole operation/);
});
