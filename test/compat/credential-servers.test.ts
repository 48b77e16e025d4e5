/**
 * The stock aws CLI, boto3 and the AWS SDK for JavaScript v3 reading OpenSTS credentials from the local credential
 * servers (`opensts credential-server`, `opensts exec --ecs-server | --imds-server`) with nothing else in their
 * environment; a workload that runs across several session expiries; and a child of `opensts exec` behind a trap
 * proxy that records any attempt to reach AWS.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  type CredentialServerKind,
  SERVER_REFRESH_WINDOW_MS,
  startCredentialServer,
} from '../../src/client/credential-server.js';
import { fromAssumeRole } from '../../src/client/providers/index.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { run } from '../helpers/clients.js';
import { call, createUserWithKey, xmlText } from '../helpers/query.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const BIN = fileURLToPath(new URL('../../../bin/opensts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
let server: TestServer;
let account: string;
let alice: Credentials;
let dir: string;
let home: string;
/** A home with no ~/.aws at all: what the clients get. */
let emptyHome: string;
let roleArn: string;

before(async () => {
  server = await startTestServer();
  account = server.running.app.accountId;
  alice = await createUserWithKey(server, 'served-alice');
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/served-alice` }, Action: 'sts:AssumeRole' },
    ],
  });
  const role = await call(server, 'CreateRole', { RoleName: 'reader', AssumeRolePolicyDocument: trust }, server.root, {
    service: 'iam',
  });
  assert.equal(role.status, 200, role.body);
  roleArn = xmlText(role.body, 'Arn')!;
  const attached = await call(
    server,
    'AttachRolePolicy',
    { RoleName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' },
    server.root,
    { service: 'iam' },
  );
  assert.equal(attached.status, 200, attached.body);
  dir = mkdtempSync(join(tmpdir(), 'opensts-servers-'));
  home = join(dir, 'home');
  emptyHome = join(dir, 'empty');
  mkdirSync(join(home, '.aws'), { recursive: true });
  mkdirSync(emptyHome);
  writeFileSync(
    join(home, '.aws', 'config'),
    `[profile reader]\nrole_arn = ${roleArn}\nsource_profile = alice\nrole_session_name = served\nduration_seconds = 900\nregion = eu-central-1\nservices = local\n` +
      `[profile alice]\nregion = eu-central-1\nservices = local\n` +
      `[services local]\nsts =\n  endpoint_url = ${server.url}\niam =\n  endpoint_url = ${server.url}\n`,
  );
  writeFileSync(
    join(home, '.aws', 'credentials'),
    `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  );
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const sessionArn = () => `arn:aws:sts::${account}:assumed-role/reader/served`;
/** Only PATH and an empty HOME: no keys, no files, nothing but what a credential server hands out. */
const bareEnv = (vars: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: emptyHome,
  ...vars,
});

const BOTO3 = `
import json, boto3
session = boto3.session.Session()
who = session.client("sts").get_caller_identity()
users = session.client("iam").list_users()["Users"]
print(json.dumps({"arn": who["Arn"], "users": sorted(u["UserName"] for u in users), "method": session.get_credentials().method}))
`;
const JS_SDK = `
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
const users = await new IAMClient({}).send(new ListUsersCommand({}));
console.log(JSON.stringify({ arn: who.Arn, users: users.Users.map((u) => u.UserName).sort() }));
`;

/** The aws CLI, boto3 and the JS SDK, each calling STS and IAM with the given environment. */
async function stockClients(env: NodeJS.ProcessEnv, kind: CredentialServerKind) {
  const cli = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], env);
  assert.equal(cli.code, 0, `aws CLI: ${cli.stderr}`);
  assert.equal(JSON.parse(cli.stdout).Arn, sessionArn());
  const cliIam = await run('aws', ['iam', 'list-users', '--output', 'json'], env);
  assert.equal(cliIam.code, 0, `aws CLI: ${cliIam.stderr}`);
  assert.ok(JSON.parse(cliIam.stdout).Users.some((u: { UserName: string }) => u.UserName === 'served-alice'));
  const py = await run('python3', ['-c', BOTO3], env);
  assert.equal(py.code, 0, `boto3: ${py.stderr}`);
  const pyOut = JSON.parse(py.stdout);
  assert.equal(pyOut.arn, sessionArn());
  assert.ok(pyOut.users.includes('served-alice'));
  assert.equal(
    pyOut.method,
    kind === 'ecs' ? 'container-role' : 'iam-role',
    'boto3 used the server, not another provider',
  );
  const js = await runIn(REPO, process.execPath, ['--input-type=module', '-e', JS_SDK], env);
  assert.equal(js.code, 0, `JS SDK: ${js.stderr}`);
  const jsOut = JSON.parse(js.stdout);
  assert.equal(jsOut.arn, sessionArn());
  assert.ok(jsOut.users.includes('served-alice'));
}

