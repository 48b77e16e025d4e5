/**
 * The package as a user gets it: `npm pack` (only package.json's `files`), unpacked into a fresh project's
 * node_modules, then a small TypeScript program that imports `opensts/client` is typechecked against the emitted
 * .d.ts (it cannot see src/) and run against a server this test starts. Offline: nothing is installed from a
 * registry; the project borrows this repo's typescript and @types/node, and the client needs no other package.
 * Needs `tsc -p tsconfig.client.json` (npm run build / npm test) for the declarations.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const CONSUMER = `
import { StsClient, StsServiceError, fromSessionToken, type AwsCredentials, type CredentialProvider } from 'opensts/client';

const endpoint = process.env.OPENSTS_URL!;
const source: AwsCredentials = { accessKeyId: process.env.KEY_ID!, secretAccessKey: process.env.SECRET! };
const provider: CredentialProvider = fromSessionToken({ source, endpoint, region: 'us-east-1', env: {}, durationSeconds: 900 });
const session = await provider();
const sts = new StsClient({ endpoint, region: 'us-east-1', credentials: provider, env: {} });
const { result } = await sts.getCallerIdentity();

// The server's modules are not part of the package's interface.
const refused = await Promise.all(['opensts', 'opensts/dist/src/service/app.js'].map((m) =>
  import(m).then(() => 'loaded', (e: NodeJS.ErrnoException) => e.code)));

// @ts-expect-error The declarations are real types, not any: a number is not a region.
fromSessionToken({ region: 1 });

console.log(JSON.stringify({ session: session.accessKeyId.slice(0, 4), hasToken: !!session.sessionToken,
  arn: result.Arn, serviceError: typeof StsServiceError, refused }));
`;

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'opensts-package-'));
});
after(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the packed opensts/client typechecks and runs in a project of its own; the server stays internal', async () => {
  // --ignore-scripts: pack what the build made (prepare would rebuild the whole tree).
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const paths = packed.files.map((f) => f.path);
  assert.ok(paths.includes('dist/src/client/index.d.ts'), 'declarations built (tsc -p tsconfig.client.json)');
  assert.ok(paths.includes('bin/opensts') && paths.includes('models/sts.json'));
  assert.deepEqual(
    paths.filter((p) => /^(src|test|dist\/test)\/|\.map$|\.v8cache$/.test(p)),
    [],
    'sources, tests, maps',
  );

  const project = join(dir, 'project');
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  await run('tar', ['-xzf', join(dir, packed.filename), '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'opensts'));
  symlinkSync(join(root, 'node_modules/typescript'), join(modules, 'typescript'), 'dir');
  symlinkSync(join(root, 'node_modules/@types/node'), join(modules, '@types/node'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      // skipLibCheck: checking @types/node would triple the time; tsconfig.client.json checked our .d.ts as it made them.
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'out',
      },
      files: ['main.ts'],
    }),
  );
  writeFileSync(join(project, 'main.ts'), CONSUMER);

  await run(process.execPath, [join(modules, 'typescript/bin/tsc'), '-p', project]).catch((e: { stdout: string }) => {
    assert.fail(`tsc in the consumer project:\n${e.stdout}`);
  });
  const env = {
    PATH: process.env.PATH,
    OPENSTS_URL: s.url,
    KEY_ID: s.root.accessKeyId,
    SECRET: s.root.secretAccessKey,
  };
  const out = JSON.parse((await run(process.execPath, [join(project, 'out/main.js')], { cwd: project, env })).stdout);
  assert.deepEqual(out, {
    session: 'ASIA',
    hasToken: true,
    arn: `arn:aws:iam::${s.running.app.accountId}:root`,
    serviceError: 'function',
    refused: ['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_PACKAGE_PATH_NOT_EXPORTED'],
  });

  // The packed CLI prints the packed package.json's version.
  const cli = await run(process.execPath, [join(modules, 'opensts/bin/opensts'), '--version'], {
    env: { PATH: process.env.PATH },
  });
  assert.equal(cli.stdout, `opensts ${version}\n`);
});
