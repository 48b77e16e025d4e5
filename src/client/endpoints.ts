/**
 * Where to send STS / IAM calls and which region to sign for, with botocore's precedence, so
 * `opensts` follows the same AWS_ENDPOINT_URL_STS / `[services]` settings that point the aws CLI
 * and the SDKs at an OpenSTS server.
 */
import type { Profile } from './profile.js';
import { configBoolean } from './profile.js';
import { type DeclaredRegion, RegionDeclarationError, readRegionDeclarations } from '../region-declarations.js';
import { ClientConfigError, type Env, InvalidConfigError, type SharedConfigFiles } from './shared-config.js';

export type EndpointService = 'sts' | 'iam';

/** Where an endpoint came from, in precedence order; shown by `--debug`. */
export type EndpointSource =
  | 'explicit' // --endpoint-url / client argument
  | 'env-service' // AWS_ENDPOINT_URL_STS / _IAM
  | 'env-global' // AWS_ENDPOINT_URL
  | 'config-service' // [services name] sub-section of the profile
  | 'config-global' // the profile's endpoint_url
  | 'opensts-endpoints' // the profile's opensts_endpoints / OPENSTS_ENDPOINTS (failover list)
  | 'declared-region' // the region's endpoint in the regions file (OPENSTS_REGIONS_FILE / opensts_regions_file)
  | 'aws-regional'
  | 'aws-global';

export interface ResolvedEndpoint {
  readonly url: string;
  readonly signingRegion: string;
  readonly source: EndpointSource;
  /** Human-readable origin, e.g. `AWS_ENDPOINT_URL_STS` or `[services local] sts.endpoint_url in /home/me/.aws/config`. */
  readonly detail: string;
}

export class NoRegionError extends ClientConfigError {
  override name = 'NoRegionError';
  constructor() {
    super(
      'You must specify a region. You can also configure your region by running "aws configure" (or set AWS_REGION).',
    );
  }
}

