/**
 * The deployment files under deploy/: the systemd unit passes `systemd-analyze verify` and its sandbox review, and
 * the exact commands of the unit and of the container image serve (run here, outside systemd and a container, with
 * the paths of the image mapped to this checkout and a temporary directory, and loopback instead of 0.0.0.0).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selfSignedCertificate } from './helpers/oidc-issuer.js';

const root = process.cwd();
const unitFile = join(root, 'deploy/systemd/opensts.service');
const dockerfile = join(root, 'deploy/container/Dockerfile');
const dir = mkdtempSync(join(tmpdir(), 'opensts-deploy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const noSystemd = hasSystemdAnalyze ? false : 'systemd-analyze is not installed';

/** The unit, with its node at this machine's path (verify checks that the binary exists). */
function unitHere(): string {
  const file = join(dir, 'opensts.service');
  writeFileSync(
    file,
    readFileSync(unitFile, 'utf8').replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `),
  );
  return file;
}

const unitSettings = (text: string) => {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
};

test('systemd unit: systemd-analyze verify finds nothing to say', { skip: noSystemd }, () => {
  const r = spawnSync('systemd-analyze', ['verify', unitHere()], { encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
});

test('systemd unit: the sandbox review rates its exposure 1.5 or lower ("OK")', { skip: noSystemd }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=15', unitHere()], {
    encoding: 'utf8',
  });
  assert.equal(
    r.status,
    0,
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('✗'))
      .join('\n'),
  );
  assert.match(r.stdout, /Overall exposure level for opensts\.service: (0\.\d|1\.[0-5]) /);
});

test('systemd unit: a dedicated user, private data directory, no capabilities, reload by SIGHUP', () => {
  const s = unitSettings(readFileSync(unitFile, 'utf8'));
  const one = (k: string) => s.get(k)?.at(-1);
  assert.equal(one('DynamicUser'), 'yes');
  assert.equal(one('StateDirectory'), 'opensts');
  assert.equal(one('StateDirectoryMode'), '0700');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('PrivateTmp'), 'yes');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('CapabilityBoundingSet'), '');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(s.get('ReadWritePaths'), undefined, 'only the state and logs directories are writable');
  assert.equal(one('MemoryDenyWriteExecute'), undefined, 'V8 needs writable executable memory');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs a command until its output says it listens; returns a stop function that resolves with its exit code. */
async function serveUntilListening(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ out: string; stop(): Promise<number | null> }> {
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (/Then try|Connect with/.test(text)) resolve(text);
    });
    void exited.then((code) => reject(new Error(`${argv.join(' ')} exited with ${code}:\n${text}`)));
  });
  return { out, stop: () => (child.kill('SIGTERM'), exited) };
}

/** Runs a health check command: its exit status and standard error. */
function healthcheck(cmd: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stderr })));
}

test("systemd unit: its ExecStart serves with the single-node example's settings (paths and address overridden by variables)", async () => {
  const s = unitSettings(readFileSync(unitFile, 'utf8'));
  const exec = s.get('ExecStart')![0]!.split(' ');
  const config = join(dir, 'opensts.json');
  writeFileSync(config, readFileSync(join(root, 'deploy/examples/single-node/opensts.json')));
  const stateDir = join(dir, 'state');
  const argv = exec.map((a) =>
    a
      .replace('/usr/bin/node', process.execPath)
      .replace('/opt/opensts', root)
      .replace('/etc/opensts/opensts.json', config)
      .replace('/var/lib/opensts', stateDir),
  );
  const tls = selfSignedCertificate(dir);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    OPENSTS_HOST: '127.0.0.1',
    OPENSTS_PORT: String(port),
    OPENSTS_METRICS_PORT: '0',
    OPENSTS_TLS_CERT_FILE: tls.certFile,
    OPENSTS_TLS_KEY_FILE: tls.keyFile,
    OPENSTS_AUDIT_LOG: join(dir, 'audit.log'),
    OPENSTS_WORKERS: '1',
  };
  const server = await serveUntilListening(argv, env);
  try {
    assert.match(server.out, new RegExp(`listening on https://127\\.0\\.0\\.1:${port} .*store sqlite:${stateDir},`));
    const probe = await healthcheck([process.execPath, join(root, 'deploy/container/healthcheck.cjs')], env);
    assert.equal(probe.status, 0, probe.stderr);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

/** The final stage of the Dockerfile: its instructions, continuation lines joined. */
function finalStage(): { env: Record<string, string>; lines: string[] } {
  const text = readFileSync(dockerfile, 'utf8').replace(/\\\n\s*/g, ' ');
  const stages = text.split(/^FROM /m);
  assert.ok(stages.length >= 3, 'a build stage and a runtime stage');
  const lines = stages
    .at(-1)!
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const env: Record<string, string> = {};
  for (const l of lines.filter((l) => l.startsWith('ENV '))) {
    for (const [, k, v] of l.slice(4).matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  }
  return { env, lines };
}

const instruction = (lines: string[], name: string) =>
  lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

test('container image: non-root, data on a volume, a health check; its ENTRYPOINT and CMD serve and the check passes', async () => {
  const { env, lines } = finalStage();
  assert.deepEqual(instruction(lines, 'USER'), ['node']);
  assert.deepEqual(instruction(lines, 'VOLUME'), [env.OPENSTS_DATA_DIR]);
  const [entrypoint] = instruction(lines, 'ENTRYPOINT').map((j) => JSON.parse(j) as string[]);
  const [cmd] = instruction(lines, 'CMD').map((j) => JSON.parse(j) as string[]);
  const [check] = instruction(lines, 'HEALTHCHECK').map((h) => JSON.parse(h.slice(h.indexOf('CMD ') + 4)) as string[]);
  const workdir = instruction(lines, 'WORKDIR').at(-1)!;
  const here = (a: string) => a.replace(workdir, root).replace(/^node$/, process.execPath);
  const dataDir = join(dir, 'volume');
  const port = await freePort();
  // The image's environment, but loopback and a free port here.
  const runEnv = {
    ...env,
    OPENSTS_DATA_DIR: dataDir,
    OPENSTS_HOST: '127.0.0.1',
    OPENSTS_PORT: String(port),
    OPENSTS_WORKERS: '1',
    PATH: process.env.PATH,
  };
  const server = await serveUntilListening([...entrypoint!, ...cmd!].map(here), runEnv);
  try {
    assert.match(server.out, new RegExp(`listening on http://127\\.0\\.0\\.1:${port} .*store sqlite:${dataDir},`));
    const up = await healthcheck(check!.map(here), runEnv);
    assert.equal(up.status, 0, up.stderr);
  } finally {
    assert.equal(await server.stop(), 0);
  }
  const down = await healthcheck(check!.map(here), runEnv);
  assert.equal(down.status, 1);
  assert.match(down.stderr, /healthcheck: connect ECONNREFUSED/);
  // The data directory: private to the service's user.
  assert.equal(execFileSync('stat', ['-c', '%a', dataDir], { encoding: 'utf8' }).trim(), '700');
});
