/**
 * The master key rules: a key is generated for a new store only; an existing store given no key or another key is
 * refused with a message that says which key was used and where the right one goes, and nothing is written; the
 * data dir is 0700 and the database and key files 0600 whatever the umask.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../src/clock.js';
import { keys } from '../../src/cli/keys.js';
import { App } from '../../src/service/app.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

const newDir = () => mkdtempSync(join(tmpdir(), 'opensts-mk-'));
const mode = (path: string) => statSync(path).mode & 0o777;

async function start(dataDir: string, env: NodeJS.ProcessEnv = {}, storeUrl?: string): Promise<App> {
  const { app } = await App.open({ dataDir, region: 'us-east-1', clock: new ManualClock(), env, storeUrl });
  return app;
}

/** Every file of the data dir with its contents: what a refused start must leave exactly as it was. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

describe('SQLite data dirs', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = newDir();
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const umask of [0o022, 0o000]) {
    test(`a new data dir is 0700, its database files and master.key 0600 (umask ${umask.toString(8).padStart(3, '0')})`, async () => {
      const previous = process.umask(umask);
      try {
        const data = join(dir(), 'data');
        const app = await start(data);
        try {
          assert.equal(mode(data), 0o700);
          // While the server runs: SQLite's -wal and -shm files exist, with the database's mode.
          for (const f of ['opensts.db', 'opensts.db-wal', 'opensts.db-shm', 'master.key'])
            assert.equal(mode(join(data, f)), 0o600, f);
        } finally {
          await app.close();
        }
      } finally {
        process.umask(previous);
      }
    });
  }

  test('files an older version left more open are tightened on the next start', async () => {
    const data = dir();
    await (await start(data)).close();
    chmodSync(data, 0o755);
    for (const f of ['opensts.db', 'master.key']) chmodSync(join(data, f), 0o644);
    const app = await start(data);
    await app.close();
    assert.equal(mode(data), 0o700);
    for (const f of ['opensts.db', 'master.key']) assert.equal(mode(join(data, f)), 0o600, f);
  });

  test('a missing master.key beside an existing database: refused, no key generated, nothing written', async () => {
    const data = dir();
    const first = await start(data);
    const accountId = first.accountId;
    await first.close();
    const key = readFileSync(join(data, 'master.key'), 'utf8');
    unlinkSync(join(data, 'master.key'));
    const before = snapshot(data);
    const refused = await start(data).then(
      (app) => app.close(),
      (err: Error) => err,
    );
    assert.deepEqual(snapshot(data), before, 'no stray master.key');
    assert.equal(
      String(refused),
      `Error: sqlite:${data} holds secrets sealed under a master key, but none was given: OPENSTS_MASTER_KEY is unset and ${join(data, 'master.key')} does not exist. ` +
        `No key was generated (a new one could not open them), and nothing was written. Put the key the store was created with in ${join(data, 'master.key')} (mode 0600), or set OPENSTS_MASTER_KEY to it.`,
    );

    // The operator puts the real key back: the store opens as before.
    writeFileSync(join(data, 'master.key'), key, { mode: 0o600 });
    const again = await start(data);
    assert.equal(again.accountId, accountId);
    await again.close();
  });

  test('another key, from the environment or from master.key: refused, naming where it came from, nothing written', async () => {
    const data = dir();
    await (await start(data, { OPENSTS_MASTER_KEY: KEY_A })).close();
    const before = snapshot(data);
    await assert.rejects(
      start(data, { OPENSTS_MASTER_KEY: KEY_B }),
      new Error(
        `The master key from OPENSTS_MASTER_KEY does not open the secrets of sqlite:${data}: it is not the key the store was created with. Nothing was written. ` +
          `Put the key the store was created with in ${join(data, 'master.key')} (mode 0600), or set OPENSTS_MASTER_KEY to it.`,
      ),
    );
    assert.deepEqual(snapshot(data), before);

    writeFileSync(join(data, 'master.key'), KEY_B + '\n', { mode: 0o600 });
    const withFile = snapshot(data);
    await assert.rejects(
      start(data),
      /^Error: The master key from .*\/master\.key does not open the secrets of sqlite:.*: it is not the key the store was created with\. Nothing was written\./,
    );
    assert.deepEqual(snapshot(data), withFile);

    // The admin commands follow the same rules.
    await assert.rejects(
      keys(['list', '--data-dir', data], { env: {}, out: () => {}, now: Date.now }),
      /master\.key does not open the secrets/,
    );
    await assert.rejects(
      keys(['list', '--data-dir', data], { env: { OPENSTS_MASTER_KEY: KEY_B }, out: () => {}, now: Date.now }),
      /OPENSTS_MASTER_KEY does not open the secrets/,
    );
    assert.deepEqual(snapshot(data), withFile);

    // The right key still opens it, whichever way it is given.
    await (await start(data, { OPENSTS_MASTER_KEY: KEY_A })).close();
    writeFileSync(join(data, 'master.key'), KEY_A + '\n');
    await (await start(data)).close();
  });

  test('a data dir made before check values: checked against its token keys, and given its check value', async () => {
    const data = dir();
    await (await start(data, { OPENSTS_MASTER_KEY: KEY_A })).close();
    const withoutCheck = () => {
      const db = new Database(join(data, 'opensts.db'));
      db.prepare('DELETE FROM master_key_check').run();
      db.close();
    };
    const checkRows = () => {
      const db = new Database(join(data, 'opensts.db'), { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM master_key_check').pluck().get();
      } finally {
        db.close();
      }
    };
    withoutCheck();
    await assert.rejects(
      start(data, { OPENSTS_MASTER_KEY: KEY_B }),
      /OPENSTS_MASTER_KEY does not open the secrets of sqlite:.*: it is not the key the store was created with\. Nothing was written\./,
    );
    await assert.rejects(start(data), /holds secrets sealed under a master key, but none was given/);
    assert.deepEqual(
      readdirSync(data).filter((f) => f === 'master.key'),
      [],
      'no key generated',
    );
    assert.equal(checkRows(), 0, 'nothing written');
    await (await start(data, { OPENSTS_MASTER_KEY: KEY_A })).close();
    assert.equal(checkRows(), 1);
    await assert.rejects(start(data, { OPENSTS_MASTER_KEY: KEY_B }), /it is not the key the store was created with/);
  });
});

describe('PostgreSQL stores', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  const dirs: string[] = [];
  const dir = () => {
    const d = newDir();
    dirs.push(d);
    return d;
  };
  after(async () => {
    await schemas.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a node with no key joining an existing store: refused, no master.key written in its data dir', async () => {
    const { url } = schemas.create();
    await (await start(dir(), { OPENSTS_MASTER_KEY: KEY_A }, url)).close();
    const data = dir();
    const refused = await start(data, {}, url).then(
      (app) => app.close(),
      (err: Error) => err,
    );
    assert.deepEqual(readdirSync(data), [], 'no stray master.key');
    assert.match(
      String(refused),
      /^Error: postgres:\/\/.* holds secrets sealed under a master key, but none was given: OPENSTS_MASTER_KEY is unset and .*master\.key does not exist\. No key was generated/,
    );
    await assert.rejects(
      start(data, { OPENSTS_MASTER_KEY: KEY_B }, url),
      /OPENSTS_MASTER_KEY does not open the secrets of postgres:.*: it is not the key the store was created with/,
    );
    await (await start(data, { OPENSTS_MASTER_KEY: KEY_A }, url)).close();
  });

  test('nodes creating one store at once with different keys: one wins, the others are refused and leave no key file', async () => {
    const { url } = schemas.create();
    // Migrated first, so that the nodes race on the key, not on the schema.
    const store = await PostgresStore.open({ url });
    await store.migrate();
    await store.close();
    const data = [dir(), dir(), dir()];
    const results = await Promise.allSettled([
      start(data[0]!, { OPENSTS_MASTER_KEY: KEY_A }, url),
      start(data[1]!, {}, url),
      start(data[2]!, {}, url),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, "exactly one key is the store's");
    for (const r of results) {
      if (r.status === 'fulfilled') await r.value.close();
      else
        assert.match(
          String(r.reason),
          /does not open the secrets of postgres:.*(created with|another node created this store at the same moment with a different key)|holds secrets sealed under a master key, but none was given/,
        );
    }
    // The nodes that generated a key and lost the race removed it; the winner's (if generated) stays.
    results.forEach((r, i) => {
      const files = readdirSync(data[i]!);
      assert.deepEqual(files, r.status === 'fulfilled' && i > 0 ? ['master.key'] : [], `node ${i}`);
    });
  });
});