/** run() with a working directory (the JS SDK is resolved from the repository's node_modules). */
function runIn(cwd: string, file: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(file, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `opensts credential-server PROFILE --KIND`, and the variables it printed. */
async function credentialServer(
  kind: CredentialServerKind,
): Promise<{ vars: Record<string, string>; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'credential-server', 'reader', `--${kind}`], {
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (text.endsWith('\n') && /AWS_CONTAINER_AUTHORIZATION_TOKEN=|AWS_EC2_METADATA_V1_DISABLED=/.test(text))
        resolve(text);
    });
    void exited.then((code) => reject(new Error(`credential-server exited with ${code}: ${err}`)));
  });
  const vars = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => /^export (\w+)=(\S+)$/.exec(line)!.slice(1) as [string, string]),
  );
  return { vars, stop: () => (child.kill('SIGTERM'), exited) };
}

for (const kind of ['ecs', 'imds'] as const) {
  test(`opensts credential-server --${kind}: the aws CLI, boto3 and the JS SDK with only its variables call STS and IAM as the role`, async () => {
    const { vars, stop } = await credentialServer(kind);
    try {
      const endpoint =
        kind === 'ecs'
          ? {
              AWS_CONTAINER_CREDENTIALS_FULL_URI: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI,
              AWS_CONTAINER_AUTHORIZATION_TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN,
            }
          : {
              AWS_EC2_METADATA_SERVICE_ENDPOINT: vars.AWS_EC2_METADATA_SERVICE_ENDPOINT,
              AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv4',
              AWS_EC2_METADATA_V1_DISABLED: 'true',
            };
      assert.deepEqual(vars, {
        AWS_REGION: 'eu-central-1',
        AWS_DEFAULT_REGION: 'eu-central-1',
        AWS_ENDPOINT_URL_STS: server.url,
        AWS_ENDPOINT_URL_IAM: server.url,
        ...endpoint,
      });
      assert.match(
        kind === 'ecs' ? vars.AWS_CONTAINER_CREDENTIALS_FULL_URI! : vars.AWS_EC2_METADATA_SERVICE_ENDPOINT!,
        /^http:\/\/127\.0\.0\.1:\d+\/?$/,
      );
      await stockClients(bareEnv(vars), kind);
    } finally {
      assert.equal(await stop(), 0);
    }
  });
}

