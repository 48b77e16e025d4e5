/**
 * Regions, the way AWS STS has them (sts-spec §6):
 *
 * - A node serves one region (`opensts serve --region eu-central-1`: the endpoint `sts.eu-central-1.<domain>`), or
 *   the global endpoint (`--region global`: `sts.<domain>`, which signs as us-east-1), or, started with no
 *   `--region`, whatever region a request is scoped to (one node for everything; a `sts.<region>.<domain>` Host
 *   header then makes it answer as that region's endpoint).
 * - STS requests must be scoped to the region the node serves; IAM is global and accepts any region's scope.
 * - Tokens say where they are valid. Regional endpoints issue tokens valid in every region; the global endpoint
 *   issues version 1 tokens, valid only in the regions enabled by default, unless the account asked for version 2
 *   (`aws iam set-security-token-service-preferences --global-endpoint-token-version v2Token`).
 * - Per account, STS is active in the regions enabled by default and inactive in the opt-in ones; an administrator
 *   changes that with `opensts regions enable|disable R` (AWS has no API for it, only the IAM console). A request
 *   served in a region where the caller's account has STS inactive is refused with RegionDisabledException.
 *   us-east-1, where the global endpoint lives, is always active.
 * - Operators may declare regions of their own (`onprem-1`) in a regions file (src/region-declarations.ts), named by
 *   OPENSTS_REGIONS_FILE or `opensts serve --regions-file`; they count as region names, known and, if declared so,
 *   opt-in, everywhere below.
 */
import { type DeclaredRegion, readRegionDeclarations } from '../region-declarations.js';
import { type AwsError, errors } from '../protocol/errors.js';

/** Regions enabled by default in every account (those launched before March 2019). */
export const DEFAULT_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
];

/** Opt-in regions of the aws partition (botocore partitions.json): an account enables each before using it. */
export const OPT_IN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
];

/** The region the global endpoint signs as and is served in. */
export const GLOBAL_REGION = 'us-east-1';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const optIn = new Set(OPT_IN_REGIONS);
const known = new Set([...DEFAULT_REGIONS, ...OPT_IN_REGIONS]);

// Module state, like the lists above: every process (cluster workers, admin commands) reads the same file, named in
// its environment, the first time a region name is checked.
let declared: ReadonlyMap<string, DeclaredRegion> | undefined;
const declaredRegions = (): ReadonlyMap<string, DeclaredRegion> => {
  if (declared === undefined) {
    const file = process.env.OPENSTS_REGIONS_FILE;
    declared = file ? readRegionDeclarations(file) : new Map();
  }
  return declared;
};

/**
 * Uses this regions file (`--regions-file`), and names it in the environment so forked workers and child commands
 * read it too. Throws, naming the file, when it cannot be used.
 */
export function useRegionsFile(file: string): void {
  declared = readRegionDeclarations(file);
  process.env.OPENSTS_REGIONS_FILE = file;
}

/** For tests: these declared regions (none: forget them). */
export function declareRegions(regions: Iterable<DeclaredRegion> = []): void {
  declared = new Map([...regions].map((r) => [r.name, r]));
}

/** Region names clients sign with: AWS's (`eu-central-1`, `us-gov-west-1`, `cn-north-1`) and the declared ones. */
export const isRegionName = (region: string) =>
  (REGION.test(region) && region.length <= 32) || declaredRegions().has(region);

/** One of the aws partition's regions listed above, or a declared one. */
export const isKnownRegion = (region: string) => known.has(region) || declaredRegions().has(region);

/** Regions outside the lists (other partitions, new regions) count as enabled by default; declared ones as declared. */
export const isOptInRegion = (region: string) => optIn.has(region) || declaredRegions().get(region)?.optIn === true;

/** The declared regions, for `opensts regions list`. */
export const declaredRegionNames = (): string[] => [...declaredRegions().keys()];

/** What a node answers as. */
export type NodeRegion = { kind: 'any' } | { kind: 'regional'; region: string } | { kind: 'global' };

