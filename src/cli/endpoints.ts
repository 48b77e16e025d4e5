/**
 * `opensts endpoints probe`: times the OpenSTS endpoints the profile names (endpoint_url, [services] and
 * opensts_endpoints, in failover order) with GET /healthz on fresh connections, the way a short-lived CLI meets
 * them: median and p95 per endpoint, and which one to put first. With `--aws`: AWS's global and regional STS
 * endpoints instead, with unsigned GetCallerIdentity requests.
 */
import { resolveStsEndpoint, resolveStsEndpoints } from '../client/endpoints.js';
import { type HttpError, httpRequest } from '../client/http.js';
import { ClientConfigError } from '../client/shared-config.js';
import {
  type CommandSpec,
  GLOBAL_OPTIONS,
  UsageError,
  clientContext,
  customStsEndpoint,
  one,
  parseCommand,
  regionOf,
} from './common.js';
import { compileQuery, formatResult } from './output.js';

export const endpointsUsage = `Usage: opensts endpoints <command> [options]

Commands:
  probe    time the configured OpenSTS endpoints, or with --aws AWS's global and regional STS endpoints (opensts endpoints probe --help)
`;

export const probeSpec: CommandSpec = {
  name: 'opensts endpoints probe',
  synopsis: '[--aws --region R] [options]',
  description: `Times each configured OpenSTS endpoint (the profile's endpoint_url or [services] STS endpoint, then its
opensts_endpoints, or OPENSTS_ENDPOINTS) with requests to /healthz on fresh connections: median and p95, and which
one to prefer. With --aws: the global AWS STS endpoint (https://sts.amazonaws.com) and the regional one
(https://sts.R.amazonaws.com), plus the configured custom endpoint if there is one. Exit status 1: none answered.`,
  options: {
    aws: { kind: 'flag', help: "time AWS's global and regional STS endpoints instead of the configured OpenSTS ones" },
    count: { arg: 'N', help: 'requests per endpoint, 1..100 (default 10; 3 with --aws)' },
    timeout: { arg: 'MS', help: 'per request, in milliseconds (default 3000)' },
    'global-url': { arg: 'URL', help: "with --aws: the global endpoint to time instead of AWS's" },
    'regional-url': { arg: 'URL', help: "with --aws: the regional endpoint to time instead of AWS's" },
    ...GLOBAL_OPTIONS,
    output: {
      ...GLOBAL_OPTIONS.output!,
      help: 'text: a table and the advice (default); json, table, yaml: the measurements',
      choices: ['text', 'json', 'table', 'yaml'],
    },
  },
};