/** With `sts_regional_endpoints = legacy`, these regions use the global endpoint (botocore args.py). */
export const LEGACY_GLOBAL_STS_REGIONS: readonly string[] = [
  'ap-northeast-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'aws-global',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

interface Partition {
  readonly pattern: RegExp;
  readonly dnsSuffix: string;
  readonly globalRegion: string;
  /** IAM is one endpoint per partition, mostly `iam.<globalRegion>.<suffix>`. */
  readonly iamHost?: string;
}
// From botocore's partitions.json; `aws` is the fall-back for unknown region names.
const AWS: Partition = {
  pattern: /^aws-global$/,
  dnsSuffix: 'amazonaws.com',
  globalRegion: 'us-east-1',
  iamHost: 'iam.amazonaws.com',
};
const PARTITIONS: readonly Partition[] = [
  { pattern: /^(cn-\w+-\d+|aws-cn-global)$/, dnsSuffix: 'amazonaws.com.cn', globalRegion: 'cn-north-1' },
  { pattern: /^(eusc-de-\w+-\d+)$/, dnsSuffix: 'amazonaws.eu', globalRegion: 'eusc-de-east-1' },
  { pattern: /^(us-iso-\w+-\d+|aws-iso-global)$/, dnsSuffix: 'c2s.ic.gov', globalRegion: 'us-iso-east-1' },
  { pattern: /^(us-isob-\w+-\d+|aws-iso-b-global)$/, dnsSuffix: 'sc2s.sgov.gov', globalRegion: 'us-isob-east-1' },
  { pattern: /^(eu-isoe-\w+-\d+|aws-iso-e-global)$/, dnsSuffix: 'cloud.adc-e.uk', globalRegion: 'eu-isoe-west-1' },
  { pattern: /^(us-isof-\w+-\d+|aws-iso-f-global)$/, dnsSuffix: 'csp.hci.ic.gov', globalRegion: 'us-isof-south-1' },
  {
    pattern: /^(us-gov-\w+-\d+|aws-us-gov-global)$/,
    dnsSuffix: 'amazonaws.com',
    globalRegion: 'us-gov-west-1',
    iamHost: 'iam.us-gov.amazonaws.com',
  },
];
const partitionOf = (region: string) => PARTITIONS.find((p) => p.pattern.test(region)) ?? AWS;

/** botocore's validate_region_name: the region ends up in a host name, so it must look like one. */
const REGION_FORMAT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
function checkRegion(region: string): string {
  if (!REGION_FORMAT.test(region))
    throw new ClientConfigError(`Provided region_name '${region}' doesn't match a supported format.`);
  return region;
}

/**
 * The region: explicit (`--region`) > AWS_REGION > AWS_DEFAULT_REGION > the profile's `region`.
 * (botocore reads only AWS_DEFAULT_REGION; AWS_REGION first is CLI v2's and the JS SDK's rule.)
 * Empty values count as unset.
 */
export function resolveRegion(opts: { explicit?: string; env: Env; profile?: Profile }): string {
  const region = opts.explicit || opts.env.AWS_REGION || opts.env.AWS_DEFAULT_REGION || opts.profile?.region;
  if (!region) throw new NoRegionError();
  return checkRegion(region);
}

export interface ResolveEndpointInput {
  readonly service: EndpointService;
  /** Needed with a custom endpoint (it is the signing region); without one, botocore falls back to aws-global. */
  readonly region?: string;
  readonly explicitEndpoint?: string;
  readonly env: Env;
  readonly profile?: Profile;
  /** Needed only when the profile names a `[services]` section. */
  readonly files?: SharedConfigFiles;
}

/**
 * The endpoint for `service`: explicit > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the
 * profile's `[services]` entry > the profile's `endpoint_url` (all but explicit disabled by
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls), else AWS's own. A custom
 * endpoint is signed with the client's region, never the global endpoint's us-east-1.
 */
export function resolveStsEndpoint(input: ResolveEndpointInput): ResolvedEndpoint {
  const custom = customEndpoint(input);
  if (custom) {
    if (!input.region) throw new NoRegionError();
    return { ...custom, url: checkUrl(custom.url, custom.detail), signingRegion: checkRegion(input.region) };
  }
  const region = input.region ? checkRegion(input.region) : 'aws-global';
  const own = declaredRegion(region, input);
  if (own) {
    const url = own.region.endpoints[input.service];
    if (!url)
      throw new ClientConfigError(
        `The region ${region} is declared in ${own.file} without an ${input.service} endpoint; add "endpoints": {"${input.service}": "https://..."} or configure endpoint_url.`,
      );
    return {
      url: checkUrl(url, own.file),
      signingRegion: region,
      source: 'declared-region',
      detail: `region ${region} in ${own.file}`,
    };
  }
  const partition = partitionOf(region);
  if (input.service === 'iam') {
    const host = partition.iamHost ?? `iam.${partition.globalRegion}.${partition.dnsSuffix}`;
    return {
      url: `https://${host}`,
      signingRegion: partition.globalRegion,
      source: 'aws-global',
      detail: 'IAM global endpoint of the partition',
    };
  }
  if (region === 'aws-global') {
    return {
      url: 'https://sts.amazonaws.com',
      signingRegion: 'us-east-1',
      source: 'aws-global',
      detail: 'region aws-global',
    };
  }
  const mode = stsRegionalEndpoints(input.env, input.profile);
  if (mode.value === 'legacy' && LEGACY_GLOBAL_STS_REGIONS.includes(region)) {
    return {
      url: 'https://sts.amazonaws.com',
      signingRegion: 'us-east-1',
      source: 'aws-global',
      detail: `sts_regional_endpoints = legacy (${mode.from})`,
    };
  }
  return {
    url: `https://sts.${region}.${partition.dnsSuffix}`,
    signingRegion: region,
    source: 'aws-regional',
    detail: `region ${region}`,
  };
}

type Custom = Omit<ResolvedEndpoint, 'signingRegion'>;

const declarationsByFile = new Map<string, Map<string, DeclaredRegion>>();

/** The operator's own region of that name, from OPENSTS_REGIONS_FILE or the profile's opensts_regions_file. */
function declaredRegion(
  region: string,
  { env, profile }: ResolveEndpointInput,
): { region: DeclaredRegion; file: string } | undefined {
  const setting = profile?.settings.opensts_regions_file;
  const file = env.OPENSTS_REGIONS_FILE || (typeof setting === 'string' ? setting : undefined);
  if (!file) return undefined;
  let regions = declarationsByFile.get(file);
  if (!regions) {
    try {
      regions = readRegionDeclarations(file);
    } catch (err) {
      throw new ClientConfigError((err as RegionDeclarationError).message);
    }
    declarationsByFile.set(file, regions);
  }
  const found = regions.get(region);
  return found && { region: found, file };
}

function customEndpoint({ service, explicitEndpoint, env, profile, files }: ResolveEndpointInput): Custom | undefined {
  if (explicitEndpoint !== undefined) return { url: explicitEndpoint, source: 'explicit', detail: 'explicit endpoint' };
  // The variable, when set at all, overrides the profile (botocore's config chain), even to "false".
  const ignoreVar = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  if (ignoreVar !== undefined ? configBoolean(ignoreVar) : profile?.ignoreConfiguredEndpointUrls) return undefined;
  const serviceVar = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  if (env[serviceVar]) return { url: env[serviceVar]!, source: 'env-service', detail: serviceVar };
  if (env.AWS_ENDPOINT_URL) return { url: env.AWS_ENDPOINT_URL, source: 'env-global', detail: 'AWS_ENDPOINT_URL' };
  if (profile?.services !== undefined) {
    const name = profile.services;
    const section = files?.services[name];
    if (!section || Object.keys(section).length === 0) {
      throw new InvalidConfigError(
        `The profile is configured to use the services section but the "${name}" services configuration does not exist.`,
      );
    }
    const entry = section[service];
    if (typeof entry === 'string') {
      throw new InvalidConfigError(
        `In [services ${name}], "${service}" must be a sub-section ("${service} =" followed by an indented "endpoint_url = ..." line).`,
      );
    }
    const url = entry?.endpoint_url;
    if (url)
      return {
        url,
        source: 'config-service',
        detail: `[services ${name}] ${service}.endpoint_url in ${files!.configFile}`,
      };
  }
  if (profile?.endpointUrl)
    return { url: profile.endpointUrl, source: 'config-global', detail: `endpoint_url of profile ${profile.name}` };
  return undefined;
}

/**
 * Every STS endpoint to try, in order: the one resolveStsEndpoint picks, then the profile's `opensts_endpoints`
 * (or OPENSTS_ENDPOINTS), a comma-separated list written regional first, then others, then the global one. An
 * entry is `URL` (signed for the client's region) or `REGION=URL` (signed for REGION: the global endpoint of
 * an OpenSTS deployment signs as us-east-1, a regional node refuses other regions' scopes). An explicit
 * endpoint (--endpoint-url) is one endpoint and nothing else. Duplicates are dropped.
 */
export function resolveStsEndpoints(input: ResolveEndpointInput): ResolvedEndpoint[] {
  const first = input.service === 'sts' && input.explicitEndpoint === undefined ? extraEndpoints(input) : undefined;
  if (first === undefined || first.list.length === 0) return [resolveStsEndpoint(input)];
  if (!input.region) throw new NoRegionError();
  const out: ResolvedEndpoint[] = [];
  const primary = customEndpoint(input);
  if (primary)
    out.push({ ...primary, url: checkUrl(primary.url, primary.detail), signingRegion: checkRegion(input.region) });
  for (const entry of first.list) {
    const m = /^([a-zA-Z0-9-]+)=(.*)$/.exec(entry);
    const url = checkUrl(m ? m[2]!.trim() : entry, first.from);
    if (out.some((e) => e.url === url)) continue;
    out.push({
      url,
      signingRegion: checkRegion(m ? m[1]! : input.region),
      source: 'opensts-endpoints',
      detail: first.from,
    });
  }
  return out;
}

function extraEndpoints({ env, profile }: ResolveEndpointInput): { list: string[]; from: string } | undefined {
  const raw = env.OPENSTS_ENDPOINTS || profile?.openstsEndpoints;
  if (!raw) return undefined;
  const from = env.OPENSTS_ENDPOINTS ? 'OPENSTS_ENDPOINTS' : `opensts_endpoints of profile ${profile!.name}`;
  return {
    list: raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    from,
  };
}

function checkUrl(url: string, from: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    throw new ClientConfigError(`Invalid endpoint: ${url} (from ${from}); expected an http:// or https:// URL.`);
  }
  return url;
}

/** `legacy` or `regional` (botocore's current default); AWS_STS_REGIONAL_ENDPOINTS, when set, over the profile. */
function stsRegionalEndpoints(env: Env, profile?: Profile): { value: 'legacy' | 'regional'; from: string } {
  const fromEnv = env.AWS_STS_REGIONAL_ENDPOINTS !== undefined;
  const raw = fromEnv ? env.AWS_STS_REGIONAL_ENDPOINTS : profile?.stsRegionalEndpoints;
  const from = fromEnv ? 'AWS_STS_REGIONAL_ENDPOINTS' : `profile ${profile?.name}`;
  if (!raw) return { value: 'regional', from: 'default' };
  if (raw !== 'legacy' && raw !== 'regional') {
    throw new InvalidConfigError(
      `STS regional endpoints option ${raw} is invalid. Valid options are: "legacy", "regional" (from ${from})`,
    );
  }
  return { value: raw, from };
}
