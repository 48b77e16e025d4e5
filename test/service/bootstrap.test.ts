/** First start of a data dir: account, root credentials and master key from the environment or generated; the CLI banner. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { startServer } from '../../src/server/serve.js';
import { call, xmlText } from '../helpers/query.js';
import type { TestServer } from '../helpers/server.js';
import { ManualClock } from '../../src/clock.js';

const quiet = pino({ level: 'silent' });
const ENV = {
  OPENSTS_ACCOUNT_ID: '123456789012',
  OPENSTS_ROOT_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  OPENSTS_ROOT_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  OPENSTS_MASTER_KEY: 'ab'.repeat(32),
};

function asTestServer(running: Awaited<ReturnType<typeof startServer>>, clock: ManualClock): TestServer {
  return {
    url: running.url,
    port: running.port,
    host: `127.0.0.1:${running.port}`,
    clock,
    root: running.rootCredentials!,
    dataDir: '',
    running,
    close: () => running.close(),
  };
}

test('root credentials, account id and master key from the environment', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-boot-'));
  const clock = new ManualClock();
  try {
    const s = await startServer({ port: 0, dataDir: dir, env: ENV, log: quiet, clock });
    assert.deepEqual(s.rootCredentials, {
      accessKeyId: ENV.OPENSTS_ROOT_ACCESS_KEY_ID,
      secretAccessKey: ENV.OPENSTS_ROOT_SECRET_ACCESS_KEY,
    });
    const r = await call(asTestServer(s, clock), 'GetCallerIdentity', {}, s.rootCredentials!);
    assert.equal(xmlText(r.body, 'Arn'), 'arn:aws:iam::123456789012:root');
    assert.equal(existsSync(join(dir, 'master.key')), false, 'the key came from the environment');
    await s.close();

    // A second start of the same data dir prints no credentials and keeps the account.
    const again = await startServer({ port: 0, dataDir: dir, env: ENV, log: quiet, clock });
    assert.equal(again.rootCredentials, undefined);
    assert.equal(again.app.accountId, '123456789012');
    await again.close();

    await assert.rejects(
      startServer({ port: 0, dataDir: dir, env: { ...ENV, OPENSTS_ACCOUNT_ID: '999999999999' }, log: quiet }),
      /This data dir belongs to account 123456789012, not OPENSTS_ACCOUNT_ID=999999999999/,
    );
    await assert.rejects(
      startServer({ port: 0, dataDir: dir, env: { ...ENV, OPENSTS_MASTER_KEY: 'cd'.repeat(32) }, log: quiet }),
      /The master key from OPENSTS_MASTER_KEY does not open the secrets of sqlite:.*: it is not the key the store was created with/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad bootstrap settings are refused with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-boot-'));
  try {
    await assert.rejects(
      startServer({ port: 0, dataDir: dir, env: { OPENSTS_ACCOUNT_ID: '12345' }, log: quiet }),
      /OPENSTS_ACCOUNT_ID must be 12 digits/,
    );
    await assert.rejects(
      startServer({ port: 0, dataDir: dir, env: { OPENSTS_ROOT_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' }, log: quiet }),
      /Set both/,
    );
    await assert.rejects(
      startServer({ port: 0, dataDir: dir, env: { OPENSTS_MASTER_KEY: 'short' }, log: quiet }),
      /32 bytes/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs `opensts serve` as a user would and reads its banner. */
function serveCli(args: string[]): Promise<{ out: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/opensts', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/Then try|Connect with/.test(out)) {
        resolve({
          out,
          stop: () =>
            new Promise((r) => {
              child.once('exit', (code, signal) => r(code ?? (`${signal}: ${err}` as never)));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`opensts serve exited with ${code}: ${err}`)));
  });
}

test('opensts serve prints where it listens and a ready-to-paste export block, once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-cli-'));
  try {
    const first = await serveCli(['--port', '0', '--data-dir', dir, '--workers', '2', '--region', 'eu-central-1']);
    assert.match(
      first.out,
      /^OpenSTS \d+\.\d+\.\d+\S* listening on http:\/\/127\.0\.0\.1:\d+ \(region eu-central-1, account \d{12}, store sqlite:.*, 2 workers\)\n/,
    );
    assert.match(
      first.out,
      /\nexport AWS_ACCESS_KEY_ID=AKIA[A-Z2-7]{16}\nexport AWS_SECRET_ACCESS_KEY=\S{40}\nexport AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1\nexport AWS_ENDPOINT_URL_STS=(http:\/\/127\.0\.0\.1:\d+) AWS_ENDPOINT_URL_IAM=\1\n/,
    );
    const url = /AWS_ENDPOINT_URL_STS=(\S+)/.exec(first.out)![1]!;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal(await first.stop(), 0);
    const second = await serveCli(['--port', '0', '--data-dir', dir, '--workers', '1']);
    assert.doesNotMatch(second.out, /AWS_SECRET_ACCESS_KEY/);
    assert.match(second.out, /Connect with: export AWS_ENDPOINT_URL_STS=(\S+) AWS_ENDPOINT_URL_IAM=\1 /);
    assert.equal(await second.stop(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opensts serve refuses bad options', async () => {
  for (const [args, message, status] of [
    [['--port', '70000'], /--port must be 0\.\.65535/, 255],
    [['--region', 'nowhere'], /--region must be a region name/, 255],
    [['--workers', '0'], /--workers must be 1\.\.256/, 255],
    [['--bogus'], /Unknown option: --bogus/, 252], // the command line itself: the aws CLI's 252
  ] as const) {
    const child = spawn(process.execPath, ['bin/opensts', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, status, args.join(' '));
    assert.match(err, message);
  }
});
