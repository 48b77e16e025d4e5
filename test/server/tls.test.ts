/**
 * HTTPS (`--tls-cert`, `--tls-key`): the stock clients, trusting the server's CA, work unchanged; the requests are
 * aws:SecureTransport; plain HTTP and untrusted clients get nowhere; SIGHUP (reopen()) serves a renewed certificate
 * to new connections; files that cannot serve TLS stop the start.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { after, before, test } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pino from 'pino';
import { banner } from '../../src/cli/serve.js';
import { startServer } from '../../src/server/serve.js';
import { aws, boto3, run, clientEnv } from '../helpers/clients.js';
import { allow, deny, iam, ok, policy } from '../helpers/iam.js';
import { selfSignedCertificate } from '../helpers/oidc-issuer.js';
import { call, createUserWithKey, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let plain: TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'opensts-tls-'));

before(async () => {
  [s, plain] = await Promise.all([startTestServer({ tls: true }), startTestServer()]);
});
after(async () => {
  await Promise.all([s.close(), plain.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** The certificate a new TLS connection to the server is shown (trusting `ca`). */
function servedCertificate(
  ca: string,
): Promise<PeerCertificate & { protocol: string | null; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: s.port, ca, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        const cert = socket.getPeerCertificate();
        resolve({ ...cert, protocol: socket.getProtocol(), alpn: socket.alpnProtocol });
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

test('the aws CLI, boto3, the JS SDK and opensts, trusting the CA, call STS over HTTPS', async () => {
  assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const expected = `arn:aws:iam::${s.running.app.accountId}:root`;
  // clientEnv sets AWS_CA_BUNDLE to the server's certificate.
  const cli = await aws(s, s.root, ['sts', 'get-caller-identity']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.json.Arn, expected);
  assert.equal(await boto3(s, s.root, 'out(sts.get_caller_identity()["Arn"])'), expected);
  const sdk = new STSClient({
    endpoint: s.url,
    region: 'eu-central-1',
    credentials: s.root,
    requestHandler: { httpsAgent: new Agent({ ca: s.ca }) },
  });
  assert.equal((await sdk.send(new GetCallerIdentityCommand({}))).Arn, expected);
  sdk.destroy();
  const own = await run(process.execPath, ['bin/opensts', 'sts', 'get-caller-identity'], clientEnv(s, s.root));
  assert.equal(own.code, 0, own.stderr);
  assert.equal(JSON.parse(own.stdout).Arn, expected);
});

test('requests over HTTPS are aws:SecureTransport; the same policy refuses them over plain HTTP', async () => {
  // Allowed everything, except without TLS: the policy AWS recommends for "HTTPS only".
  const secureOnly = policy(allow('iam:*'), deny('*', '*', { Bool: { 'aws:SecureTransport': 'false' } }));
  for (const server of [s, plain]) {
    const bob = await createUserWithKey(server, 'bob');
    await ok(iam(server, 'PutUserPolicy', { UserName: 'bob', PolicyName: 'tls-only', PolicyDocument: secureOnly }));
    const listed = await iam(server, 'ListUsers', {}, bob);
    assert.equal(listed.status, server === s ? 200 : 403, server.url);
  }
});

test('plain HTTP to the HTTPS port gets no answer; a client that does not trust the CA gives up', async () => {
  await assert.rejects(fetch(`http://127.0.0.1:${s.port}/healthz`));
  // (An empty AWS_CA_BUNDLE would turn botocore's verification off altogether: another CA's file instead.)
  const otherCa = selfSignedCertificate(mkdtempSync(join(scratch, 'ca-'))).certFile;
  const untrusting = await aws(s, s.root, ['sts', 'get-caller-identity'], undefined, { AWS_CA_BUNDLE: otherCa });
  assert.notEqual(untrusting.code, 0);
  assert.match(untrusting.stderr, /SSL|certificate/i);
});

test('TLS 1.2 or later, and HTTP/1.1 by ALPN', async () => {
  const served = await servedCertificate(s.ca!);
  assert.ok(served.protocol === 'TLSv1.3' || served.protocol === 'TLSv1.2', String(served.protocol));
  assert.equal(served.alpn, 'http/1.1');
  await assert.rejects(
    new Promise((resolve, reject) => {
      const socket = connect(
        {
          host: '127.0.0.1',
          port: s.port,
          ca: s.ca,
          servername: 'localhost',
          maxVersion: 'TLSv1.1',
          minVersion: 'TLSv1',
        },
        () => resolve(socket),
      );
      socket.on('error', reject);
    }),
  );
});

test('reopen() (SIGHUP) serves a renewed certificate to new connections; unusable files keep the old one', async () => {
  const before = await servedCertificate(s.ca!);
  const renewed = selfSignedCertificate(scratch);
  copyFileSync(renewed.certFile, s.caFile!);
  copyFileSync(renewed.keyFile, join(s.dataDir, 'key.pem'));
  await s.running.reopen();
  const after = await servedCertificate(renewed.cert);
  assert.notEqual(after.fingerprint256, before.fingerprint256);
  assert.equal(after.fingerprint256, new (await import('node:crypto')).X509Certificate(renewed.cert).fingerprint256);
  // A half-written renewal (a key that is not the certificate's) is not taken.
  writeFileSync(join(s.dataDir, 'key.pem'), selfSignedCertificate(mkdtempSync(join(scratch, 'other-'))).key);
  await s.running.reopen();
  assert.equal((await servedCertificate(renewed.cert)).fingerprint256, after.fingerprint256);
  // Requests still work, over the renewed certificate.
  s.ca = renewed.cert;
  assert.equal(
    xmlText((await ok(call(s, 'GetCallerIdentity', {}, s.root))).body, 'Arn'),
    `arn:aws:iam::${s.running.app.accountId}:root`,
  );
});

test("a missing file, or a key that is not the certificate's, stops the start with a clear message", async () => {
  const dir = mkdtempSync(join(scratch, 'start-'));
  const a = selfSignedCertificate(mkdtempSync(join(dir, 'a-')));
  const b = selfSignedCertificate(mkdtempSync(join(dir, 'b-')));
  const start = (certFile: string, keyFile: string) =>
    startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      env: {},
      log: pino({ level: 'silent' }),
      tls: { certFile, keyFile },
    });
  await assert.rejects(start(join(dir, 'missing.pem'), a.keyFile), {
    message: new RegExp(`^cannot read the TLS certificate ${join(dir, 'missing.pem')}: ENOENT`),
  });
  await assert.rejects(start(a.certFile, b.keyFile), {
    message: /^the TLS certificate .* and key .* cannot be used: .*key values mismatch/,
  });
  const cli = await run(
    process.execPath,
    ['bin/opensts', 'serve', '--port', '0', '--data-dir', join(dir, 'cli'), '--tls-cert', a.certFile],
    { PATH: process.env.PATH },
  );
  assert.equal(cli.code, 255);
  assert.match(cli.stderr, /--tls-cert and --tls-key go together: give both, or neither/);
});

test('the banner names the certificate, and warns of plain HTTP beyond loopback', () => {
  const started = { url: 'https://10.0.0.5:7750', accountId: '123456789012', stop: async () => {} };
  const node = { kind: 'any' } as Parameters<typeof banner>[1];
  const withTls = banner(started, node, 'SQLite', 2, {
    tls: { certFile: '/etc/opensts/cert.pem', keyFile: '/k' },
    host: '0.0.0.0',
  });
  assert.match(
    withTls,
    /^TLS certificate: \/etc\/opensts\/cert\.pem \(clients that do not trust its CA: export AWS_CA_BUNDLE=<the CA's PEM file>\)$/m,
  );
  assert.doesNotMatch(withTls, /WARNING/);
  const plainWide = banner({ ...started, url: 'http://0.0.0.0:7750' }, node, 'SQLite', 2, { host: '0.0.0.0' });
  assert.match(
    plainWide,
    /^WARNING: plain HTTP on 0\.0\.0\.0: secret keys and session tokens cross the network unencrypted\./m,
  );
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    assert.doesNotMatch(
      banner({ ...started, url: 'http://127.0.0.1:7750' }, node, 'SQLite', 2, { host }),
      /WARNING/,
      host,
    );
  }
});