/** `--region`: a region name, `global`, or nothing (any region). */
export function parseNodeRegion(value: string | undefined): NodeRegion {
  if (value === undefined || value === '' || value === 'any') return { kind: 'any' };
  if (value === 'global' || value === 'aws-global') return { kind: 'global' };
  if (!isRegionName(value))
    throw new Error(`--region must be a region name such as eu-central-1, or global, not ${value}`);
  return { kind: 'regional', region: value };
}

export const describeNodeRegion = (node: NodeRegion) =>
  node.kind === 'any'
    ? 'any region'
    : node.kind === 'global'
      ? `the global endpoint (${GLOBAL_REGION})`
      : `region ${node.region}`;

/** The endpoint a request reached: global or regional, and the one region it is served in (if fixed). */
export interface Endpoint {
  global: boolean;
  /** Undefined: any region (the credential scope's). */
  region?: string;
}

export const ANY_ENDPOINT: Endpoint = Object.freeze({ global: false });

/**
 * The endpoint a request reached. A node with a region (or the global one) is that endpoint; a node for any region
 * looks at the Host: `sts.<region>.<domain>` is that region's endpoint and `sts.<domain>` the global one (with
 * `--domain`); without `--domain`, `sts.<known region>.<anything>` still selects the region.
 */
export function endpointOf(node: NodeRegion, host: string | undefined, domain?: string): Endpoint {
  if (node.kind === 'regional') return { global: false, region: node.region };
  if (node.kind === 'global') return { global: true, region: GLOBAL_REGION };
  if (!host || !host.startsWith('sts.')) return ANY_ENDPOINT;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  if (domain) {
    const d = domain.toLowerCase();
    if (name === `sts.${d}`) return { global: true, region: GLOBAL_REGION };
    if (!name.endsWith(`.${d}`)) return ANY_ENDPOINT;
    const label = name.slice('sts.'.length, name.length - d.length - 1);
    return isRegionName(label) ? { global: false, region: label } : ANY_ENDPOINT;
  }
  const label = name.split('.')[1] ?? '';
  return isKnownRegion(label) ? { global: false, region: label } : ANY_ENDPOINT;
}

/** The region a request to this endpoint, scoped to `scopeRegion`, is served in. */
export const servedRegion = (endpoint: Endpoint, scopeRegion: string) => endpoint.region ?? scopeRegion;

/** Why an STS request's credential scope does not fit the endpoint, or undefined when it does. */
export function scopeRefusal(endpoint: Endpoint, scopeRegion: string): AwsError | undefined {
  if (!isRegionName(scopeRegion))
    return errors.signatureDoesNotMatch('Credential should be scoped to a valid region. ');
  if (endpoint.region !== undefined && scopeRegion !== endpoint.region) {
    return errors.signatureDoesNotMatch(`Credential should be scoped to a valid region, not '${scopeRegion}'. `);
  }
  return undefined;
}

/** The version of the tokens an endpoint issues: regional ones are valid everywhere (2). */
export const issuedTokenVersion = (endpoint: Endpoint, globalEndpointTokenVersion: number): 1 | 2 =>
  endpoint.global && globalEndpointTokenVersion !== 2 ? 1 : 2;

/** Whether a token of that version (undefined: issued before versions were recorded, valid everywhere) is valid in a region. */
export const tokenValidIn = (tokenVersion: number | undefined, region: string) =>
  tokenVersion !== 1 || !isOptInRegion(region);

/** Whether STS is active in a region for an account, given the account's explicit settings. */
export function isRegionActive(region: string, settings: ReadonlyMap<string, boolean>): boolean {
  if (region === GLOBAL_REGION) return true;
  return settings.get(region) ?? !isOptInRegion(region);
}

/** AWS sends the user to the IAM console; ours names the command that activates the region. */
export const regionDisabled = (accountId: string, region?: string) =>
  errors.regionDisabled(
    `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region with: opensts regions enable ${region ?? 'REGION'}`,
  );