test("opensts exec --ecs-server / --imds-server: the child's tools read the server, even with a default profile in ~/.aws", async () => {
  const show = 'const e=process.env; console.log(JSON.stringify(Object.keys(e).filter((k) => /^AWS_/.test(k)).sort()))';
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: 'AKIASTALE',
    AWS_SECRET_ACCESS_KEY: 'stale',
    AWS_PROFILE: 'alice',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const ecs = await run(
    process.execPath,
    [BIN, 'exec', 'reader', '--ecs-server', '--', process.execPath, '-e', show],
    env,
  );
  assert.equal(ecs.code, 0, ecs.stderr);
  assert.deepEqual(JSON.parse(ecs.stdout), [
    'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_DEFAULT_REGION',
    'AWS_ENDPOINT_URL_IAM',
    'AWS_ENDPOINT_URL_STS',
    'AWS_REGION',
  ]);
  const imds = await run(
    process.execPath,
    [BIN, 'exec', 'reader', '--imds-server', '--', process.execPath, '-e', show],
    env,
  );
  assert.deepEqual(JSON.parse(imds.stdout), [
    'AWS_DEFAULT_REGION',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
    'AWS_EC2_METADATA_V1_DISABLED',
    'AWS_ENDPOINT_URL_IAM',
    'AWS_ENDPOINT_URL_STS',
    'AWS_REGION',
  ]);
  for (const kind of ['ecs', 'imds'] as const) {
    const r = await run(
      process.execPath,
      [
        BIN,
        'exec',
        'reader',
        `--${kind}-server`,
        '--',
        'sh',
        '-c',
        'aws sts get-caller-identity --output json && python3 -c "import boto3; print(boto3.session.Session().get_credentials().method)"',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)).Arn, sessionArn());
    assert.match(r.stdout, new RegExp(`\\n${kind === 'ecs' ? 'container-role' : 'iam-role'}\\n$`));
  }
  // A default profile with keys would win over any credentials endpoint: the child is then shown no ~/.aws files.
  const withDefault = join(dir, 'home-default');
  mkdirSync(join(withDefault, '.aws'), { recursive: true });
  writeFileSync(
    join(withDefault, '.aws', 'config'),
    `[default]\nregion = eu-west-1\n${(await import('node:fs')).readFileSync(join(home, '.aws', 'config'), 'utf8')}`,
  );
  writeFileSync(
    join(withDefault, '.aws', 'credentials'),
    `[default]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n` +
      (await import('node:fs')).readFileSync(join(home, '.aws', 'credentials'), 'utf8'),
  );
  const r = await run(
    process.execPath,
    [
      BIN,
      'exec',
      'reader',
      '--ecs-server',
      '--',
      'sh',
      '-c',
      'echo "$AWS_CONFIG_FILE $AWS_SHARED_CREDENTIALS_FILE"; aws sts get-caller-identity --output json',
    ],
    { ...env, HOME: withDefault },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\/dev\/null \/dev\/null\n/);
  assert.equal(JSON.parse(r.stdout.slice(r.stdout.indexOf('\n') + 1)).Arn, sessionArn());
  const refused = await run(
    process.execPath,
    [BIN, 'exec', 'reader', '--ecs-server', '--imds-server', '--', 'true'],
    env,
  );
  assert.equal(refused.code, 252);
  assert.match(refused.stderr, /--ecs-server and --imds-server exclude each other/);
  const longTerm = await run(
    process.execPath,
    [BIN, 'exec', 'alice', '--ecs-server', '--no-session', '--', 'true'],
    env,
  );
  assert.equal(longTerm.code, 252);
  assert.match(longTerm.stderr, /temporary credentials only/);
});

// ---------------------------------------------------------------------------------------------
// Across several session expiries.

/**
 * A long-running workload on the AWS SDK for JavaScript: for every line on stdin (the clock offset to take, in ms)
 * it calls STS and IAM with the default credential chain and prints the outcome. Its clock is moved with the
 * server's — the SDK decides when to refresh by its own clock — by shifting Date, the one clock the SDK reads.
 */
const JS_WORKLOAD = `
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { createInterface } from 'node:readline';
const RealDate = Date;
let offset = 0;
globalThis.Date = class extends RealDate {
  constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + offset); }
  static now() { return RealDate.now() + offset; }
};
const sts = new STSClient({ maxAttempts: 1 });
const iam = new IAMClient({ maxAttempts: 1 });
for await (const line of createInterface({ input: process.stdin })) {
  offset = Number(line);
  try {
    const who = await sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new ListUsersCommand({}));
    const { accessKeyId } = await sts.config.credentials();
    console.log(JSON.stringify({ ok: true, arn: who.Arn, accessKeyId }));
  } catch (err) {
    console.log(JSON.stringify({ ok: false, error: String(err) }));
  }
}
`;

/** The same with boto3: botocore reads the time through the datetime module of botocore.compat (signing, IMDS) and .credentials (expiry). */
const BOTO3_WORKLOAD = `
import datetime, json, sys, types
import boto3, botocore.compat, botocore.credentials
offset = datetime.timedelta()
class ShiftedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) + offset
    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() + offset
shifted = types.ModuleType("datetime")
shifted.__dict__.update(datetime.__dict__)
shifted.datetime = ShiftedDatetime
for module in (botocore.compat, botocore.credentials):
    module.datetime = shifted
session = boto3.session.Session()
cfg = botocore.config.Config(retries={"max_attempts": 1})
sts = session.client("sts", config=cfg)
iam = session.client("iam", config=cfg)
for line in sys.stdin:
    offset = datetime.timedelta(milliseconds=int(line))
    try:
        who = sts.get_caller_identity()
        iam.list_users()
        print(json.dumps({"ok": True, "arn": who["Arn"], "accessKeyId": session.get_credentials().get_frozen_credentials().access_key}), flush=True)
    except Exception as e:
        print(json.dumps({"ok": False, "error": repr(e)}), flush=True)
`;

