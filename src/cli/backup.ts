/**
 * `opensts backup` and `opensts restore`: a consistent snapshot of a SQLite store taken while the server runs, and
 * its restoration into a new data dir. The master key is never in the snapshot: a snapshot alone reveals no secret,
 * and the key is kept (and backed up) apart. PostgreSQL stores are backed up with PostgreSQL's tools.
 */
import Database from 'better-sqlite3';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeStore } from '../store/open.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { Keyring } from '../tokens/keyring.js';
import { MasterKey } from '../tokens/master-key.js';
import { processIo, type AdminIo } from './admin.js';
import { type CommandSpec, one, parseCommand, UsageError } from './args.js';

export const backupSpec: CommandSpec = {
  name: 'opensts backup',
  synopsis: `--out FILE [--data-dir DIR]
       opensts backup --store postgres://...    prints the pg_dump and pg_restore commands`,
  description: '',
  options: {
    'data-dir': {
      arg: 'DIR',
      help: "the server's data dir (default ./data); the server may be running: the snapshot is one\nconsistent read, and writes go on while it is taken",
    },
    out: { arg: 'FILE', help: 'the snapshot (a SQLite file, mode 0600); an existing file is not overwritten' },
    store: {
      arg: 'URL',
      help: 'a PostgreSQL store (default: OPENSTS_DATABASE_URL if set): prints the pg_dump and pg_restore commands',
    },
  },
  notes: `The master key is not in the snapshot: back up DIR/master.key (or OPENSTS_MASTER_KEY) separately, and keep the two
apart. The snapshot alone reveals no secret; without its key, it restores nothing usable.`,
};

export const restoreSpec: CommandSpec = {
  name: 'opensts restore',
  synopsis: '--from FILE --data-dir DIR [--master-key KEYFILE]',
  description: '',
  options: {
    from: { arg: 'FILE', help: 'a snapshot made by opensts backup' },
    'data-dir': { arg: 'DIR', help: 'a new data dir: it must not exist or be empty (created with mode 0700)' },
    'master-key': {
      arg: 'FILE',
      help: `the master.key of the backed-up store: checked against the snapshot and copied into DIR
(mode 0600). Without it, OPENSTS_MASTER_KEY is checked if set; either way the server needs the
key when it starts (DIR/master.key or OPENSTS_MASTER_KEY): with another key it cannot open
the store's secrets`,
    },
  },
};

const DB_FILE = 'opensts.db';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function backup(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const args = parseCommand(backupSpec, argv, io.out);
  if (!args) return 0;
  const outFile = one(args, 'out');
  const url = one(args, 'store') ?? (io.env.OPENSTS_DATABASE_URL || undefined);
  if (url !== undefined) {
    io.out(postgresInstructions(url, outFile));
    // Nothing was backed up: a script that runs this must not take it for done.
    return 2;
  }
  if (!outFile) throw new UsageError('opensts backup: --out FILE is required (where the snapshot goes)');
  const dataDir = resolve(one(args, 'data-dir') ?? 'data');
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source))
    throw new Error(`No OpenSTS store in ${dataDir} (no ${DB_FILE}): give the server's --data-dir`);
  const out = resolve(outFile);
  if (existsSync(out))
    throw new Error(`${out} exists: opensts backup does not overwrite a file (remove it, or choose another name)`);
  if (!existsSync(dirname(out))) throw new Error(`The directory of ${out} does not exist`);
  // Written beside the target and renamed at the end: a failed or interrupted backup leaves no file that looks whole.
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  const started = Date.now();
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    writeFileSync(partial, '', { mode: 0o600 });
    // Every page in one step, that is in one read transaction: the snapshot is the store as of that moment.
    // A step of a few pages at a time would start over at each write of the server (another connection), and
    // under steady writes never end. WAL lets the server write on while the read lasts.
    await db.backup(partial, { progress: () => 0x7fffffff });
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  // A snapshot in rollback-journal mode is one self-contained file (no -wal or -shm to keep beside it).
  const snapshot = new Database(partial);
  let users: number;
  try {
    snapshot.pragma('journal_mode = DELETE');
    users = snapshot.prepare('SELECT count(*) FROM users').pluck().get() as number;
  } finally {
    snapshot.close();
  }
  chmodSync(partial, 0o600);
  renameSync(partial, out);
  const ms = Date.now() - started;
  const keyWhere = io.env.OPENSTS_MASTER_KEY ? 'OPENSTS_MASTER_KEY' : join(dataDir, 'master.key');
  io.out(
    `Backed up ${describeStore({ dataDir })} (${users} users) to ${out}: ${mib(statSync(out).size)} in ${seconds(ms)}.\n` +
      `The master key is NOT in the snapshot. Back up ${keyWhere} separately and store it apart from the snapshot:\n` +
      'the snapshot is useless without it, and whoever holds both holds every secret of the store.\n',
  );
  return 0;
}