export interface ProbeResult {
  /** global / regional / configured with --aws; the endpoint's position (1, 2...) otherwise. */
  readonly name: string;
  readonly url: string;
  readonly samplesMs: number[];
  readonly medianMs?: number;
  readonly p95Ms?: number;
  readonly minMs?: number;
  readonly failures: string[];
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile: with few samples, p95 is the slowest one (no invented interpolation). */
function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

/**
 * One request on a new connection. AWS: an unsigned GetCallerIdentity, any HTTP answer counts (it will be an auth
 * error). OpenSTS: GET /healthz (no auth, no database, not throttled), which must answer 200.
 */
async function timeOnce(url: string, timeoutMs: number, kind: 'aws' | 'opensts'): Promise<number> {
  const started = performance.now();
  let status: number;
  try {
    status =
      kind === 'aws'
        ? (
            await httpRequest({
              method: 'POST',
              url: new URL(url),
              timeoutMs,
              body: 'Action=GetCallerIdentity&Version=2011-06-15',
              headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
            })
          ).status
        : (await httpRequest({ method: 'GET', url: healthUrl(url), timeoutMs })).status;
  } catch (err) {
    throw new Error((err as HttpError).code ?? (err as Error).message);
  }
  if (kind === 'opensts' && status !== 200) throw new Error(`HTTP ${status}`);
  return performance.now() - started;
}

/** /healthz next to the endpoint's path (an endpoint behind a proxy may live under a prefix). */
const healthUrl = (endpoint: string) => new URL('healthz', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);

export async function probe(
  name: string,
  url: string,
  count: number,
  timeoutMs: number,
  kind: 'aws' | 'opensts' = 'aws',
): Promise<ProbeResult> {
  const samplesMs: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      samplesMs.push(await timeOnce(url, timeoutMs, kind));
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  const med = median(samplesMs);
  return {
    name,
    url,
    samplesMs,
    failures,
    ...(med !== undefined && { medianMs: med, p95Ms: percentile(samplesMs, 95), minMs: Math.min(...samplesMs) }),
  };
}

/**
 * Which OpenSTS endpoint to put first: among those that answered every probe, the lowest median, unless it is
 * within 10% of the one already first (failover order is the operator's choice; noise should not reorder it).
 */
export function preferOpensts(results: readonly ProbeResult[]): string {
  const healthy = results.filter((r) => r.failures.length === 0 && r.medianMs !== undefined);
  if (healthy.length === 0) return 'No configured endpoint answered every probe.';
  const best = healthy.reduce((a, b) => (b.medianMs! < a.medianMs! ? b : a));
  const first = results[0]!;
  const ms = (r: ProbeResult) => `median ${r.medianMs!.toFixed(1)} ms, p95 ${r.p95Ms!.toFixed(1)} ms`;
  if (healthy.includes(first) && (best === first || first.medianMs! <= best.medianMs! * 1.1)) {
    return `Prefer ${first.url} (${ms(first)}): it is already first.`;
  }
  const why = healthy.includes(first)
    ? `the first one, ${first.url}, is slower (${ms(first)})`
    : `the first one, ${first.url}, failed (${first.failures[0]})`;
  return `Prefer ${best.url} (${ms(best)}): put it first in opensts_endpoints (or endpoint_url); ${why}.`;
}

/** Regional unless only the global endpoint answers (AWS's own advice: regional is closer and isolates failures). */
export function recommend(results: readonly ProbeResult[], region: string): string {
  const by = (n: ProbeResult['name']) => results.find((r) => r.name === n);
  const configured = by('configured');
  const lines: string[] = [];
  const regional = by('regional')!;
  const global = by('global')!;
  const ms = (r: ProbeResult) => `${r.medianMs!.toFixed(1)} ms`;
  if (
    regional.medianMs !== undefined &&
    (global.medianMs === undefined || regional.medianMs <= global.medianMs * 1.5)
  ) {
    const speed =
      global.medianMs === undefined
        ? 'the global endpoint did not answer'
        : `${ms(regional)} against ${ms(global)} for the global endpoint`;
    lines.push(
      `Use the regional endpoint ${regional.url} (${speed}): AWS_STS_REGIONAL_ENDPOINTS=regional (the default of current AWS tools), region ${region}.`,
    );
  } else if (regional.medianMs !== undefined) {
    lines.push(
      `The regional endpoint answered (${ms(regional)}) but the global one was faster (${ms(global)}); prefer the regional one anyway unless latency matters more than isolation: AWS_STS_REGIONAL_ENDPOINTS=regional.`,
    );
  } else if (global.medianMs !== undefined) {
    lines.push(
      `Only the global endpoint answered (${ms(global)}): AWS_STS_REGIONAL_ENDPOINTS=legacy, or check that STS is reachable in ${region}.`,
    );
  } else lines.push('Neither AWS endpoint answered.');
  if (configured) {
    lines.push(
      configured.medianMs !== undefined
        ? `Your configured endpoint ${configured.url} answered in ${ms(configured)}; it is what opensts and the AWS tools will use.`
        : `Your configured endpoint ${configured.url} did not answer (${configured.failures[0] ?? 'no answer'}).`,
    );
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
    process.stderr.write(
      `${sub === undefined ? 'opensts endpoints: a command is required' : `opensts endpoints: invalid choice: '${sub}'`}\n\n${endpointsUsage}`,
    );
    return 252;
  }
  const args = parseCommand(probeSpec, rest);
  if (!args) return 0;
  if (one(args, 'query') !== undefined) await compileQuery(one(args, 'query')!);
  const ctx = clientContext(args);
  const region = regionOf(ctx);
  const count = Number(one(args, 'count') ?? (args.options.has('aws') ? 3 : 10));
  const timeoutMs = Number(one(args, 'timeout') ?? 3000);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new UsageError('--count must be 1..100');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new UsageError('--timeout must be a positive number of milliseconds');
  const output = one(args, 'output') ?? 'text';
  /** Text is the table and the advice; the other formats print the measurements (with --query applied). */
  const emit = async (report: object, text: string) => {
    if (output === 'text' && one(args, 'query') === undefined) process.stdout.write(text);
    // Through JSON: an endpoint that never answered has no MedianMs / MinMs members rather than undefined ones.
    else
      process.stdout.write(
        await formatResult(
          JSON.parse(JSON.stringify(report)),
          output === 'text' ? 'text' : (output as 'json'),
          'EndpointsProbe',
          one(args, 'query'),
        ),
      );
  };
  if (!args.options.has('aws')) return probeOpensts(ctx, region, count, timeoutMs, emit);
  if (!region) throw new ClientConfigError('You must specify a region: --region R (or AWS_REGION).');
  const aws = { env: {}, region };
  const globalUrl = one(args, 'global-url') ?? resolveStsEndpoint({ ...aws, service: 'sts', region: 'aws-global' }).url;
  const regionalUrl = one(args, 'regional-url') ?? resolveStsEndpoint({ ...aws, service: 'sts' }).url;
  const configured = customStsEndpoint(ctx);
  const results = [
    await probe('global', globalUrl, count, timeoutMs),
    await probe('regional', regionalUrl, count, timeoutMs),
  ];
  if (configured) results.push(await probe('configured', configured, count, timeoutMs));
  const advice = recommend(results, region);
  const rows = results.map((r) => [
    r.name,
    r.url,
    r.medianMs === undefined ? '-' : `${r.medianMs.toFixed(1)} ms`,
    r.minMs === undefined ? '-' : `${r.minMs.toFixed(1)} ms`,
    `${r.samplesMs.length}/${count}${r.failures.length ? ` (${r.failures[0]})` : ''}`,
  ]);
  await emit(
    {
      Region: region,
      Endpoints: results.map((r) => ({
        Name: r.name,
        Url: r.url,
        MedianMs: r.medianMs,
        MinMs: r.minMs,
        Answers: r.samplesMs.length,
        Failures: r.failures,
      })),
      Recommendation: advice,
    },
    table([['endpoint', 'url', 'median', 'min', 'answers'], ...rows]) + '\n\n' + advice + '\n',
  );
  return results.some((r) => r.medianMs !== undefined) ? 0 : 1;
}

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

async function probeOpensts(
  ctx: ReturnType<typeof clientContext>,
  region: string | undefined,
  count: number,
  timeoutMs: number,
  emit: (report: object, text: string) => Promise<void>,
): Promise<number> {
  // The region only picks signing scopes, which /healthz does not need: any will do to list the endpoints.
  const list = resolveStsEndpoints({
    service: 'sts',
    region: region ?? 'us-east-1',
    explicitEndpoint: ctx.endpoint,
    env: ctx.env,
    profile: ctx.profile,
    files: ctx.files,
  });
  if (list.every((e) => e.source === 'aws-regional' || e.source === 'aws-global')) {
    throw new ClientConfigError(
      "No OpenSTS endpoint is configured (endpoint_url, [services] sts, opensts_endpoints, AWS_ENDPOINT_URL_STS or --endpoint-url); to time AWS's own endpoints, use --aws --region R.",
    );
  }
  const results: ProbeResult[] = [];
  for (const [i, e] of list.entries()) results.push(await probe(String(i + 1), e.url, count, timeoutMs, 'opensts'));
  const advice = preferOpensts(results);
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(1)} ms`);
  const rows = results.map((r, i) => [
    r.name,
    r.url,
    list[i]!.signingRegion,
    ms(r.medianMs),
    ms(r.p95Ms),
    `${r.samplesMs.length}/${count}${r.failures.length ? ` (${r.failures[0]})` : ''}`,
  ]);
  await emit(
    {
      Endpoints: results.map((r, i) => ({
        Url: r.url,
        SigningRegion: list[i]!.signingRegion,
        MedianMs: r.medianMs,
        P95Ms: r.p95Ms,
        Answers: r.samplesMs.length,
        Failures: r.failures,
      })),
      Recommendation: advice,
    },
    table([['#', 'url', 'region', 'median', 'p95', 'answers'], ...rows]) + '\n\n' + advice + '\n',
  );
  return results.some((r) => r.medianMs !== undefined) ? 0 : 1;
}
