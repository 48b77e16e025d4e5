/**
 * `opensts migrate`: brings a store's schema up to date outside a server start (servers also migrate when they
 * start), or with --dry-run prints what would be applied and writes nothing. A store upgraded by a newer version is
 * refused, naming the migrations this version does not know.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseNewerError } from '../store/migrator.js';
import { describeStore, openStore } from '../store/open.js';
import { processIo, STORE_OPTIONS, type AdminIo } from './admin.js';
import { type CommandSpec, one, parseCommand } from './args.js';

export const migrateSpec: CommandSpec = {
  name: 'opensts migrate',
  synopsis: '[--data-dir DIR | --store URL] [--dry-run]',
  description: `Applies the schema migrations this version has and the store lacks, in order, each with its record. Servers do the
same when they start; run this to upgrade at a time of your choosing (PostgreSQL: nodes still serving keep working,
and nodes starting meanwhile wait for it).`,
  options: {
    ...STORE_OPTIONS,
    'dry-run': { kind: 'flag', help: 'print the pending migrations by name; write nothing' },
  },
};

export async function migrate(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const args = parseCommand(migrateSpec, argv, io.out);
  if (!args) return 0;
  const dataDir = resolve(one(args, 'data-dir') ?? 'data');
  const url = one(args, 'store') ?? (io.env.OPENSTS_DATABASE_URL || undefined);
  const name = describeStore({ dataDir, url });
  // Opening SQLite creates the file: a mistyped --data-dir must not become a new, empty store.
  if (url === undefined && !existsSync(join(dataDir, 'opensts.db')))
    throw new Error(`No OpenSTS store in ${dataDir} (no opensts.db): give the server's --data-dir or --store`);
  const store = await openStore({ dataDir, url });
  try {
    const plan = await store.migrationPlan();
    if (plan.unknown.length) throw new DatabaseNewerError(plan.unknown, name);
    if (args.options.has('dry-run')) {
      io.out(
        plan.pending.length
          ? `${name}: ${plan.applied.length} migrations applied; would apply ${plan.pending.length}:\n${plan.pending.map((n) => `  ${n}\n`).join('')}(dry run: nothing was written)\n`
          : `${name}: up to date (${plan.applied.length} migrations applied); nothing to do\n`,
      );
      return 0;
    }
    const started = performance.now();
    const { applied } = await store.migrate();
    io.out(
      applied.length
        ? `${name}: applied ${applied.length} migrations in ${(performance.now() - started).toFixed(0)} ms:\n${applied.map((a) => `  ${a.name} (${a.ms.toFixed(0)} ms)\n`).join('')}`
        : `${name}: up to date (${plan.applied.length} migrations applied); nothing to do\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
