/**
 * `opensts backup` while the server takes writes, `opensts restore` into a new data dir, and a server started on
 * the restored store: what was acknowledged before the backup is there, and sessions issued before it still verify.
 * SQLite files are the subject here, so these servers run on SQLite under OPENSTS_TEST_STORE=postgres too.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { backup, restore } from '../../src/cli/backup.js';
import type { AdminIo } from '../../src/cli/admin.js';
import { ManualClock } from '../../src/clock.js';
import { startServer } from '../../src/server/serve.js';
import { run } from '../helpers/clients.js';
import { iam, ok } from '../helpers/iam.js';
import { call, createUserWithKey, sessionFor, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'opensts-backup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io(env: NodeJS.ProcessEnv = {}): AdminIo & { text: () => string } {
  let text = '';
  return { env, out: (t) => void (text += t), now: Date.now, text: () => text };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const usersIn = (dbFile: string) => {
  const db = new Database(dbFile, { readonly: true });
  try {
    return new Set(db.prepare('SELECT user_name FROM users').pluck().all() as string[]);
  } finally {
    db.close();
  }
};

test('a backup under a stream of writes restores everything acknowledged before it; old sessions verify on the restored store', async () => {
  const s = await startTestServer({ store: 'sqlite' });
  const snapshot = join(dir, 'live.snapshot');
  const restored = join(dir, 'restored');
  let session;
  try {
    const alice = await createUserWithKey(s, 'alice');
    session = await sessionFor(s, alice);
    const acked: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await ok(iam(s, 'CreateUser', { UserName: `user-${i}` }));
        acked.push(`user-${i}`);
      }
    })();
    while (acked.length < 20) await new Promise((r) => setImmediate(r));
    const before = [...acked];
    const result = await run(process.execPath, ['bin/opensts', 'backup', '--data-dir', s.dataDir, '--out', snapshot], {
      PATH: process.env.PATH,
    });
    const during = acked.length - before.length;
    writing = false;
    await writer;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(during > 0, 'the server kept taking writes while the backup ran');
    assert.match(
      result.stdout,
      new RegExp(
        `^Backed up sqlite:${s.dataDir} \\(\\d+ users\\) to ${snapshot}: \\d+\\.\\d MiB in \\d+\\.\\d\\d s\\.\n`,
      ),
    );
    assert.match(
      result.stdout,
      new RegExp(`The master key is NOT in the snapshot\\. Back up ${s.dataDir}/master\\.key separately`),
    );
    assert.equal(mode(snapshot), '600');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('partial')),
      [],
    );
    const inSnapshot = usersIn(snapshot);
    for (const name of ['alice', ...before])
      assert.ok(inSnapshot.has(name), `${name} was acknowledged before the backup started`);
    for (const name of inSnapshot) assert.ok(name === 'alice' || acked.includes(name), `${name} was never written`);
    // No secret in the snapshot: the key stays in the data dir.
    const key = readFileSync(join(s.dataDir, 'master.key'), 'utf8').trim();
    assert.ok(
      !readFileSync(snapshot).includes(Buffer.from(key)) && !readFileSync(snapshot).includes(Buffer.from(key, 'hex')),
    );

    const r = io();
    assert.equal(
      await restore(['--from', snapshot, '--data-dir', restored, '--master-key', join(s.dataDir, 'master.key')], r),
      0,
    );
    assert.match(
      r.text(),
      new RegExp(
        `^Restored ${snapshot} into ${restored} in \\d+\\.\\d\\d s\\.\nThe master key was checked against it and copied into the data dir`,
      ),
    );
    assert.equal(mode(restored), '700');
    assert.deepEqual(readdirSync(restored).sort(), ['master.key', 'opensts.db']);
    assert.equal(mode(join(restored, 'opensts.db')), '600');
    assert.equal(mode(join(restored, 'master.key')), '600');
  } finally {
    await s.close();
  }
  const clock = new ManualClock();
  const second = await startServer({ port: 0, dataDir: restored, clock, env: {}, log: pino({ level: 'silent' }) });
  try {
    assert.equal(second.rootCredentials, undefined, 'the restored store, not a new one');
    const t = { url: second.url, host: `127.0.0.1:${second.port}`, clock, ca: undefined } as TestServer;
    const who = await call(t, 'GetCallerIdentity', {}, session);
    assert.equal(who.status, 200, who.body);
    assert.match(xmlText(who.body, 'Arn')!, /:user\/alice$/);
  } finally {
    await second.close();
  }
});

test('backup refuses to overwrite a file, and says where the store is missing', async () => {
  const s = await startTestServer({ store: 'sqlite' });
  try {
    const out = join(dir, 'exists.snapshot');
    writeFileSync(out, 'keep me');
    await assert.rejects(
      backup(['--data-dir', s.dataDir, '--out', out], io()),
      new RegExp(`${out} exists: opensts backup does not overwrite a file`),
    );
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
  } finally {
    await s.close();
  }
  await assert.rejects(
    backup(['--data-dir', join(dir, 'nowhere'), '--out', join(dir, 'x')], io()),
    /No OpenSTS store in .*nowhere \(no opensts\.db\)/,
  );
  await assert.rejects(backup(['--data-dir', dir], io()), /--out FILE is required/);
});

test('backup of a PostgreSQL store prints the pg_dump and pg_restore commands, and exits 2: nothing was backed up', async () => {
  const out = io();
  assert.equal(
    await backup(['--store', 'postgres://ops:secret@db.internal:5432/sts?schema=opensts', '--out', 'sts.dump'], out),
    2,
  );
  assert.match(
    out.text(),
    /pg_dump --format=custom --schema=opensts --file=sts\.dump 'postgres:\/\/ops:\*\*\*@db\.internal:5432\/sts'\n/,
  );
  assert.match(
    out.text(),
    /pg_restore --no-owner --exit-on-error --dbname='postgres:\/\/ops:\*\*\*@db\.internal:5432\/sts' sts\.dump\n/,
  );
  assert.match(out.text(), /The master key \(the nodes' OPENSTS_MASTER_KEY\) is not in the database/);
  assert.doesNotMatch(out.text(), /secret/);
});

test('restore: only into a new or empty dir, only a snapshot, only with the right key; a refusal changes nothing', async () => {
  const s = await startTestServer({ store: 'sqlite' });
  const snapshot = join(dir, 'refusals.snapshot');
  const keyDir = join(dir, 'refusals-key');
  mkdirSync(keyDir);
  try {
    assert.equal(await backup(['--data-dir', s.dataDir, '--out', snapshot], io()), 0);
    writeFileSync(join(keyDir, 'master.key'), readFileSync(join(s.dataDir, 'master.key')));
  } finally {
    await s.close();
  }
  const busy = join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'x');
  await assert.rejects(
    restore(['--from', snapshot, '--data-dir', busy], io()),
    new RegExp(`${busy} is not empty: opensts restore only restores into a new or empty data dir`),
  );
  assert.deepEqual(readdirSync(busy), ['notes.txt']);

  const notSnapshot = join(dir, 'not-a-snapshot');
  writeFileSync(
    notSnapshot,
    'hello, this is not SQLite at all, just text that is long enough to look like a header...',
  );
  await assert.rejects(
    restore(['--from', notSnapshot, '--data-dir', join(dir, 'r1')], io()),
    /is not a snapshot made by opensts backup/,
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f === 'r1'),
    [],
  );

  const wrongKey = join(dir, 'wrong.key');
  writeFileSync(wrongKey, 'ab'.repeat(32));
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(
    restore(['--from', snapshot, '--data-dir', empty, '--master-key', wrongKey], io()),
    /The master key given does not open this snapshot's secrets/,
  );
  assert.deepEqual(readdirSync(empty), []);

  // OPENSTS_MASTER_KEY is checked too (and written nowhere).
  await assert.rejects(
    restore(['--from', snapshot, '--data-dir', empty], io({ OPENSTS_MASTER_KEY: 'ef'.repeat(32) })),
    /The master key given does not open/,
  );
  assert.deepEqual(readdirSync(empty), []);
  const byEnv = io({ OPENSTS_MASTER_KEY: readFileSync(join(keyDir, 'master.key'), 'utf8') });
  assert.equal(await restore(['--from', snapshot, '--data-dir', join(dir, 'by-env')], byEnv), 0);
  assert.match(byEnv.text(), /OPENSTS_MASTER_KEY was checked against it: start the server with it set\.\n$/);
  assert.deepEqual(readdirSync(join(dir, 'by-env')), ['opensts.db']);

  // Without a key: restored, and told what to do before starting the server.
  const noKey = io();
  assert.equal(await restore(['--from', snapshot, '--data-dir', empty], noKey), 0);
  assert.match(
    noKey.text(),
    new RegExp(
      `No master key was restored\\. Before starting the server, put the backed-up store's master\\.key in ${empty} \\(mode 0600\\)`,
    ),
  );
  assert.deepEqual(readdirSync(empty), ['opensts.db']);
});
