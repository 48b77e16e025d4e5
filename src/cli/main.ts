/** The `opensts` command. Subcommands load their modules on demand so that client commands start fast. */
const usage = `Usage: opensts <command> [options]

Commands:
  serve     run the OpenSTS server (opensts serve --help)
  version   print the version
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
    case 'version':
    case '--version':
      process.stdout.write('opensts 0.1.0\n');
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
