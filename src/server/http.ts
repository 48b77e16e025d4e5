/**
 * The HTTP listener (node:http): limits on header and body sizes and on slow clients, /healthz, and everything
 * else to the Query API dispatcher.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { errors } from '../protocol/errors.js';
import { models } from '../protocol/model.js';
import { renderError } from '../protocol/xml.js';
import type { App } from './app.js';
import { dispatch, type QueryRequest } from './dispatch.js';

/** Larger than any valid request: IAM policy documents reach 131,072 characters, tripled by form encoding. */
export const MAX_BODY_BYTES = 512 * 1024;
const MAX_HEADER_BYTES = 32 * 1024;

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/**
 * The Date header from the injected clock (SDKs correct their clock skew from it), formatted once a second.
 */
class DateHeader {
  private second = -1;
  private text = '';
  constructor(private readonly clock: Clock) {}
  get(): string {
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.text = new Date(second * 1000).toUTCString();
    }
    return this.text;
  }
}

function sendXml(res: ServerResponse, date: DateHeader, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'Date': date.get(),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

function sendEarlyError(res: ServerResponse, date: DateHeader, error: ReturnType<typeof errors.requestTooLarge>): void {
  const requestId = randomUUID();
  res.setHeader('Connection', 'close');
  sendXml(res, date, error.status, renderError(models().sts.metadata.xmlNamespace, error, requestId), requestId);
}

export interface HttpServerOptions {
  app: App;
  log: Logger;
  /** Whether the app is ready to serve (false while shutting down). */
  ready?: () => boolean;
}

export function createHttpServer({ app, log, ready = () => true }: HttpServerOptions): Server {
  const logError = (err: unknown, context: object) => log.error({ err, ...context }, 'request failed');
  const date = new DateHeader(app.clock);

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const request: QueryRequest = {
      method: req.method!,
      url: req.url!,
      headers: pairs(req.rawHeaders),
      body,
      sourceIp: req.socket.remoteAddress ?? '',
      secureTransport: false,
      contentType: req.headers['content-type'],
    };
    dispatch(app, request, logError).then(
      (reply) => sendXml(res, date, reply.status, reply.body, reply.requestId),
      (err) => {
        logError(err, {});
        res.destroy();
      },
    );
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
    if (req.url === '/healthz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(ok ? '{"status":"ok"}' : '{"status":"unavailable"}');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      sendEarlyError(res, date, errors.methodNotAllowed(req.method ?? ''));
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      sendEarlyError(res, date, errors.requestTooLarge(MAX_BODY_BYTES));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        if (!tooLarge) sendEarlyError(res, date, errors.requestTooLarge(MAX_BODY_BYTES));
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
