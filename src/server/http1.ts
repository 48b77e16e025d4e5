/**
 * A small, strict HTTP/1.1 server on node:net. STS requests are tiny and uniform; node:http's general machinery
 * (IncomingMessage/ServerResponse streams, per-request objects) cost more than verifying the request, so this
 * parses exactly what the Query API needs and refuses everything ambiguous:
 *
 * - one request at a time per connection, in order (pipelined requests wait their turn);
 * - Content-Length or chunked bodies, never both; conflicting lengths, obsolete line folding, bare LF line ends,
 *   control characters and malformed request lines get 400 and the connection is closed (no request smuggling);
 * - limits on the header block, the body, and on time (headers, body, idle keep-alive) against slow clients;
 * - `Expect: 100-continue` answered; `Connection: close` and HTTP/1.0 honoured;
 * - over TLS (1.2 or later, HTTP/1.1 by ALPN) when given a key and certificate; the handshake has the headers' time.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions } from 'node:tls';

export interface Http1Request {
  method: string;
  url: string;
  /** Header pairs as received (name case kept). */
  headers: Array<[string, string]>;
  body: Buffer;
  remoteAddress: string;
  /** Whether the request came over TLS. */
  secure: boolean;
  /** The last value of a header, by lower-case name. */
  header(name: string): string | undefined;
}

export interface Http1Response {
  status: number;
  headers: Array<[string, string]>;
  body: string | Buffer;
}

export interface Http1Limits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: Http1Limits = {
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 512 * 1024,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** A failure that ends the connection with a plain status line (the request could not even be parsed). */
export class HttpProtocolError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Handler = (req: Http1Request) => Promise<Http1Response> | Http1Response;
/** Builds the response for a request refused before it reached the handler (too large, malformed). */
export type Refusal = (status: number, reason: string) => Http1Response;

const STATUS_TEXT: Record<number, string> = {
  100: 'Continue', 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 409: 'Conflict', 411: 'Length Required', 413: 'Payload Too Large',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

const CRLFCRLF = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, space, tab and obs-text; no CR, LF or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/;

interface Head {
  method: string;
  url: string;
  minor: number;
  headers: Array<[string, string]>;
  byName: Map<string, string>;
}

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) throw new HttpProtocolError(400, 'malformed request line');
  const headers: Array<[string, string]> = [];
  const byName = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpProtocolError(400, 'malformed header line');
    const name = line.slice(0, colon);
    // A name must be a token: this also refuses obsolete line folding (a line starting with white space).
    if (!TOKEN.test(name)) throw new HttpProtocolError(400, 'invalid header name');
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new HttpProtocolError(400, 'invalid header value');
    headers.push([name, value]);
    const lower = name.toLowerCase();
    const prev = byName.get(lower);
    if (lower === 'content-length' && prev !== undefined && prev !== value) throw new HttpProtocolError(400, 'conflicting Content-Length');
    if ((lower === 'transfer-encoding' || lower === 'host') && prev !== undefined) throw new HttpProtocolError(400, `repeated ${name}`);
    byName.set(lower, value);
  }
  return { method: m[1]!, url: m[2]!, minor: Number(m[3]), headers, byName };
}

type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' };

function framing(head: Head, limits: Http1Limits): BodyFraming {
  const te = head.byName.get('transfer-encoding');
  const cl = head.byName.get('content-length');
  if (te !== undefined) {
    if (cl !== undefined) throw new HttpProtocolError(400, 'both Transfer-Encoding and Content-Length');
    if (te.toLowerCase() !== 'chunked') throw new HttpProtocolError(501, 'unsupported Transfer-Encoding');
    return { kind: 'chunked' };
  }
  if (cl === undefined) return { kind: 'length', length: 0 };
  if (!/^\d{1,10}$/.test(cl)) throw new HttpProtocolError(400, 'invalid Content-Length');
  const length = Number(cl);
  if (length > limits.maxBodyBytes) throw new HttpProtocolError(413, 'body too large');
  return { kind: 'length', length };
}

