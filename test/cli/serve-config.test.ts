/** `opensts serve --config FILE`: keys from the options table, flags and variables over the file, errors naming the key. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseServeSettings, readServeConfig, reloadServeConfig } from '../../src/cli/serve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'opensts-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function configFile(settings: unknown): string {
  const file = join(dir, `config-${++n}.json`);
  writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return file;
}

const table = {
  args: [] as string[],
  options: {
    port: { type: 'string', default: '7750' },
    'data-dir': { type: 'string', default: 'data' },
    'log-level': { type: 'string', default: 'info' },
    'new-cap': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
} as const;

test('every option of the table is a key, set by the file unless a flag or its variable says otherwise', () => {
  const file = configFile({ port: 7000, 'data-dir': '/srv/a', 'new-cap': '5', quiet: true });
  const s = parseServeSettings(
    { ...table, args: ['--config', file, '--port', '7001'] },
    { OPENSTS_DATA_DIR: '/srv/b' },
  );
  assert.deepEqual(s.values, {
    port: '7001',
    'data-dir': '/srv/b',
    'log-level': 'info',
    'new-cap': '5',
    quiet: true,
    help: undefined,
  });
  assert.deepEqual([...s.fromFile].sort(), ['new-cap', 'quiet']);
  assert.deepEqual([...s.overridden].sort(), ['data-dir', 'port']);
  // OPENSTS_CONFIG names the file when --config does not.
  assert.equal(parseServeSettings(table, { OPENSTS_CONFIG: file }).values.port, '7000');
  // No file: the defaults, as before.
  assert.equal(parseServeSettings(table, {}).values['data-dir'], 'data');
});

test('unknown keys, values of the wrong type and files that are not JSON objects are refused, naming the key', () => {
  const cases: [unknown, RegExp][] = [
    [
      { prot: 7750 },
      /unknown key "prot" \(the keys are the options of opensts serve: port, data-dir, log-level, new-cap, quiet\)/,
    ],
    [{ help: true }, /unknown key "help"/],
    [{ config: 'other.json' }, /unknown key "config"/],
    [{ port: true }, /"port" must be a string or a number, not true/],
    [{ port: null }, /"port" must be a string or a number, not null/],
    [{ quiet: 'yes' }, /"quiet" must be true or false, not "yes"/],
    ['{"port": 1,}', /is not JSON/],
    ['[]', /must hold a JSON object/],
  ];
  for (const [content, message] of cases) {
    const file = configFile(content);
    assert.throws(
      () => readServeConfig(file, table.options),
      (err: Error) => message.test(err.message) && err.message.includes(file),
      JSON.stringify(content),
    );
  }
  assert.throws(
    () => readServeConfig(join(dir, 'missing.json'), table.options),
    /cannot read the config file .*missing\.json/,
  );
});

test('a reload gives the live settings and names the ones that wait for a restart', () => {
  const file = configFile({ port: 7000, 'log-level': 'warn' });
  const s = parseServeSettings({ ...table, args: ['--config', file] }, {});
  writeFileSync(file, JSON.stringify({ port: 7002, 'log-level': 'debug', 'new-cap': '9' }));
  assert.deepEqual(reloadServeConfig(s), { live: { 'log-level': 'debug' }, needRestart: ['port', 'new-cap'] });
  // A key given by a flag stays the flag's.
  const flagged = parseServeSettings({ ...table, args: ['--config', file, '--log-level', 'error'] }, {});
  writeFileSync(file, JSON.stringify({ port: 7002, 'log-level': 'info', 'new-cap': '9' }));
  assert.deepEqual(reloadServeConfig(flagged), { live: {}, needRestart: [] });
});

/** opensts serve as a process; resolves with its exit code, stdout and stderr once it exits, or with the running child. */
function serveProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['bin/opensts', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = (what: () => string, re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(what());
        if (m) resolve(m);
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      check();
      void exited.then(() => reject(new Error(`exited before ${re}:\n${out}\n${err}`)));
    });
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    waitForOut: (re: RegExp) => waitFor(() => out, re),
    waitForErr: (re: RegExp) => waitFor(() => err, re),
  };
}

test('opensts serve refuses a bad setting from the file at start, saying which key of which file', async () => {
  const file = configFile({ port: 99999, 'data-dir': join(dir, 'bad') });
  const p = serveProcess(['--config', file]);
  assert.equal(await p.exited, 255);
  assert.equal(p.err(), `opensts: --port must be 0..65535, not 99999 (the config file ${file} sets "port")\n`);
  const q = serveProcess(['--config', configFile({ workers: 1, 'log-levle': 'info' })]);
  assert.equal(await q.exited, 255);
  assert.match(q.err(), /unknown key "log-levle"/);
});

test('opensts serve runs from the file; SIGHUP applies a new log-level and says what waits for a restart', async () => {
  const dataDir = join(dir, 'served');
  const file = configFile({ port: 0, workers: 1, 'data-dir': dataDir, 'log-level': 'error' });
  const p = serveProcess([], { OPENSTS_CONFIG: file });
  const [, url] = await p.waitForOut(/listening on (http:\/\/\S+) .*store sqlite:(\S+),/);
  assert.match(p.out(), new RegExp(`store sqlite:${dataDir},`));
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  writeFileSync(file, JSON.stringify({ port: 0, workers: 2, 'data-dir': dataDir, 'log-level': 'debug' }));
  p.child.kill('SIGHUP');
  await p.waitForErr(/workers changed in .*: applied at the next restart\n/);
  assert.match(p.err(), new RegExp(`reloaded ${file} \\(log-level debug\\)\n`));
  // A file broken since the start: the server says so and keeps serving.
  writeFileSync(file, JSON.stringify({ 'log-level': 'loud' }));
  p.child.kill('SIGHUP');
  await p.waitForErr(
    /SIGHUP: "log-level" must be one of fatal, error, warn, info, debug, trace, silent, not loud; the running settings stay\n/,
  );
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});
