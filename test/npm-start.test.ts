/**
 * `npm start` runs the server as npm's own child, so that stopping npm stops the server: a SIGTERM to npm reaches
 * the server (npm forwards it; the script `exec`s), and npm killed outright does not leave the server orphaned.
 * Each npm runs in a process group of its own: the group empties only when no process of the run is left.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dataDir = mkdtempSync(join(tmpdir(), 'opensts-npm-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** npm start in a new process group; resolves with npm and the URL once the banner says the server listens. */
async function npmStart(name: string): Promise<{ npm: ChildProcess; url: string; exited: Promise<unknown> }> {
  // Under `npm test` this is npm's own script; else the npm on the PATH.
  const [cmd, args] = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const npm = spawn(
    cmd,
    [
      ...args,
      'start',
      '--silent',
      '--',
      '--data-dir',
      join(dataDir, name),
      '--port',
      '0',
      '--workers',
      '1',
      '--log-level',
      'error',
    ],
    {
      cwd: process.cwd(),
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    },
  );
  const exited = new Promise((resolve) => npm.once('exit', (code, signal) => resolve(signal ?? code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    npm.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && /Then try/.test(out)) resolve(m[1]!);
    });
    void exited.then((how) =>
      reject(new Error(`npm start ended (${String(how)}) before the server listened:\n${out}`)),
    );
  });
  return { npm, url, exited };
}

/** Whether any process is left in the group. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function waitGroupGone(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      process.kill(-pgid, 'SIGKILL');
      assert.fail(`processes of npm start (group ${pgid}) still ran ${ms} ms later`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to npm start stops the server before npm exits: nothing is left running', async () => {
  const { npm, url, exited } = await npmStart('term');
  assert.equal(await answers(url), true);
  npm.kill('SIGTERM');
  await exited;
  // npm waits for its child: when it is gone, so is the server, already.
  assert.equal(groupAlive(npm.pid!), false, 'a process of npm start outlived npm');
  assert.equal(await answers(url), false);
});

test('npm start killed with SIGKILL: the server notices it is orphaned and stops', async () => {
  const { npm, url, exited } = await npmStart('kill');
  npm.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  await waitGroupGone(npm.pid!, 10_000);
  assert.equal(await answers(url), false);
});