/**
 * Decodes a chunked body at the start of `buf`. Returns the body and the bytes consumed, or undefined when more
 * input is needed. Trailers are read and ignored.
 */
function decodeChunked(buf: Buffer, limits: Http1Limits): { body: Buffer; used: number } | undefined {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) {
      if (buf.length - pos > 64) throw new HttpProtocolError(400, 'malformed chunk size');
      return undefined;
    }
    const sizeText = buf.toString('latin1', pos, eol).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new HttpProtocolError(400, 'malformed chunk size');
    const n = parseInt(sizeText, 16);
    pos = eol + 2;
    if (n === 0) {
      // Trailer section: header lines until an empty line.
      for (;;) {
        const end = buf.indexOf('\r\n', pos);
        if (end < 0) {
          if (buf.length - pos > limits.maxHeaderBytes) throw new HttpProtocolError(431, 'trailers too large');
          return undefined;
        }
        const empty = end === pos;
        pos = end + 2;
        if (empty) return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), used: pos };
      }
    }
    size += n;
    if (size > limits.maxBodyBytes) throw new HttpProtocolError(413, 'body too large');
    if (buf.length < pos + n + 2) return undefined;
    if (buf[pos + n] !== 13 || buf[pos + n + 1] !== 10) throw new HttpProtocolError(400, 'malformed chunk');
    parts.push(buf.subarray(pos, pos + n));
    pos += n + 2;
  }
}

