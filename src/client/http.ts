/**
 * A minimal HTTP/1.1 client over node:net / node:tls: one request per connection (`Connection: close`),
 * Content-Length or chunked bodies. The client's calls are a few small requests per process, and node:http
 * costs ~10 ms more to load and warm up than this (and fetch/undici ~80 ms): that is the CLI's start-up budget.
 * TLS verifies certificates as node does, with AWS_CA_BUNDLE (or NODE_EXTRA_CA_CERTS) for private CAs.
 */
import { readFileSync } from 'node:fs';

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface HttpRequestOptions {
  readonly method: string;
  /** Absolute URL (http or https). The request target is its path and query. */
  readonly url: URL;
  /** Sent as given (names as written); host, content-length and connection are added when absent. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Milliseconds from connected to the whole response (default 10 s): a server that accepts and never answers. */
  readonly timeoutMs?: number;
  /** Milliseconds to establish the connection, TLS included (default: timeoutMs): a host that drops packets. */
  readonly connectTimeoutMs?: number;
  /** PEM CA bundle file for https (AWS_CA_BUNDLE). */
  readonly caBundle?: string;
}

/**
 * Process-wide settings of the CLI's global options (--ca-bundle, --no-verify-ssl, --debug): they must reach every
 * request, including those the credential providers make deep inside a chain, so they are set once here rather
 * than threaded through every client.
 */
export const httpSettings: {
  /** Wins over a request's own caBundle (the aws CLI's --ca-bundle beats AWS_CA_BUNDLE and ca_bundle). */
  caBundle?: string;
  /** false: --no-verify-ssl. */
  verify?: boolean;
  /** Told of each request once it ends: method, URL without its query (a presigned URL's is a credential), status or error code, time. */
  debug?: (line: string) => void;
} = {};

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export async function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const debug = httpSettings.debug;
  if (!debug) return send(options);
  const started = performance.now();
  const what = `${options.method} ${options.url.origin}${options.url.pathname}`;
  const ms = () => `${(performance.now() - started).toFixed(1)} ms`;
  try {
    const res = await send(options);
    debug(`${what} -> ${res.status} (${ms()})`);
    return res;
  } catch (err) {
    debug(`${what} -> ${(err as HttpError).code ?? 'error'} (${ms()})`);
    throw err;
  }
}

async function send(options: HttpRequestOptions): Promise<HttpResponse> {
  const { url } = options;
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new HttpError(`unsupported protocol ${url.protocol}`, 'EPROTO');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (secure ? 443 : 80));
  const body =
    options.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string> = { ...options.headers };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('host')) headers.host = url.host;
  if (!has('content-length') && (body.length > 0 || options.method !== 'GET'))
    headers['content-length'] = String(body.length);
  if (!has('connection')) headers.connection = 'close';
  let head = `${options.method} ${url.pathname || '/'}${url.search} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new HttpError(`header ${k} contains a line break`, 'EINVAL');
    head += `${k}: ${v}\r\n`;
  }
  const request = Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), body]);

  let socket: import('node:net').Socket;
  if (secure) {
    const tls = await import('node:tls');
    const { isIP } = await import('node:net');
    const caFile = httpSettings.caBundle ?? options.caBundle;
    let ca: string | undefined;
    if (caFile) {
      try {
        ca = readFileSync(caFile, 'utf8');
      } catch (err) {
        throw new HttpError(`cannot read the CA bundle ${caFile}: ${(err as NodeJS.ErrnoException).code}`, 'ECABUNDLE');
      }
    }
    socket = tls.connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      ...(ca && { ca: [...tls.rootCertificates, ca] }),
      ...(httpSettings.verify === false && { rejectUnauthorized: false }),
    });
  } else {
    socket = (await import('node:net')).connect({ host, port });
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(response!);
    };
    const tryParse = (ended: boolean) => {
      let parsed: HttpResponse | undefined;
      try {
        parsed = parseResponse(Buffer.concat(chunks), ended);
      } catch (err) {
        return finish(err as Error);
      }
      if (parsed) finish(undefined, parsed);
      else if (ended) finish(new HttpError('the connection closed before a complete HTTP response', 'ECONNRESET'));
    };
    // Two absolute deadlines, not an idle timeout: a server trickling bytes must not hold the client forever.
    const responseMs = options.timeoutMs ?? 10_000;
    const connectMs = options.connectTimeoutMs ?? responseMs;
    let timer = setTimeout(() => finish(new HttpError(`not connected within ${connectMs} ms`, 'ETIMEDOUT')), connectMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new HttpError(`no answer within ${responseMs} ms`, 'ETIMEDOUT')), responseMs);
    });
    socket.once('close', () => clearTimeout(timer));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new HttpError(err.message, err.code ?? 'ECONNRESET')));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.write(request);
  });
}

/** The response if `data` holds a complete one (undefined: wait for more). Interim 1xx responses are skipped. */
export function parseResponse(data: Buffer, ended: boolean): HttpResponse | undefined {
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd < 0) {
      if (data.length - offset > 64 * 1024) throw new HttpError('HTTP response headers are too large', 'EPROTO');
      return undefined;
    }
    const lines = data.toString('latin1', offset, headEnd).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]!);
    if (!m) throw new HttpError(`not an HTTP/1.1 response: ${JSON.stringify(lines[0]!.slice(0, 40))}`, 'EPROTO');
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      const body = dechunk(data, bodyStart);
      return body && { status, headers, body };
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const n = Number(length);
      if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(`bad Content-Length ${length}`, 'EPROTO');
      if (data.length - bodyStart < n) return undefined;
      return { status, headers, body: data.subarray(bodyStart, bodyStart + n) };
    }
    if (status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    return ended ? { status, headers, body: data.subarray(bodyStart) } : undefined;
  }
}

function dechunk(data: Buffer, start: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new HttpError('bad chunk size in HTTP response', 'EPROTO');
    at = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts); // trailers, if any, are ignored
    if (data.length < at + size + 2) return undefined;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}
