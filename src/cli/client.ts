/**
 * The client commands, statically linked: scripts/bundle-client.mjs bundles this module and everything it imports
 * into one script (dist/src/cli/client-bundle.cjs, with esbuild) that bin/opensts loads when it is up to date, because loading one module
 * is much faster than loading twenty (the CLI's cold start is a bar of issue 5).
 */
import { reportError } from './common.js';
import { credentialProcess, credentialServer, exec, exportCommand } from './credentials.js';
import { endpoints } from './endpoints.js';
import { sts } from './sts.js';

export const CLIENT_COMMANDS: Readonly<Record<string, (argv: string[]) => Promise<number>>> = {
  sts,
  exec,
  export: exportCommand,
  'credential-process': credentialProcess,
  'credential-server': credentialServer,
  endpoints,
};

/** Runs a client command; errors are printed the aws CLI's way, with its exit codes. */
export async function runClient(command: string, argv: string[]): Promise<number> {
  const run = CLIENT_COMMANDS[command];
  if (!run) throw new Error(`not a client command: ${command}`);
  try {
    return await run(argv);
  } catch (err) {
    return reportError(err);
  }
}
