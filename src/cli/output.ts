/** Output formats: the aws CLI's `json` and `text`, our `env`, and the shell formats of `opensts export`. */
import { type AwsCredentials, formatProcessCredentials, isoSeconds } from '../client/credential-process.js';
import type { OutputStructure, OutputValue } from '../client/sts-model.js';

/** `--output json`: the aws CLI's indent of 4, model member order, timestamps as on the wire (CLI v1). */
export function formatJson(result: OutputStructure): string {
  return Object.keys(result).length === 0 ? '' : JSON.stringify(result, null, 4) + '\n';
}

const isScalar = (v: OutputValue) => typeof v !== 'object' || v === null;
/** Python's str() of a scalar, as awscli/text.py prints it. */
const str = (v: OutputValue | undefined): string =>
  v === undefined ? '' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);

/** `--output text`: awscli/text.py, line for line: scalar columns in key order, nested values as UPPERCASE-named rows. */
export function formatText(result: OutputValue): string {
  const out: string[] = [];
  formatItem(result, out, undefined, undefined);
  return out.join('');
}

function formatItem(
  item: OutputValue,
  out: string[],
  identifier: string | undefined,
  scalarKeys: string[] | undefined,
): void {
  if (Array.isArray(item)) formatList(item, out, identifier);
  else if (typeof item === 'object' && item !== null) formatDict(item, out, identifier, scalarKeys);
  else out.push(str(item) + '\n');
}

function formatList(items: OutputValue[], out: string[], identifier: string | undefined): void {
  if (items.length === 0) return;
  if (items.some((el) => typeof el === 'object' && el !== null && !Array.isArray(el))) {
    const keys = new Set<string>();
    for (const el of items) {
      if (typeof el === 'object' && el !== null && !Array.isArray(el)) {
        for (const [k, v] of Object.entries(el)) if (isScalar(v)) keys.add(k);
      }
    }
    const all = [...keys].sort();
    for (const el of items) formatItem(el, out, identifier, all);
  } else if (items.some(Array.isArray)) {
    const scalars = items.filter(isScalar);
    if (scalars.length > 0) formatScalarList(scalars, out, identifier);
    for (const el of items.filter((v) => !isScalar(v))) formatItem(el, out, identifier, undefined);
  } else formatScalarList(items, out, identifier);
}

function formatScalarList(items: OutputValue[], out: string[], identifier: string | undefined): void {
  if (identifier !== undefined) for (const item of items) out.push(`${identifier.toUpperCase()}\t${str(item)}\n`);
  else out.push(items.map(str).join('\t') + '\n');
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

function formatDict(
  item: { [key: string]: OutputValue },
  out: string[],
  identifier: string | undefined,
  scalarKeys: string[] | undefined,
): void {
  const scalars: string[] = [];
  const nonScalars: Array<[string, OutputValue]> = [];
  if (scalarKeys === undefined) {
    for (const [k, v] of Object.entries(item).sort(byKey)) {
      if (isScalar(v)) scalars.push(str(v));
      else nonScalars.push([k, v]);
    }
  } else {
    for (const k of scalarKeys) scalars.push(str(item[k]));
    for (const k of Object.keys(item)
      .filter((k) => !scalarKeys.includes(k))
      .sort())
      nonScalars.push([k, item[k]!]);
  }
  if (scalars.length > 0) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(scalars.join('\t') + '\n');
  }
  for (const [k, v] of nonScalars) formatItem(v, out, k, undefined);
}

/** The variables a process needs to use credentials. */
export function credentialVariables(
  c: AwsCredentials,
  extra: Record<string, string | undefined> = {},
): Array<[string, string]> {
  const vars: Array<[string, string | undefined]> = [
    ['AWS_ACCESS_KEY_ID', c.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.secretAccessKey],
    ['AWS_SESSION_TOKEN', c.sessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.expiration && isoSeconds(c.expiration)],
    ...Object.entries(extra),
  ];
  return vars.filter((v): v is [string, string] => v[1] !== undefined);
}

