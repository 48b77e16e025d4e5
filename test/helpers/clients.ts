/** The real clients — the stock aws CLI, boto3 — run as child processes against a test server. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from '../../src/sigv4/index.js';
import type { TestServer } from './server.js';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (the server lives in this process, so it must keep answering). */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const emptyHome = mkdtempSync(join(tmpdir(), 'opensts-home-'));

/** An environment with nothing from the developer's own AWS setup: no files, no metadata service. */
export function clientEnv(
  server: TestServer,
  credentials: Credentials | undefined,
  region = 'eu-central-1',
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: emptyHome,
    AWS_CONFIG_FILE: join(emptyHome, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(emptyHome, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: server.url,
    AWS_MAX_ATTEMPTS: '1',
    ...(server.caFile ? { AWS_CA_BUNDLE: server.caFile } : {}),
    ...extra,
  };
  if (credentials) {
    env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    if (credentials.sessionToken) env.AWS_SESSION_TOKEN = credentials.sessionToken;
  }
  return env;
}

/** `aws <args>` with JSON output; `json` is the parsed stdout when the call succeeded. */
export async function aws(
  server: TestServer,
  credentials: Credentials | undefined,
  args: string[],
  region?: string,
  extra?: NodeJS.ProcessEnv,
) {
  const r = await run('aws', [...args, '--output', 'json'], clientEnv(server, credentials, region, extra));
  return { ...r, json: r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
}

/**
 * Runs a boto3 snippet. The snippet sees `sts` and `iam` clients for the server, `params` (JSON) and `out()` to
 * report a value; a ClientError is reported as {"error": code, "message": message}.
 */
export async function boto3(
  server: TestServer,
  credentials: Credentials | undefined,
  snippet: string,
  params: unknown = {},
  region = 'eu-west-1',
) {
  const program = `
import json, sys, boto3, botocore.exceptions
params = json.loads(sys.argv[1])
session = boto3.session.Session()
cfg = botocore.config.Config(retries={"max_attempts": 1})
sts = session.client("sts", endpoint_url=${JSON.stringify(server.url)}, config=cfg)
iam = session.client("iam", endpoint_url=${JSON.stringify(server.url)}, config=cfg)
def out(v):
    print(json.dumps(v, default=str))
try:
${snippet
  .split('\n')
  .map((l) => '    ' + l)
  .join('\n')}
except botocore.exceptions.ClientError as e:
    out({"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message"), "status": e.response["ResponseMetadata"]["HTTPStatusCode"]})
`;
  const r = await run('python3', ['-c', program, JSON.stringify(params)], clientEnv(server, credentials, region));
  if (r.code !== 0) throw new Error(`boto3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