/** Starts a workload and gives a function that moves its clock to the server's and waits for its answer. */
function workload(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): {
  step: () => Promise<{ ok: boolean; arn?: string; accessKeyId?: string; error?: string }>;
  end: () => Promise<number | null>;
} {
  const child: ChildProcessWithoutNullStreams = spawn(file, args, { cwd: REPO, env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async step() {
      child.stdin.write(`${server.clock.now() - Date.now()}\n`);
      const next = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
      if (next.done) throw new Error(`the workload exited: ${stderr}`);
      return JSON.parse(next.value);
    },
    end() {
      child.stdin.end();
      return exited;
    },
  };
}

for (const kind of ['ecs', 'imds'] as const) {
  test(`${kind}: the JS SDK and boto3 run across four session expiries without an error`, async () => {
    // The server's clock drives the sessions' lifetimes, the credential server's refreshes and the workloads' clocks.
    const now = () => server.clock.now();
    // Hour-long sessions, as the CLI asks for: botocore stretches instance credentials that have under 17 to 25
    // minutes left when fetched (src/client/credential-server.ts), so the server hands out none with so little left,
    // and boto3 over IMDS then never signs with an expired credential whatever its random jitter.
    const provider = fromAssumeRole({
      source: alice,
      roleArn,
      roleSessionName: 'served',
      durationSeconds: 3600,
      endpoint: server.url,
      region: 'eu-central-1',
      now,
      clientConfig: { now, maxAttempts: 1 },
      refreshWindowMs: SERVER_REFRESH_WINDOW_MS,
    });
    const credentialServer = await startCredentialServer({ kind, provider, roleArn, now });
    const env = bareEnv({
      ...credentialServer.env,
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
      AWS_ENDPOINT_URL_STS: server.url,
      AWS_ENDPOINT_URL_IAM: server.url,
      // botocore gives the metadata service 1 s and one try by default: on a loaded machine that is a timeout, not
      // the expiry this test is about.
      AWS_METADATA_SERVICE_TIMEOUT: '10',
      AWS_METADATA_SERVICE_NUM_ATTEMPTS: '3',
    });
    const workloads = {
      js: workload(process.execPath, ['--input-type=module', '-e', JS_WORKLOAD], env),
      boto3: workload('python3', ['-c', BOTO3_WORKLOAD], env),
    };
    let advanced = 0;
    try {
      const keys = { js: new Set<string>(), boto3: new Set<string>() };
      const firstKeys: Credentials[] = [];
      // Two hours and three quarters in 5-minute steps: the sessions last an hour and are replaced every half hour,
      // so the first four expire on the way.
      for (let step = 0; step <= 33; step++) {
        for (const [name, w] of Object.entries(workloads)) {
          const r = await w.step();
          assert.deepEqual(
            { ok: r.ok, arn: r.arn, error: r.error },
            { ok: true, arn: sessionArn(), error: undefined },
            `${name}, step ${step}`,
          );
          keys[name as keyof typeof keys].add(r.accessKeyId!);
        }
        if (step === 0) firstKeys.push(await provider());
        server.clock.advance(5 * 60_000);
        advanced += 5 * 60_000;
      }
      // Each replaces a session when it has its own few minutes left (the JS SDK five, botocore fifteen), so it may
      // skip one that the server held for only half an hour.
      assert.ok(keys.js.size >= 4, `the JS SDK used ${keys.js.size} sessions`);
      assert.ok(keys.boto3.size >= 4, `boto3 used ${keys.boto3.size} sessions`);
      // And the first session is really dead at the server: the workloads crossed its expiry.
      const dead = await call(server, 'GetCallerIdentity', {}, firstKeys[0]!, { region: 'eu-central-1' });
      assert.match(dead.body, /<Code>ExpiredToken<\/Code>/);
    } finally {
      assert.equal(await workloads.js.end(), 0);
      assert.equal(await workloads.boto3.end(), 0);
      await credentialServer.close();
      server.clock.advance(-advanced); // the clients of the other tests sign with the real time
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Nothing reaches AWS.

/** An HTTP(S) proxy that records every host a client asks it for and connects none of them. */
async function startTrapProxy(): Promise<{ url: string; hosts: string[]; close: () => Promise<void> }> {
  const hosts: string[] = [];
  const sockets = new Set<Socket>();
  const trap: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n')) return;
      const [method, target] = head.split(' ');
      // CONNECT host:port for https, an absolute URI for plain http.
      hosts.push(method === 'CONNECT' ? target!.replace(/:\d+$/, '') : new URL(target!).hostname);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(trap.address() as { port: number }).port}`,
    hosts,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        trap.close(() => resolve());
      }),
  };
}

test("behind a trap proxy: the children of exec (keys or a credential server) and export's variables reach no AWS host", async () => {
  const trap = await startTrapProxy();
  try {
    const proxied = {
      HTTPS_PROXY: trap.url,
      HTTP_PROXY: trap.url,
      https_proxy: trap.url,
      http_proxy: trap.url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    };
    const env = { PATH: process.env.PATH, HOME: home, ...proxied };
    // The trap works: an OpenSTS session used by a tool that was told only where STS is goes to AWS's IAM.
    const exported = await run(process.execPath, [BIN, 'export', 'reader', '--format', 'dotenv'], env);
    assert.equal(exported.code, 0, exported.stderr);
    const vars = Object.fromEntries(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => /^(\w+)=(.*)$/.exec(l)!.slice(1) as [string, string]),
    );
    assert.deepEqual(Object.keys(vars), [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_ENDPOINT_URL_STS',
      'AWS_ENDPOINT_URL_IAM',
    ]);
    assert.equal(vars.AWS_ENDPOINT_URL_IAM, server.url);
    const { AWS_ENDPOINT_URL_IAM: _, ...stsOnly } = vars;
    const leak = await run('aws', ['iam', 'list-users'], { ...bareEnv(stsOnly), ...proxied, AWS_MAX_ATTEMPTS: '1' });
    assert.notEqual(leak.code, 0);
    assert.deepEqual(trap.hosts, ['iam.amazonaws.com'], 'the trap catches a request to AWS');
    trap.hosts.length = 0;

    const exportedRun = await run('aws', ['iam', 'list-users', '--output', 'json'], { ...bareEnv(vars), ...proxied });
    assert.equal(exportedRun.code, 0, exportedRun.stderr);
    const script =
      'aws sts get-caller-identity --output json >/dev/null && aws iam list-users --output json >/dev/null && echo ok';
    for (const mode of [[], ['--ecs-server'], ['--imds-server']]) {
      const r = await run(process.execPath, [BIN, 'exec', 'reader', ...mode, '--', 'sh', '-c', script], env);
      assert.equal(r.code, 0, `${mode.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, 'ok\n');
    }
    // A profile whose [services] section names more services: every one is passed on.
    const more = join(dir, 'home-more');
    mkdirSync(join(more, '.aws'), { recursive: true });
    writeFileSync(
      join(more, '.aws', 'config'),
      `[profile alice]\nregion = eu-central-1\nservices = local\n` +
        `[services local]\nsts =\n  endpoint_url = ${server.url}\nelastic_beanstalk =\n  endpoint_url = http://127.0.0.1:9/eb\n`,
    );
    writeFileSync(
      join(more, '.aws', 'credentials'),
      `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
    );
    const shown = await run(
      process.execPath,
      [
        BIN,
        'exec',
        'alice',
        '--',
        process.execPath,
        '-e',
        'console.log(JSON.stringify([process.env.AWS_ENDPOINT_URL_STS, process.env.AWS_ENDPOINT_URL_IAM, process.env.AWS_ENDPOINT_URL_ELASTIC_BEANSTALK, process.env.AWS_PROFILE ?? null]))',
      ],
      { ...env, HOME: more, AWS_PROFILE: 'alice', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' },
    );
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), [server.url, server.url, 'http://127.0.0.1:9/eb', null]);
    assert.deepEqual(trap.hosts, [], 'nothing went to AWS');
  } finally {
    await trap.close();
  }
});
