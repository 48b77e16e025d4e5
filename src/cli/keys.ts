/**
 * `opensts keys rotate|list`: the keys that seal session tokens. Rotating adds a key that every node seals with from
 * its next token on (nodes hear of it through the store's change feed), while the older keys keep opening the
 * tokens they sealed; keys whose successor is older than the longest session (36 h) are retired at the same time.
 * Safe while traffic flows: no request fails because of a rotation.
 */
import { Keyring, LONGEST_SESSION_MS } from '../tokens/keyring.js';
import { openAdminStore, processIo, STORE_OPTIONS, storeValues, type AdminIo } from './admin.js';
import { type CommandSpec, parseCommand, UsageError } from './args.js';

export const keysSpec: CommandSpec = {
  name: 'opensts keys',
  synopsis:
    'rotate [options]   add a token key and retire the expired ones\n       opensts keys list [options]     show the token keys',
  description: '',
  options: STORE_OPTIONS,
  maxPositionals: 2,
};

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function keys(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const now = io.now();
  const args = parseCommand(keysSpec, argv, io.out);
  if (!args) return 0;
  const [sub, ...rest] = args.positionals;
  if (sub === undefined) throw new UsageError('opensts keys: a command is required: rotate or list');
  if (rest.length || (sub !== 'rotate' && sub !== 'list'))
    throw new UsageError(`opensts keys: unknown arguments: ${args.positionals.join(' ')} (the commands: rotate, list)`);
  const { store, master, name } = await openAdminStore(storeValues(args), io.env);
  try {
    const keyring = new Keyring(store, master!);
    await keyring.load(now);
    if (sub === 'rotate') {
      const added = await keyring.rotate(now);
      const retired = await keyring.retire(now);
      io.out(`Added token key ${added.id} to ${name}: every node seals new session tokens with it from now on.\n`);
      io.out(
        retired.length
          ? `Retired token key${retired.length > 1 ? 's' : ''} ${retired.join(', ')} (replaced more than ${LONGEST_SESSION_MS / 3_600_000} h ago: no token they sealed is still valid).\n`
          : 'Older keys stay until no session they sealed can still be valid (36 h after their successor).\n',
      );
    }
    const list = keyring.list();
    io.out(
      `Token keys: ${list.map((k, i) => `${k.id} (added ${when(k.createdAt)}${i === list.length - 1 ? ', active' : ''})`).join(', ')}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
