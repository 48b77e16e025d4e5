/**
 * An OpenID Connect issuer for tests: HTTPS on a free loopback port, with a certificate that openssl makes for this
 * run (trusted by the server under test through its OIDC CA file), a discovery document, a JWKS, and ID tokens
 * signed with jose. It counts what it is asked and can be told to fail.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from 'jose';

export interface SignOptions {
  /** Seconds since the epoch; default the given `now`. */
  issuedAt?: number;
  /** Seconds of validity from issuedAt (default 600). */
  lifetime?: number;
  /** Sign with a key the JWKS does not publish. */
  unpublishedKey?: boolean;
  /** Claims that replace the defaults (iss, aud, sub), or `undefined` to leave one out. */
  claims?: JWTPayload;
}

export interface TestIssuer {
  /** `https://127.0.0.1:PORT`: the `iss` of its tokens. */
  url: string;
  /** The PEM file of its (self-signed) certificate: the server's --oidc-ca-file. */
  caFile: string;
  /** Paths requested, in order. */
  requests: string[];
  /** When set, every request is answered 500. */
  failing: boolean;
  /** An ID token signed with the published key (RS256, or ES256 with `alg`), issued at `now` (ms). */
  sign(now: number, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by the openssl CLI (node:crypto makes no X.509). */
export function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string; keyFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, keyFile };
}

export async function startTestIssuer(
  options: { alg?: 'RS256' | 'ES256'; audience?: string; subject?: string } = {},
): Promise<TestIssuer> {
  const alg = options.alg ?? 'RS256';
  const dir = mkdtempSync(join(tmpdir(), 'opensts-issuer-'));
  const { key, cert, certFile } = selfSignedCertificate(dir);
  const signing = await generateKeyPair(alg, { extractable: true });
  const other = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: 'key-1', alg, use: 'sig' };
  let url = '';
  const issuer: TestIssuer = {
    url: '',
    caFile: certFile,
    requests: [],
    failing: false,
    async sign(now, o = {}) {
      const iat = o.issuedAt ?? Math.floor(now / 1000);
      const claims: JWTPayload = {
        iss: url,
        aud: options.audience ?? 'sts.amazonaws.com',
        sub: options.subject ?? 'repo:octo-org/app:ref:refs/heads/main',
        ...o.claims,
      };
      for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
      const privateKey: CryptoKey = o.unpublishedKey ? other.privateKey : signing.privateKey;
      return new SignJWT(claims)
        .setProtectedHeader({ alg, kid: o.unpublishedKey ? 'key-x' : 'key-1', typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + (o.lifetime ?? 600))
        .sign(privateKey);
    },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
  const server: Server = createServer({ key, cert }, (req, res) => {
    issuer.requests.push(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (issuer.failing) return send(500, { error: 'down' });
    if (req.url === '/.well-known/openid-configuration')
      return send(200, { issuer: url, jwks_uri: `${url}/keys`, id_token_signing_alg_values_supported: [alg] });
    if (req.url === '/keys') return send(200, { keys: [jwk] });
    send(404, {});
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.url = url;
  return issuer;
}
