/**
 * `opensts endpoints probe --region R`: times the global and the regional STS endpoint (and a configured
 * custom one) with unsigned requests on fresh connections, the way a short-lived CLI meets them, and says
 * which one to use.
 */
import { resolveStsEndpoint } from '../client/endpoints.js';
import { type HttpError, httpRequest } from '../client/http.js';
import { ClientConfigError } from '../client/shared-config.js';
import { type CommandSpec, GLOBAL_OPTIONS, UsageError, clientContext, customStsEndpoint, one, parseCommand, regionOf } from './common.js';
import { compileQuery, formatResult } from './output.js';

export const endpointsUsage = `Usage: opensts endpoints <command> [options]

Commands:
  probe    time the global and regional STS endpoints and the configured one (opensts endpoints probe --help)
`;

export const probeSpec: CommandSpec = {
  name: 'opensts endpoints probe',
  synopsis: '--region R [options]',
  description: `Times the global STS endpoint (https://sts.amazonaws.com) and the regional one (https://sts.R.amazonaws.com),
plus the configured custom endpoint if there is one, and prints which one to use. Exit status 1: none answered.`,
  options: {
    count: { arg: 'N', help: 'requests per endpoint, 1..100 (default 3)' },
    timeout: { arg: 'MS', help: 'per request, in milliseconds (default 3000)' },
    'global-url': { arg: 'URL', help: 'the global endpoint to time instead of AWS\'s' },
    'regional-url': { arg: 'URL', help: 'the regional endpoint to time instead of AWS\'s' },
    ...GLOBAL_OPTIONS,
    output: { ...GLOBAL_OPTIONS.output!, help: 'text: a table and the advice (default); json, table, yaml: the measurements', choices: ['text', 'json', 'table', 'yaml'] },
  },
};

export interface ProbeResult {
  readonly name: 'global' | 'regional' | 'configured';
  readonly url: string;
  readonly samplesMs: number[];
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly failures: string[];
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One unsigned GetCallerIdentity on a new connection; any HTTP answer counts (it will be an auth error). */
async function timeOnce(url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  try {
    await httpRequest({
      method: 'POST', url: new URL(url), timeoutMs, body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
  } catch (err) {
    throw new Error((err as HttpError).code ?? (err as Error).message);
  }
  return performance.now() - started;
}

export async function probe(name: ProbeResult['name'], url: string, count: number, timeoutMs: number): Promise<ProbeResult> {
  const samplesMs: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      samplesMs.push(await timeOnce(url, timeoutMs));
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  const med = median(samplesMs);
  return { name, url, samplesMs, failures, ...(med !== undefined && { medianMs: med, minMs: Math.min(...samplesMs) }) };
}

/** Regional unless only the global endpoint answers (AWS's own advice: regional is closer and isolates failures). */
export function recommend(results: readonly ProbeResult[], region: string): string {
  const by = (n: ProbeResult['name']) => results.find((r) => r.name === n);
  const configured = by('configured');
  const lines: string[] = [];
  const regional = by('regional')!;
  const global = by('global')!;
  const ms = (r: ProbeResult) => `${r.medianMs!.toFixed(1)} ms`;
  if (regional.medianMs !== undefined && (global.medianMs === undefined || regional.medianMs <= global.medianMs * 1.5)) {
    const speed = global.medianMs === undefined ? 'the global endpoint did not answer' : `${ms(regional)} against ${ms(global)} for the global endpoint`;
    lines.push(`Use the regional endpoint ${regional.url} (${speed}): AWS_STS_REGIONAL_ENDPOINTS=regional (the default of current AWS tools), region ${region}.`);
  } else if (regional.medianMs !== undefined) {
    lines.push(`The regional endpoint answered (${ms(regional)}) but the global one was faster (${ms(global)}); prefer the regional one anyway unless latency matters more than isolation: AWS_STS_REGIONAL_ENDPOINTS=regional.`);
  } else if (global.medianMs !== undefined) {
    lines.push(`Only the global endpoint answered (${ms(global)}): AWS_STS_REGIONAL_ENDPOINTS=legacy, or check that STS is reachable in ${region}.`);
  } else lines.push('Neither AWS endpoint answered.');
  if (configured) {
    lines.push(configured.medianMs !== undefined
      ? `Your configured endpoint ${configured.url} answered in ${ms(configured)}; it is what opensts and the AWS tools will use.`
      : `Your configured endpoint ${configured.url} did not answer (${configured.failures[0] ?? 'no answer'}).`);
  }
  return lines.join('\n');
}

export async function endpoints(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(endpointsUsage);
    return 0;
  }
  if (sub !== 'probe') {
    process.stderr.write(`${sub === undefined ? 'opensts endpoints: a command is required' : `opensts endpoints: invalid choice: '${sub}'`}\n\n${endpointsUsage}`);
    return 252;
  }
  const args = parseCommand(probeSpec, rest);
  if (!args) return 0;
  if (one(args, 'query') !== undefined) await compileQuery(one(args, 'query')!);
  const ctx = clientContext(args);
  const region = regionOf(ctx);
  if (!region) throw new ClientConfigError('You must specify a region: --region R (or AWS_REGION).');
  const count = Number(one(args, 'count') ?? 3);
  const timeoutMs = Number(one(args, 'timeout') ?? 3000);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new UsageError('--count must be 1..100');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError('--timeout must be a positive number of milliseconds');
  const aws = { env: {}, region };
  const globalUrl = one(args, 'global-url') ?? resolveStsEndpoint({ ...aws, service: 'sts', region: 'aws-global' }).url;
  const regionalUrl = one(args, 'regional-url') ?? resolveStsEndpoint({ ...aws, service: 'sts' }).url;
  const configured = customStsEndpoint(ctx);
  const results = [await probe('global', globalUrl, count, timeoutMs), await probe('regional', regionalUrl, count, timeoutMs)];
  if (configured) results.push(await probe('configured', configured, count, timeoutMs));
  const advice = recommend(results, region);
  const output = one(args, 'output') ?? 'text';
  if (output !== 'text' || one(args, 'query') !== undefined) {
    const report = { Region: region, Endpoints: results.map((r) => ({ Name: r.name, Url: r.url, MedianMs: r.medianMs, MinMs: r.minMs, Answers: r.samplesMs.length, Failures: r.failures })), Recommendation: advice };
    // Through JSON: an endpoint that never answered has no MedianMs / MinMs members rather than undefined ones.
    process.stdout.write(await formatResult(JSON.parse(JSON.stringify(report)), output === 'text' ? 'text' : output as 'json', 'EndpointsProbe', one(args, 'query')));
  } else {
    const rows = results.map((r) => [r.name, r.url, r.medianMs === undefined ? '-' : `${r.medianMs.toFixed(1)} ms`, r.minMs === undefined ? '-' : `${r.minMs.toFixed(1)} ms`, `${r.samplesMs.length}/${count}${r.failures.length ? ` (${r.failures[0]})` : ''}`]);
    const all = [['endpoint', 'url', 'median', 'min', 'answers'], ...rows];
    const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
    process.stdout.write(all.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n\n' + advice + '\n');
  }
  return results.some((r) => r.medianMs !== undefined) ? 0 : 1;
}