/** The response as one write: header values are ASCII, so head and a string body encode together as UTF-8. */
function serialize(res: Http1Response, close: boolean, keepAliveSeconds: number): string | Buffer {
  const length = typeof res.body === 'string' ? Buffer.byteLength(res.body) : res.body.length;
  let head = `HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of res.headers) head += `${k}: ${v}\r\n`;
  head += `Content-Length: ${length}\r\n`;
  // Telling clients when an idle connection will be closed keeps them from reusing one just as it goes.
  head += close ? 'Connection: close\r\n\r\n' : `Keep-Alive: timeout=${keepAliveSeconds}\r\n\r\n`;
  return typeof res.body === 'string' ? head + res.body : Buffer.concat([Buffer.from(head, 'latin1'), res.body]);
}

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private busy = false;
  private closing = false;
  private head: Head | undefined;
  private body: BodyFraming | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  /** Whether the timer counts: a stopped timer is left to fire and ignored rather than cleared and recreated. */
  private timerArmed = false;
  private sentContinue = false;
  private readonly keepAliveSeconds: number;

  constructor(
    private readonly socket: Socket,
    private readonly handler: Handler,
    private readonly refuse: Refusal,
    private readonly limits: Http1Limits,
    private readonly secure: boolean,
  ) {
    this.keepAliveSeconds = Math.floor(limits.keepAliveTimeoutMs / 1000);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clearTimer());
    this.arm(limits.keepAliveTimeoutMs);
  }

  /** Ends the connection once the request in progress (if any) is answered. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy) this.socket.end();
  }

  /** (Re)starts the one timer of the connection; refreshing it costs less than a new one per request. */
  private arm(ms: number): void {
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
    } else {
      this.clearTimer();
      this.timer = setTimeout(() => this.onTimeout(), ms);
      this.timerMs = ms;
    }
    this.timerArmed = true;
  }

  private stopTimer(): void {
    this.timerArmed = false;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerArmed = false;
  }

  private onTimeout(): void {
    if (!this.timerArmed || this.busy) return;
    if (this.buf.length === 0 && !this.head) this.socket.destroy(); // idle keep-alive connection
    else this.fail(408, 'request timeout');
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.busy) this.process();
    // A client that keeps sending while its request is being answered is held back, not buffered without end.
    else if (this.buf.length > this.limits.maxHeaderBytes + this.limits.maxBodyBytes) this.socket.pause();
  }

  private process(): void {
    try {
      while (!this.busy && !this.closing && this.buf.length) {
        if (!this.head) {
          const end = this.buf.indexOf(CRLFCRLF);
          if (end < 0) {
            if (this.buf.length > this.limits.maxHeaderBytes) throw new HttpProtocolError(431, 'headers too large');
            this.arm(this.limits.headersTimeoutMs);
            return;
          }
          if (end > this.limits.maxHeaderBytes) throw new HttpProtocolError(431, 'headers too large');
          this.head = parseHead(this.buf.toString('latin1', 0, end));
          this.buf = this.buf.subarray(end + 4);
          this.body = framing(this.head, this.limits);
          this.sentContinue = false;
        }
        const body = this.readBody();
        if (!body) {
          this.arm(this.limits.bodyTimeoutMs);
          return;
        }
        this.dispatch(this.head, body);
      }
    } catch (err) {
      if (err instanceof HttpProtocolError) this.fail(err.status, err.message);
      else this.socket.destroy();
    }
  }

  private readBody(): Buffer | undefined {
    const framing = this.body!;
    if (framing.kind === 'length') {
      if (this.buf.length < framing.length) {
        this.maybeContinue();
        return undefined;
      }
      // Node hands every read its own buffer, so a view of it is safe to keep.
      const body = this.buf.subarray(0, framing.length);
      this.buf = this.buf.subarray(framing.length);
      return body;
    }
    const decoded = decodeChunked(this.buf, this.limits);
    if (!decoded) {
      this.maybeContinue();
      return undefined;
    }
    this.buf = this.buf.subarray(decoded.used);
    return Buffer.from(decoded.body);
  }

  private maybeContinue(): void {
    if (!this.sentContinue && this.head!.byName.get('expect')?.toLowerCase() === '100-continue') {
      this.sentContinue = true;
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
  }

  private dispatch(head: Head, body: Buffer): void {
    this.head = undefined;
    this.busy = true;
    this.stopTimer();
    const connection = head.byName.get('connection')?.toLowerCase();
    const close = this.closing || connection === 'close' || (head.minor === 0 && connection !== 'keep-alive');
    const req: Http1Request = {
      method: head.method,
      url: head.url,
      headers: head.headers,
      body,
      remoteAddress: this.socket.remoteAddress ?? '',
      secure: this.secure,
      header: (name) => head.byName.get(name),
    };
    let reply: Promise<Http1Response>;
    try {
      reply = Promise.resolve(this.handler(req));
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (res) => this.respond(res, close),
      () => this.respond(this.refuse(500, 'internal error'), true),
    );
  }

  private respond(res: Http1Response, close: boolean): void {
    this.busy = false;
    if (this.socket.destroyed) return;
    this.socket.write(serialize(res, close || this.closing, this.keepAliveSeconds));
    if (close || this.closing) {
      this.closing = true;
      this.socket.end();
      return;
    }
    this.arm(this.limits.keepAliveTimeoutMs);
    this.socket.resume();
    if (this.buf.length) this.process();
  }

  /** Answers a request that cannot be parsed or accepted, then closes: the stream can no longer be trusted. */
  private fail(status: number, reason: string): void {
    this.closing = true;
    this.buf = Buffer.alloc(0);
    if (!this.socket.destroyed) this.socket.end(serialize(this.refuse(status, reason), true, 0));
  }
}

export interface Http1Server {
  /** A node:tls server (a node:net one underneath) when serving TLS. */
  server: Server;
  secure: boolean;
  /** Stops accepting, lets requests in progress finish, closes idle connections; cuts the rest after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** `tls`: the key and certificate (and any other context options) to serve HTTPS with; plain HTTP without. */
export function createHttp1Server(
  handler: Handler, refuse: Refusal, limits: Http1Limits = DEFAULT_LIMITS, tls?: SecureContextOptions,
): Http1Server {
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  let closing = false;
  const secure = tls !== undefined;
  const accept = (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const c = new Connection(socket, handler, refuse, limits, secure);
    connections.add(c);
    socket.on('close', () => {
      connections.delete(c);
      sockets.delete(socket);
    });
  };
  const server = secure
    ? createTlsServer({ ...tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], handshakeTimeout: limits.headersTimeoutMs }, accept)
    : createServer(accept);
  return {
    server,
    secure,
    close(graceMs = 2000) {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.shutdown();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs).unref();
      });
    },
  };
}
