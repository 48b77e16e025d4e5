/**
 * Regions of an operator's own (`onprem-1`), declared in a JSON file that servers and clients read alike
 * (OPENSTS_REGIONS_FILE, `opensts serve --regions-file`, or a profile's `opensts_regions_file`):
 *
 *   { "regions": { "onprem-1": { "partition": "aws", "optIn": false,
 *                                "endpoints": { "sts": "https://sts.onprem-1.corp.example", "iam": "https://iam.corp.example" } } } }
 *
 * A declared name is a region like AWS's: a node serves it (`--region onprem-1`), clients sign for it, and an
 * opt-in one is inactive until `opensts regions enable onprem-1`. The endpoints tell clients where to go when no
 * endpoint is configured. Sync on purpose: one small read at start-up.
 */
import { readFileSync } from 'node:fs';

export interface DeclaredRegion {
  readonly name: string;
  /** The ARN partition: `aws`, the one partition of every ARN the server names. */
  readonly partition: string;
  /** Inactive in every account until enabled (default false). */
  readonly optIn: boolean;
  readonly endpoints: { readonly sts?: string; readonly iam?: string };
}

/** botocore's validate_region_name: a region ends up in host names, so it must look like a DNS label. */
export const REGION_LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export class RegionDeclarationError extends Error {
  override name = 'RegionDeclarationError';
}

export function parseRegionDeclarations(text: string, from: string): Map<string, DeclaredRegion> {
  const fail = (why: string): never => {
    throw new RegionDeclarationError(`The regions file ${from}: ${why}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  const regions = (doc as { regions?: unknown } | null)?.regions;
  if (typeof regions !== 'object' || regions === null || Array.isArray(regions))
    return fail('expected {"regions": {"name": {...}}}');
  const out = new Map<string, DeclaredRegion>();
  for (const [name, raw] of Object.entries(regions as Record<string, unknown>)) {
    if (!REGION_LABEL.test(name) || name !== name.toLowerCase())
      fail(`"${name}" is not a region name (lower-case letters, digits and dashes)`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`"${name}" must be an object`);
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r))
      if (!['partition', 'optIn', 'endpoints'].includes(key)) fail(`"${name}" has an unknown key "${key}"`);
    // One partition per deployment: every ARN the server names (users, roles, sessions, policies) is `arn:aws:...`,
    // and a region declared in another would be promised ARNs it never gets. Refused rather than ignored.
    const partition = r.partition ?? 'aws';
    if (partition !== 'aws') fail(`"${name}".partition: only "aws" (every ARN this server names is arn:aws:...)`);
    if (r.optIn !== undefined && typeof r.optIn !== 'boolean') fail(`"${name}".optIn must be true or false`);
    const endpoints = (r.endpoints ?? {}) as Record<string, unknown>;
    if (typeof endpoints !== 'object' || Array.isArray(endpoints)) fail(`"${name}".endpoints must be an object`);
    for (const [service, url] of Object.entries(endpoints)) {
      if (service !== 'sts' && service !== 'iam') fail(`"${name}".endpoints.${service}: only sts and iam`);
      if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/.test(url))
        fail(`"${name}".endpoints.${service} must be an http:// or https:// URL`);
    }
    out.set(name, {
      name,
      partition: partition as string,
      optIn: (r.optIn as boolean | undefined) ?? false,
      endpoints: { sts: endpoints.sts as string | undefined, iam: endpoints.iam as string | undefined },
    });
  }
  return out;
}

export function readRegionDeclarations(file: string): Map<string, DeclaredRegion> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RegionDeclarationError(
      `Cannot read the regions file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseRegionDeclarations(text, file);
}
