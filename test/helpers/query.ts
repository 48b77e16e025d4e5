/** Raw Query-protocol calls signed with our own signer, for tests that need exact control of the wire. */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signRequest, presignUrl, type Credentials } from '../../src/sigv4/index.js';
import type { TestServer } from './server.js';

export interface RawReply {
  status: number;
  headers: Headers;
  body: string;
}

export interface CallOptions {
  service?: 'sts' | 'iam';
  region?: string;
  /** Signing time; default the server's clock. */
  time?: number;
  method?: 'GET' | 'POST';
  version?: string | null;
  /** Changes the body after signing. */
  tamperBody?: (body: string) => string;
  extraHeaders?: Record<string, string>;
  /** The Host header to send and sign (fetch cannot set one): e.g. `sts.eu-central-1.example.com`. */
  host?: string;
}

const VERSIONS = { sts: '2011-06-15', iam: '2010-05-08' };

export function formBody(
  action: string | undefined,
  params: Record<string, string | number>,
  version: string | null,
): string {
  const p = new URLSearchParams();
  if (action !== undefined) p.set('Action', action);
  if (version !== null) p.set('Version', version);
  for (const [k, v] of Object.entries(params)) p.set(k, String(v));
  return p.toString();
}

/** Sends a signed request; credentials undefined sends it unsigned. */
export async function call(
  server: TestServer,
  action: string | undefined,
  params: Record<string, string | number>,
  credentials: Credentials | undefined,
  options: CallOptions = {},
): Promise<RawReply> {
  const service = options.service ?? 'sts';
  const version = options.version === undefined ? VERSIONS[service] : options.version;
  const body = formBody(action, params, version);
  const method = options.method ?? 'POST';
  const path = method === 'GET' ? `/?${body}` : '/';
  const headers: Record<string, string> = { host: options.host ?? server.host, ...(options.extraHeaders ?? {}) };
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const sendBody = method === 'POST' ? body : '';
  if (credentials) {
    Object.assign(
      headers,
      signRequest({
        method,
        url: path,
        headers,
        body: sendBody,
        credentials,
        region: options.region ?? 'us-east-1',
        service,
        now: new Date(options.time ?? server.clock.now()),
      }),
    );
  }
  if (options.host !== undefined || server.ca) {
    return sendWithHost(
      server.url + path,
      method,
      headers,
      options.tamperBody ? options.tamperBody(sendBody) : sendBody,
      server.ca,
    );
  }
  const res = await fetch(server.url + path, {
    method,
    headers,
    body: method === 'POST' ? (options.tamperBody ? options.tamperBody(sendBody) : sendBody) : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** node:http(s), which sends the Host header it is given; `ca` trusts a test server's certificate. */
function sendWithHost(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
  ca?: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    const req = send(
      url,
      { method, ca, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve({ status: res.statusCode!, headers: h, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A presigned GET URL for an action (the form aws-iam-authenticator and Vault use). */
export function presign(
  server: TestServer,
  action: string,
  credentials: Credentials,
  time: number,
  expiresSeconds = 60,
): string {
  return presignUrl({
    method: 'GET',
    url: `${server.url}/?Action=${action}&Version=2011-06-15`,
    headers: { host: server.host },
    credentials,
    region: 'us-east-1',
    service: 'sts',
    now: new Date(time),
    expiresSeconds,
  });
}

/** The text of the first element with that name. */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function errorCode(reply: RawReply): string | undefined {
  return xmlText(reply.body, 'Code');
}

/** Creates a user with one access key, as the root. */
export async function createUserWithKey(server: TestServer, userName: string): Promise<Credentials> {
  const u = await call(server, 'CreateUser', { UserName: userName }, server.root, { service: 'iam' });
  if (u.status !== 200) throw new Error(u.body);
  const k = await call(server, 'CreateAccessKey', { UserName: userName }, server.root, { service: 'iam' });
  if (k.status !== 200) throw new Error(k.body);
  return { accessKeyId: xmlText(k.body, 'AccessKeyId')!, secretAccessKey: xmlText(k.body, 'SecretAccessKey')! };
}

/** GetSessionToken for the given long-term credentials. */
export async function sessionFor(
  server: TestServer,
  credentials: Credentials,
  params: Record<string, string | number> = {},
): Promise<Credentials & { expiration: string }> {
  const r = await call(server, 'GetSessionToken', params, credentials);
  if (r.status !== 200) throw new Error(r.body);
  return {
    accessKeyId: xmlText(r.body, 'AccessKeyId')!,
    secretAccessKey: xmlText(r.body, 'SecretAccessKey')!,
    sessionToken: xmlText(r.body, 'SessionToken')!,
    expiration: xmlText(r.body, 'Expiration')!,
  };
}
