/** The `opensts` command. Subcommands load their modules on demand so that client commands start fast. */
const usage = `Usage: opensts <command> [options]

Commands:
  serve                       run the OpenSTS server (opensts serve --help)
  keys rotate|list            rotate the keys that seal session tokens (opensts keys help)
  backup --out FILE           a consistent snapshot of the SQLite store, while the server runs (opensts backup --help)
  restore --from FILE         restore a snapshot into a new data dir (opensts restore --help)
  migrate [--dry-run]         apply pending schema migrations, or print them (opensts migrate --help)
  recover-root-key            a new root access key when the root's are lost (opensts recover-root-key --help)
  regions list|enable|disable where STS is active for the account (opensts regions help)
  sts <operation>             call STS like \`aws sts ...\` (opensts sts help)
  exec PROFILE -- COMMAND     run COMMAND with the profile's temporary credentials
  export PROFILE              print the profile's temporary credentials (--format sh|fish|powershell|dotenv|json)
  credential-process PROFILE  print them as credential_process JSON (for ~/.aws/config)
  credential-server PROFILE   serve them as an ECS (--ecs) or IMDSv2 (--imds) credentials endpoint on loopback
  endpoints probe --region R  time the global and regional STS endpoints
  version                     print the version
`;

export async function main(argv: string[]): Promise<number> {
  if (process.env.OPENSTS_WORKER_OPTIONS) {
    await (await import('../server/cluster.js')).runWorker();
    return 0;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).serve(rest);
    case 'keys':
      return (await import('./keys.js')).keys(rest);
    case 'backup':
      return (await import('./backup.js')).backup(rest);
    case 'restore':
      return (await import('./backup.js')).restore(rest);
    case 'migrate':
      return (await import('./migrate.js')).migrate(rest);
    case 'recover-root-key':
      return (await import('./recover-root-key.js')).recoverRootKey(rest);
    case 'regions':
      return (await import('./regions.js')).regions(rest);
    case 'sts':
    case 'exec':
    case 'export':
    case 'credential-process':
    case 'credential-server':
    case 'endpoints':
      return (await import('./client.js')).runClient(command, rest);
    case 'version':
    case '--version':
      process.stdout.write(`opensts ${(await import('../client/version.js')).version()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`opensts: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}
