/**
 * The Kubernetes recipe of docs/kubernetes.md, with a stand-in cluster issuer (OIDC over HTTPS): a projected
 * service-account token is exchanged by AssumeRoleWithWebIdentity, first by the stock aws CLI from AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE, then by `opensts credential-server --imds` run as a sidecar, which the app container
 * reaches on the pod's loopback.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { clientEnv, run } from './helpers/clients.js';
import { createRole, iam, ok, policy } from './helpers/iam.js';
import { startTestIssuer, type TestIssuer } from './helpers/oidc-issuer.js';
import { xmlText } from './helpers/query.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SUBJECT = 'system:serviceaccount:shop:checkout';
let dir: string;
let issuer: TestIssuer;
let s: TestServer;
let roleArn: string;
let tokenFile: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-k8s-'));
  issuer = await startTestIssuer();
  s = await startTestServer({ oidcCaFile: issuer.caFile });
  const host = issuer.url.slice('https://'.length);
  const created = await ok(
    iam(s, 'CreateOpenIDConnectProvider', { Url: issuer.url, 'ClientIDList.member.1': 'sts.amazonaws.com' }),
  );
  const provider = xmlText(created.body, 'OpenIDConnectProviderArn')!;
  roleArn = await createRole(
    s,
    'checkout',
    policy({
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: SUBJECT } },
    }),
  );
  // What the kubelet projects into the pod (serviceAccountToken volume, audience sts.amazonaws.com).
  tokenFile = join(dir, 'token');
  await writeFile(
    tokenFile,
    await issuer.sign(s.clock.now(), { claims: { iss: issuer.url, aud: 'sts.amazonaws.com', sub: SUBJECT } }),
  );
});
after(async () => {
  await s.close();
  await issuer.close();
  await rm(dir, { recursive: true, force: true });
});

test('an app container: the aws CLI exchanges the projected token (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE)', async () => {
  const env = clientEnv(s, undefined, 'eu-central-1', {
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_SESSION_NAME: 'checkout-pod',
  });
  const r = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    JSON.parse(r.stdout).Arn,
    `${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/checkout-pod`,
  );
});

test('a sidecar: opensts credential-server --imds serves the role to the app container over loopback', async () => {
  const config = join(dir, 'config');
  await writeFile(
    config,
    `[profile pod]\nregion = eu-central-1\nrole_arn = ${roleArn}\nweb_identity_token_file = ${tokenFile}\n` +
      `role_session_name = checkout-sidecar\nendpoint_url = ${s.url}\n`,
  );
  const sidecar = spawn(process.execPath, ['bin/opensts', 'credential-server', 'pod', '--imds', '--format', 'dotenv'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
  });
  let err = '';
  sidecar.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => sidecar.once('exit', resolve));
  try {
    const vars = await new Promise<Record<string, string>>((resolve, reject) => {
      let out = '';
      sidecar.stdout!.on('data', (d) => {
        out += d;
        if (/AWS_EC2_METADATA_SERVICE_ENDPOINT=.*\n/.test(out)) {
          resolve(
            Object.fromEntries(
              out
                .split('\n')
                .filter((l) => l.includes('='))
                .map((l) => {
                  const i = l.indexOf('=');
                  return [
                    l.slice(0, i),
                    l
                      .slice(i + 1)
                      .replace(/^"|"$/g, '')
                      .replace(/^'|'$/g, ''),
                  ];
                }),
            ),
          );
        }
      });
      void exited.then((code) => reject(new Error(`credential-server exited with ${code}: ${err}`)));
    });
    assert.match(vars.AWS_EC2_METADATA_SERVICE_ENDPOINT!, /^http:\/\/127\.0\.0\.1:\d+\/?$/);
    // The app container: no keys, no token file, only the sidecar's endpoint (and OpenSTS's, from the sidecar).
    const app = clientEnv(s, undefined, 'eu-central-1', { ...vars, AWS_EC2_METADATA_DISABLED: 'false' });
    const r = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], app);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).Arn, /:assumed-role\/checkout\/checkout-sidecar$/);
  } finally {
    sidecar.kill('SIGTERM');
    await exited;
  }
});
