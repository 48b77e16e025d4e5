/**
 * The one argument parser of every `opensts` command, server and client alike: a command declares its options and
 * positionals as a CommandSpec, and the same spec produces its --help, so help and parsing cannot disagree. Exit
 * statuses are the aws CLI v2's: 252 an invalid command line, 253 invalid configuration or credentials, 254 the
 * service answered with an error, 255 anything else.
 *
 * It imports nothing, so that every command (the client ones bundled to start fast) can load it.
 */

export const EXIT_USAGE = 252;
export const EXIT_CONFIG = 253;
export const EXIT_SERVICE = 254;
export const EXIT_OTHER = 255;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  /** Option values by name without the dashes; a list option collects every value that follows it. */
  readonly options: Map<string, string[]>;
  readonly positionals: string[];
  /** What came after `--`. */
  readonly rest: string[];
}

/** One option of a command: `value` takes one, `list` every token up to the next option (the aws CLI's nargs='+'), `flag` none. */
export interface OptionSpec {
  readonly kind?: 'value' | 'list' | 'flag';
  /** The value's name in the help, e.g. SECONDS. */
  readonly arg?: string;
  /** One line, or several (each continuation line is indented under the first). */
  readonly help: string;
  readonly choices?: readonly string[];
  /** The value when the option is not given (the command applies it; `opensts serve` after its variables and file). */
  readonly default?: string;
  /** A one-letter alias, e.g. `p` for -p (besides -h for --help, which every command has). */
  readonly short?: string;
}

/**
 * A command as the one parser knows it: its options, positionals and help. Every client command declares one; the
 * parser answers --help / -h / `help` with the help the spec generates, so help and parsing cannot disagree.
 */
export interface CommandSpec {
  /** e.g. `opensts export`. */
  readonly name: string;
  /** What follows the name in the usage line, e.g. `PROFILE [options]`. */
  readonly synopsis: string;
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Positionals allowed (default 0). */
  readonly maxPositionals?: number;
  /** After this many positionals the rest is the command to run (`exec`). */
  readonly stopAfterPositionals?: number;
  /** Printed after the options (environment variables, notes). */
  readonly notes?: string;
}

export function helpText(spec: CommandSpec): string {
  const indent = ' '.repeat(28);
  const lines = Object.entries(spec.options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '';
    const left = `  ${short}--${name}${o.kind === 'flag' ? '' : ` ${o.arg ?? 'VALUE'}${o.kind === 'list' ? ' ...' : ''}`}`;
    const help = (o.help + (o.choices ? ` (${o.choices.join(', ')})` : '')).replace(/\n/g, `\n${indent}`);
    return left.length < 28 ? `${left.padEnd(28)}${help}` : `${left}\n${indent}${help}`;
  });
  const notes = spec.notes ? `\n${spec.notes}${spec.notes.endsWith('\n') ? '' : '\n'}` : '';
  const description = spec.description ? `\n${spec.description}${spec.description.endsWith('\n') ? '' : '\n'}` : '';
  return `Usage: ${spec.name} ${spec.synopsis}\n${description}\nOptions:\n${lines.join('\n')}\n  -h, --help                show this help\n${notes}`;
}

/**
 * Parses argv by the spec; undefined when it asked for help, which has then been written (to stdout unless `out` is
 * given). Errors are UsageErrors (exit 252).
 */
export function parseCommand(
  spec: CommandSpec,
  argv: readonly string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): ParsedArgs | undefined {
  const end = argv.indexOf('--');
  const before = end < 0 ? argv : argv.slice(0, end);
  const stop = spec.stopAfterPositionals;
  if (
    before.some(
      (t, i) =>
        (t === '--help' || t === '-h' || (i === 0 && t === 'help')) &&
        (stop === undefined || positionalsBefore(before, i, spec) <= stop),
    )
  ) {
    out(helpText(spec));
    return undefined;
  }
  const o = Object.entries(spec.options);
  const args = parseArgs(argv, {
    values: o.filter(([, v]) => (v.kind ?? 'value') === 'value').map(([k]) => k),
    lists: o.filter(([, v]) => v.kind === 'list').map(([k]) => k),
    flags: o.filter(([, v]) => v.kind === 'flag').map(([k]) => k),
    shorts: Object.fromEntries(o.filter(([, v]) => v.short).map(([k, v]) => [v.short!, k])),
    stopAfterPositionals: stop,
  });
  for (const [name, v] of o) {
    const value = args.options.get(name)?.[0];
    if (v.choices && value !== undefined && !v.choices.includes(value)) {
      throw new UsageError(
        `argument --${name}: Invalid choice: '${value}' (choose from ${v.choices.map((c) => `'${c}'`).join(', ')})`,
      );
    }
  }
  const max = spec.maxPositionals ?? 0;
  if (args.positionals.length > max) throw new UsageError(`Unknown options: ${args.positionals.slice(max).join(', ')}`);
  return args;
}

function positionalsBefore(argv: readonly string[], index: number, spec: CommandSpec): number {
  let n = 0;
  for (let i = 0; i < index; i++) {
    const t = argv[i]!;
    if (t.startsWith('-')) {
      const name = t.slice(2).split('=')[0]!;
      const kind = spec.options[name]?.kind ?? 'value';
      if (kind === 'value' && !t.includes('=')) i++;
    } else n++;
  }
  return n;
}

/**
 * Parses `--name value`, `--name=value`, `--flag` and positionals. `listOptions` take every following token up
 * to the next `--option` (the aws CLI's nargs='+'); `flags` take none. Stops at `--` or, when `stopAtPositional`
 * is set, after that many positionals (the command of `exec`). A lone `-x` is an unknown option, not a positional.
 */
export function parseArgs(
  argv: readonly string[],
  spec: {
    values: readonly string[];
    lists?: readonly string[];
    flags?: readonly string[];
    /** One-letter aliases: `-p 7750` is `--port 7750`. */
    shorts?: Readonly<Record<string, string>>;
    stopAfterPositionals?: number;
  },
): ParsedArgs {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const known = new Set([...spec.values, ...(spec.lists ?? []), ...(spec.flags ?? [])]);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return { options, positionals, rest: argv.slice(i + 1) };
    if (
      spec.stopAfterPositionals !== undefined &&
      positionals.length >= spec.stopAfterPositionals &&
      !token.startsWith('--')
    ) {
      return { options, positionals, rest: argv.slice(i) };
    }
    const short = /^-[A-Za-z]$/.test(token) ? spec.shorts?.[token.slice(1)] : undefined;
    if (short === undefined && /^-[A-Za-z]/.test(token)) throw new UsageError(`Unknown option: ${token}`);
    if (short === undefined && !token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const eq = short === undefined ? token.indexOf('=') : -1;
    const name = short ?? token.slice(2, eq < 0 ? undefined : eq);
    if (!known.has(name)) throw new UsageError(`Unknown option: --${name}`);
    if (options.has(name)) throw new UsageError(`--${name} was given more than once`);
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, []);
      continue;
    }
    const values: string[] = [];
    if (eq >= 0) values.push(token.slice(eq + 1));
    else if (spec.lists?.includes(name)) {
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
    } else if (i + 1 < argv.length) values.push(argv[++i]!);
    if (values.length === 0) throw new UsageError(`--${name} needs a value`);
    options.set(name, values);
  }
  return { options, positionals, rest: [] };
}

export const one = (args: ParsedArgs, name: string): string | undefined => args.options.get(name)?.[0];