export const EXPORT_FORMATS = ['sh', 'fish', 'powershell', 'dotenv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const shQuote = (v: string) => (SAFE.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
const fishQuote = (v: string) => (SAFE.test(v) ? v : `'${v.replace(/[\\']/g, (c) => '\\' + c)}'`);
const psQuote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const dotenvQuote = (v: string) => (SAFE.test(v) ? v : JSON.stringify(v));

/** Credentials (and region / endpoint variables) in a shell's syntax, or as a credential_process document. */
export function formatExport(
  format: ExportFormat,
  c: AwsCredentials,
  extra: Record<string, string | undefined> = {},
): string {
  if (format === 'json') return formatProcessCredentials(c) + '\n';
  return formatVariables(format, credentialVariables(c, extra));
}

/** Variables in a shell's (or a .env file's) syntax. */
export function formatVariables(format: Exclude<ExportFormat, 'json'>, vars: ReadonlyArray<[string, string]>): string {
  const line = {
    sh: ([k, v]: [string, string]) => `export ${k}=${shQuote(v)}`,
    fish: ([k, v]: [string, string]) => `set -gx ${k} ${fishQuote(v)};`,
    powershell: ([k, v]: [string, string]) => `$Env:${k} = ${psQuote(v)}`,
    dotenv: ([k, v]: [string, string]) => `${k}=${dotenvQuote(v)}`,
  }[format];
  return vars.map(line).join('\n') + '\n';
}

/** --query first (JMESPath, loaded only when given), then the --output format, as the aws CLI prints a result. */
export async function formatResult(
  result: OutputValue,
  format: 'json' | 'text' | 'table' | 'yaml',
  title: string,
  query?: string,
): Promise<string> {
  let value: OutputValue = result;
  if (query !== undefined) {
    await compileQuery(query);
    const { search } = await import('@jmespath-community/jmespath');
    value = search(result as never, query) as OutputValue;
  }
  switch (format) {
    case 'json':
      // An empty answer prints nothing (the aws CLI's rule for `{}`); what a query selects always prints.
      if (query === undefined && typeof value === 'object' && value !== null && Object.keys(value).length === 0)
        return '';
      return JSON.stringify(value, null, 4) + '\n';
    case 'text':
      return value === null ? 'None\n' : formatText(value);
    case 'table':
      return formatTable(value, title);
    case 'yaml':
      return formatYaml(value);
  }
}

/** Compiles --query, so that a bad one fails before any request is sent (as in the aws CLI). */
export async function compileQuery(query: string): Promise<unknown> {
  const { compile } = await import('@jmespath-community/jmespath');
  try {
    return compile(query);
  } catch (err) {
    throw new QueryError(`Bad value for --query ${query}: ${(err as Error).message}`);
  }
}

/** A --query that does not compile: the command line is wrong (exit 252). */
export class QueryError extends Error {
  override name = 'QueryError';
}

// --- yaml -----------------------------------------------------------------------------------------------

/** Plain scalars a YAML reader would take for something else (a number, bool, null, date, or syntax). */
const YAML_SPECIAL =
  /^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(?:\.?\d[\d_.eE+-]*|0x[0-9a-fA-F_]+|0o[0-7_]+|\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/;

function yamlScalar(v: OutputValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (/[\x00-\x1f\x7f"\\]/.test(s) && /[\x00-\x1f\x7f]/.test(s)) return JSON.stringify(s); // control characters: double quotes escape them
  if (YAML_SPECIAL.test(s) || /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) || /\s$/.test(s) || /: |:$| #/.test(s))
    return `'${s.replace(/'/g, "''")}'`;
  return s;
}

/** `--output yaml`: block style, keys in the result's order, sequences at their key's indent (the aws CLI v2's layout). */
export function formatYaml(value: OutputValue): string {
  const out: string[] = [];
  yamlNode(value, 0, out, '');
  return out.join('');
}

function yamlNode(value: OutputValue, indent: number, out: string[], lead: string): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push(`${lead || pad}[]\n`);
    value.forEach((item, i) => {
      const prefix = `${i === 0 && lead ? lead : pad}- `;
      if (typeof item === 'object' && item !== null && (Array.isArray(item) ? item.length : Object.keys(item).length))
        yamlNode(item, indent + 2, out, prefix);
      else out.push(`${prefix}${isScalar(item) ? yamlScalar(item) : Array.isArray(item) ? '[]' : '{}'}\n`);
    });
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return void out.push(`${lead || pad}{}\n`);
    entries.forEach(([k, v], i) => {
      const key = `${i === 0 && lead ? lead : pad}${yamlScalar(k)}:`;
      if (isScalar(v)) out.push(`${key} ${yamlScalar(v)}\n`);
      else if (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)
        out.push(`${key} ${Array.isArray(v) ? '[]' : '{}'}\n`);
      else {
        out.push(`${key}\n`);
        yamlNode(v, Array.isArray(v) ? indent : indent + 2, out, '');
      }
    });
  } else out.push(`${lead}${yamlScalar(value)}\n`);
}

// --- table ----------------------------------------------------------------------------------------------

type Section = { title: string | undefined; depth: number; header?: string[]; rows: string[][] };

/**
 * `--output table`, after awscli's TableFormatter: a titled section per structure, its scalar members as a header
 * row and a value row (as `name | value` rows when one row would be wider than 80 columns, or the structure has one
 * scalar), nested values as sections of their own inside one more border; every section as wide as the widest.
 * Its layout, not its exact column widths (awscli scales them to the terminal).
 */
export function formatTable(value: OutputValue, title: string): string {
  const sections: Section[] = [];
  tableSections(value, title, 0, sections);
  if (sections.length === 0) return '';
  const cellWidth = (c: string) => c.length + 4;
  const innerWidth = (s: Section) => {
    const rows = s.header ? [s.header, ...s.rows] : s.rows;
    const cols = Math.max(0, ...rows.map((r) => r.length));
    const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => cellWidth(r[i] ?? ''))));
    return (
      Math.max(widths.reduce((a, b) => a + b, 0) + Math.max(0, cols - 1), (s.title?.length ?? 0) + 4) + 2 * s.depth
    );
  };
  const total = Math.max(...sections.map(innerWidth));
  const out: string[] = ['-'.repeat(total + 2) + '\n'];
  for (const s of sections) {
    const bars = '|'.repeat(s.depth);
    const width = total - 2 * s.depth; // between this section's own borders
    const line = (inner: string) => out.push(`${bars}|${inner}|${bars}\n`);
    const rows = s.header ? [s.header, ...s.rows] : s.rows;
    const cols = Math.max(1, ...rows.map((r) => r.length));
    const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => cellWidth(r[i] ?? ''))));
    widths[cols - 1]! += width - (widths.reduce((a, b) => a + b, 0) + cols - 1); // the last column takes the slack
    const rule = '+' + widths.map((w) => '-'.repeat(w)).join('+') + '+';
    if (s.title !== undefined) {
      line(center(s.title, width));
    }
    if (rows.length === 0) continue;
    out.push(`${bars}${rule}${bars}\n`);
    if (s.header) {
      line(s.header.map((c, i) => center(c, widths[i]!)).join('|'));
      out.push(`${bars}${rule}${bars}\n`);
    }
    for (const r of s.rows) line(widths.map((w, i) => `  ${r[i] ?? ''}`.padEnd(w)).join('|'));
    out.push(`${bars}${rule}${bars}\n`);
  }
  return out.join('');
}

