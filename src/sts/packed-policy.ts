/**
 * PackedPolicySize: how much of the space a session's policies and tags may take, as a percentage. AWS's packing
 * is not public; this is a monotone estimate — the deflated size of the session policy, policy ARNs and tags
 * against a 2,048-byte budget — so small policies land near AWS's typical figures and 50 long tags exceed it.
 */
import { deflateRawSync } from 'node:zlib';
import type { Tag } from '../store/store.js';

const BUDGET_BYTES = 2048;
const MAX_CACHED = 1000;
const cache = new Map<string, number>();

export function packedPolicySize(policy: string | undefined, policyArns: string[], tags: Tag[]): number {
  // The common case, a session policy alone, is keyed by the policy text itself (whose hash V8 keeps).
  const packed =
    policyArns.length || tags.length || policy === undefined
      ? JSON.stringify([policy ?? '', policyArns, tags.map((t) => [t.Key, t.Value])])
      : policy;
  let percent = cache.get(packed);
  if (percent === undefined) {
    percent = Math.ceil((deflateRawSync(packed).length * 100) / BUDGET_BYTES);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(packed, percent);
  }
  return percent;
}
