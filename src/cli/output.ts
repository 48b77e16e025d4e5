/** Output formats: the aws CLI's `json` and `text`, our `env`, and the shell formats of `opensts export`. */
import { type AwsCredentials, formatProcessCredentials, isoSeconds } from '../client/credential-process.js';
import type { OutputStructure, OutputValue } from '../client/sts-model.js';

/** `--output json`: the aws CLI's indent of 4, model member order, timestamps as on the wire (CLI v1). */
export function formatJson(result: OutputStructure): string {
  return Object.keys(result).length === 0 ? '' : JSON.stringify(result, null, 4) + '\n';
}

const isScalar = (v: OutputValue) => typeof v !== 'object' || v === null;
/** Python's str() of a scalar, as awscli/text.py prints it. */
const str = (v: OutputValue | undefined): string => (v === undefined ? '' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

/** `--output text`: awscli/text.py, line for line: scalar columns in key order, nested values as UPPERCASE-named rows. */
export function formatText(result: OutputValue): string {
  const out: string[] = [];
  formatItem(result, out, undefined, undefined);
  return out.join('');
}

function formatItem(item: OutputValue, out: string[], identifier: string | undefined, scalarKeys: string[] | undefined): void {
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

function formatDict(item: { [key: string]: OutputValue }, out: string[], identifier: string | undefined, scalarKeys: string[] | undefined): void {
  const scalars: string[] = [];
  const nonScalars: Array<[string, OutputValue]> = [];
  if (scalarKeys === undefined) {
    for (const [k, v] of Object.entries(item).sort(byKey)) {
      if (isScalar(v)) scalars.push(str(v));
      else nonScalars.push([k, v]);
    }
  } else {
    for (const k of scalarKeys) scalars.push(str(item[k]));
    for (const k of Object.keys(item).filter((k) => !scalarKeys.includes(k)).sort()) nonScalars.push([k, item[k]!]);
  }
  if (scalars.length > 0) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(scalars.join('\t') + '\n');
  }
  for (const [k, v] of nonScalars) formatItem(v, out, k, undefined);
}

/** The variables a process needs to use credentials. */
export function credentialVariables(c: AwsCredentials, extra: Record<string, string | undefined> = {}): Array<[string, string]> {
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
export function formatExport(format: ExportFormat, c: AwsCredentials, extra: Record<string, string | undefined> = {}): string {
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
