/**
 * A scriptable stand-in for STS on a free loopback port, for client tests that need to see exactly what was
 * sent (every step of a role chain, MFA codes) or to answer with errors, throttling and skewed clocks.
 * Each request is recorded with its form parameters and headers; `reply` decides the answer.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  /** The access key id from the Authorization header, if signed. */
  accessKeyId?: string;
  region?: string;
}

export interface FakeReply {
  status?: number;
  body: string;
  headers?: Record<string, string>;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export type FakeHandler = (req: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeSts {
  url: string;
  requests: RecordedRequest[];
  reply: FakeHandler;
  close(): Promise<void>;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
let counter = 0;

export function credentialsXml(prefix = 'ASIAFAKE', expiration = new Date(Date.now() + 3600_000)): string {
  const n = ++counter;
  return (
    `<Credentials><AccessKeyId>${prefix}${String(n).padStart(8, '0')}</AccessKeyId><SecretAccessKey>secret${n}</SecretAccessKey>` +
    `<SessionToken>token${n}</SessionToken><Expiration>${expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration></Credentials>`
  );
}

export function success(action: string, inner: string): FakeReply {
  return {
    body: `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>req-${++counter}</RequestId></ResponseMetadata></${action}Response>`,
    headers: { 'content-type': 'text/xml' },
  };
}

export function failure(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): FakeReply {
  return {
    status,
    body: `<ErrorResponse xmlns="${NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>err-${++counter}</RequestId></ErrorResponse>`,
    headers: { 'content-type': 'text/xml', ...headers },
  };
}

/** A plausible answer for every operation: credentials that expire in an hour, ARNs built from the input. */
export const defaultHandler: FakeHandler = (req) => {
  const p = req.params;
  switch (p.Action) {
    case 'GetCallerIdentity':
      return success(
        'GetCallerIdentity',
        `<UserId>AIDAFAKE</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/fake</Arn>`,
      );
    case 'GetSessionToken':
      return success('GetSessionToken', credentialsXml());
    case 'AssumeRole':
    case 'AssumeRoleWithWebIdentity': {
      const role = (p.RoleArn ?? '').split('/').pop();
      const account = /::(\d{12}):/.exec(p.RoleArn ?? '')?.[1] ?? '123456789012';
      return success(
        p.Action,
        `${credentialsXml()}<AssumedRoleUser><AssumedRoleId>AROAFAKE:${p.RoleSessionName}</AssumedRoleId>` +
          `<Arn>arn:aws:sts::${account}:assumed-role/${role}/${p.RoleSessionName}</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>`,
      );
    }
    case 'GetFederationToken':
      return success(
        'GetFederationToken',
        `${credentialsXml()}<FederatedUser><FederatedUserId>123456789012:${p.Name}</FederatedUserId><Arn>arn:aws:sts::123456789012:federated-user/${p.Name}</Arn></FederatedUser>`,
      );
    case 'GetAccessKeyInfo':
      return success('GetAccessKeyInfo', '<Account>123456789012</Account>');
    default:
      return failure(400, 'InvalidAction', `Could not find operation ${p.Action} for version ${p.Version}`);
  }
};

export async function startFakeSts(reply: FakeHandler = defaultHandler): Promise<FakeSts> {
  const requests: RecordedRequest[] = [];
  const fake = { requests, reply } as FakeSts;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      const params = Object.fromEntries(new URLSearchParams(body + (query ? '&' + query : '')));
      const auth = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
      const recorded: RecordedRequest = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        params,
        accessKeyId: auth?.[1],
        region: auth?.[2],
      };
      requests.push(recorded);
      const answer = await fake.reply(recorded, requests.length - 1);
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      res.writeHead(answer.status ?? 200, { 'x-amzn-requestid': `fake-${requests.length}`, ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