/** awscli's width when stdout is no terminal. */
const TABLE_COLUMNS = 80;

function center(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return ' '.repeat(Math.max(0, left)) + text + ' '.repeat(Math.max(0, width - text.length - left));
}

function tableSections(value: OutputValue, title: string | undefined, depth: number, sections: Section[]): void {
  if (
    value === null ||
    (typeof value === 'object' && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0))
  )
    return;
  if (Array.isArray(value)) {
    if (value.every(isScalar)) return void sections.push({ title, depth, rows: value.map((v) => [str(v)]) });
    const dicts = value.filter(
      (v): v is { [key: string]: OutputValue } => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    const keys = [...new Set(dicts.flatMap((d) => Object.keys(d).filter((k) => isScalar(d[k]!))))].sort();
    sections.push({
      title,
      depth,
      ...(keys.length > 1 && { header: keys }),
      rows: dicts
        .filter(() => keys.length > 0)
        .map((d) => (keys.length === 1 ? [keys[0]!, str(d[keys[0]!])] : keys.map((k) => str(d[k])))),
    });
    for (const d of dicts)
      for (const k of Object.keys(d)
        .filter((k) => !isScalar(d[k]!))
        .sort())
        tableSections(d[k]!, k, depth + 1, sections);
    return;
  }
  if (isScalar(value)) return void sections.push({ title, depth, rows: [[str(value)]] });
  const scalars = Object.keys(value)
    .filter((k) => isScalar(value[k]!))
    .sort();
  const section: Section = { title, depth, rows: [] };
  const rowWidth = scalars.reduce((n, k) => n + Math.max(k.length, str(value[k]).length) + 5, 1 + 2 * depth);
  if (scalars.length === 1 || rowWidth > TABLE_COLUMNS) for (const k of scalars) section.rows.push([k, str(value[k])]);
  else if (scalars.length > 1) {
    section.header = scalars;
    section.rows.push(scalars.map((k) => str(value[k])));
  }
  sections.push(section);
  for (const k of Object.keys(value)
    .filter((k) => !isScalar(value[k]!))
    .sort())
    tableSections(value[k]!, k, depth + 1, sections);
}