function postgresInstructions(url: string, out = 'opensts.dump'): string {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.search = '';
  const plain = describeStore({ dataDir: '', url: u.toString() });
  return `opensts backup does not back up a PostgreSQL store: PostgreSQL's own tools do it, with its own credentials
(~/.pgpass or PGPASSWORD) and a pg_dump at least as new as the server. A consistent snapshot while the nodes serve:

  pg_dump --format=custom${schema ? ` --schema=${schema}` : ''} --file=${out} '${plain}'

Restore it into an empty database (or schema), then point the nodes at it:

  pg_restore --no-owner --exit-on-error --dbname='${plain}' ${out}

For recovery to any point in time, use PostgreSQL's continuous archiving (WAL archiving, or a tool such as pgBackRest).
The master key (the nodes' OPENSTS_MASTER_KEY) is not in the database: back it up separately, stored apart.
`;
}

export async function restore(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const args = parseCommand(restoreSpec, argv, io.out);
  if (!args) return 0;
  const fromFile = one(args, 'from');
  const dataDirArg = one(args, 'data-dir');
  if (!fromFile || !dataDirArg) throw new UsageError('opensts restore: --from FILE and --data-dir DIR are required');
  const from = resolve(fromFile);
  const dataDir = resolve(dataDirArg);
  if (!existsSync(from)) throw new Error(`No snapshot at ${from}`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(
      `${dataDir} is not empty: opensts restore only restores into a new or empty data dir (nothing was changed)`,
    );
  }
  const started = Date.now();
  checkSnapshot(from);
  const masterKeyFile = one(args, 'master-key');
  const key = masterKeyFile === undefined ? undefined : readFileSync(resolve(masterKeyFile), 'utf8');
  // OPENSTS_MASTER_KEY, when the server will be given the key that way: checked, not written anywhere.
  const keyText = key ?? (io.env.OPENSTS_MASTER_KEY || undefined);
  const master = keyText === undefined ? undefined : MasterKey.fromText(keyText);
  const createdDir = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const target = join(dataDir, DB_FILE);
  try {
    copyFileSync(from, `${target}.partial`);
    chmodSync(`${target}.partial`, 0o600);
    renameSync(`${target}.partial`, target);
    if (master) await checkMasterKey(dataDir, master);
    if (key !== undefined) writeFileSync(join(dataDir, 'master.key'), key.trim() + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Leave the data dir as it was found: empty, or absent.
    for (const f of readdirSync(dataDir)) rmSync(join(dataDir, f), { force: true });
    if (createdDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  io.out(`Restored ${from} into ${dataDir} in ${seconds(Date.now() - started)}.\n`);
  io.out(
    key !== undefined
      ? 'The master key was checked against it and copied into the data dir (master.key, mode 0600).\n'
      : master
        ? 'OPENSTS_MASTER_KEY was checked against it: start the server with it set.\n'
        : `No master key was restored. Before starting the server, put the backed-up store's master.key in ${dataDir} (mode 0600)\nor set OPENSTS_MASTER_KEY to it: a server given another key cannot open the store's secrets.\n`,
  );
  return 0;
}

/** Refuses a file that is not an OpenSTS snapshot, or a damaged one, before anything is written. */
function checkSnapshot(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} is not a snapshot made by opensts backup: ${(err as Error).message}`);
  }
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('accounts', 'revision')")
      .pluck()
      .all();
    if (tables.length !== 2) throw new Error(`${file} is not a snapshot made by opensts backup (no OpenSTS tables)`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file} is damaged (SQLite quick_check: ${check})`);
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB')
      throw new Error(`${file} is not a snapshot made by opensts backup (not a SQLite file)`);
    throw err;
  } finally {
    db.close();
  }
}

/** The key must open the store's token keys: a wrong key found now, not when the server starts. */
async function checkMasterKey(dataDir: string, master: MasterKey): Promise<void> {
  const store = SqliteStore.open(dataDir);
  try {
    await new Keyring(store, master).load(Date.now());
  } catch (err) {
    throw new Error(
      `The master key given does not open this snapshot's secrets (${(err as Error).message}): is it the backed-up store's?`,
    );
  } finally {
    await store.close();
  }
}
