/**
 * The version of OpenSTS, from package.json: the one place it is written. Read on first use, not at import, so the
 * CLI's client commands pay for it only when they send a request. The path is relative to this module's compiled
 * file, dist/src/client/version.js, and works as well from the CLI's bundle (dist/src/cli/, the same depth).
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function version(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cached;
}
