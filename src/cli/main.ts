/** The `opensts` command. Subcommands load their modules on demand so that client commands start fast. */
import { EXIT_OTHER, EXIT_USAGE, UsageError } from './args.js';

const usage = `Usage: opensts <command> [options]

Commands:
  serve                       run the OpenSTS server (opensts serve --help)
  keys rotate|list            rotate the keys that seal session tokens (opensts keys help)
  backup --out FILE           a consistent snapshot of the SQLite store, while the server runs (opensts backup --help)
  restore --from FILE         restore a snapshot into a new data dir (opensts restore --help)
  migrate [--dry-run]         apply pending schema migrations, or print them (opensts migrate --help)
  recover-root-key            a new root access key when the root's are lost (opensts recover-root-key --help)
  regions list|enable|disable where STS is active for the account (opensts regions help)
  sts <operation>             call STS like \`aws sts ...\` (opensts sts --help)
  exec PROFILE -- COMMAND     run COMMAND with the profile's temporary credentials
  export PROFILE              print the profile's temporary credentials (--format sh|fish|powershell|dotenv|json)
  credential-process PROFILE  print them as credential_process JSON (for ~/.aws/config)
  credential-server PROFILE   serve them as an ECS (--ecs) or IMDSv2 (--imds) credentials endpoint on loopback
  endpoints probe             time the configured OpenSTS endpoints (--aws --region R: AWS's global and regional)
  version                     print the version (also --version)

Every command takes -h / --help. Exit status, as the aws CLI's: 0 success, 130 interrupted, 252 invalid command
line, 253 invalid configuration or credentials, 254 the service answered with an error, 255 any other failure
(\`exec\` exits with its command's status; \`endpoints probe\` with 1 when no endpoint answered).
`;

export async function main(argv: string[]): Promise<number> {
  if (process.env.OPENSTS_WORKER_OPTIONS) {
    await (await import('../server/cluster.js')).runWorker();
    return 0;
  }
  try {
    return await dispatch(argv);
  } catch (err) {
    // The client commands report their own errors (runClient); these are the server commands'.
    if (err instanceof UsageError) {
      process.stderr.write(
        `opensts: error: ${(err as Error).message}\n(opensts ${argv[0]} --help lists the options)\n`,
      );
      return EXIT_USAGE;
    }
    process.stderr.write(`opensts: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_OTHER;
  }
}

async function dispatch(argv: string[]): Promise<number> {
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
    case '-v':
      process.stdout.write(`opensts ${(await import('../client/version.js')).version()}\n`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    case undefined:
      process.stderr.write(`${usage}\nopensts: error: the following arguments are required: command\n`);
      return EXIT_USAGE;
    default:
      process.stderr.write(`${usage}\nopensts: error: invalid choice: '${command}'\n`);
      return EXIT_USAGE;
  }
}
