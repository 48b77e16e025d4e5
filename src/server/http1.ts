/**
 * A small, strict HTTP/1.1 server on node:net. STS requests are tiny and uniform; node:http's general machinery
 * (IncomingMessage/ServerResponse streams, per-request objects) cost more than verifying the request, so this
 * parses exactly what the Query API needs and refuses everything ambiguous:
 *
 * - one request at a time per connection, in order (pipelined requests wait their turn);
 * - Content-Length or chunked bodies, never both; conflicting lengths, obsolete line folding, bare LF line ends,
 *   control characters and malformed request lines get 400 and the connection is closed (no request smuggling).
 *   Whatever llhttp (node:http's parser) refuses is refused here too: test/server/http1-differential.test.ts checks it;
 * - limits on the header block (trailers included) and the body; deadlines for a request's head and body counted
 *   from its first byte, which trickled bytes do not push back, and an idle keep-alive timeout;
 * - caps on open connections, in total and per peer address, checked before anything is read (or any handshake);
 * - `Expect: 100-continue` answered; `Connection: close` and HTTP/1.0 honoured;
 * - over TLS (1.2 or later, HTTP/1.1 by ALPN) when given a key and certificate; the handshake has the head's time.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';

export interface Http1Request {
  method: string;
  url: string;
  /** Header pairs as received (name case kept). */
  headers: Array<[string, string]>;
  body: Buffer;
  remoteAddress: string;
  /** Whether the request came over TLS. */
  secure: boolean;
  /** The TLS connection's protocol version and cipher suite (OpenSSL's names, e.g. TLSv1.3, TLS_AES_128_GCM_SHA256). */
  tls?: TlsDetails;
  /** The last value of a header, by lower-case name. */
  header(name: string): string | undefined;
}

export interface TlsDetails {
  version: string;
  cipherSuite: string;
}

export interface Http1Response {
  status: number;
  headers: Array<[string, string]>;
  body: string | Buffer;
}

export interface Http1Limits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** From the first byte of a request (or from the accepted connection, for a TLS handshake) to its last header. */
  headersTimeoutMs: number;
  /** From the first byte of a request to the last byte of its body. */
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Open connections of this process; 0: no cap. Excess connections get a 503 (TLS: a plain close) at once. */
  maxConnections: number;
  /** Open connections of this process from one peer address (the socket's, never X-Forwarded-For); 0: no cap. */
  maxConnectionsPerAddress: number;
}

/** Refused connections that may wait for their 503 to be read at once; past this, refusals close without one. */
const MAX_REFUSING = 32;

/**
 * Past the descriptor limit accept() fails and libuv drops new connections unanswered: the cap stays below it when
 * /proc tells it, with a margin for the database, log and TLS files and for the refusals in progress.
 */
export function defaultMaxConnections(limitsFile = '/proc/self/limits'): number {
  const cap = 4096;
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync(limitsFile, 'utf8'))?.[1];
    return soft === undefined ? cap : Math.max(16, Math.min(cap, Number(soft) - 64 - 2 * MAX_REFUSING));
  } catch {
    return cap;
  }
}

export const DEFAULT_LIMITS: Http1Limits = {
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 512 * 1024,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: defaultMaxConnections(),
  maxConnectionsPerAddress: 256,
};

/** A failure that ends the connection with a plain status line (the request could not even be parsed). */
export class HttpProtocolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Handler = (req: Http1Request) => Promise<Http1Response> | Http1Response;
/** Builds the response for a request refused before it reached the handler (too large, malformed). */
export type Refusal = (status: number, reason: string) => Http1Response;

const STATUS_TEXT: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  413: 'Payload Too Large',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII, space, tab and obs-text; no CR, LF, DEL or other controls (\v, \f, NUL...).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// The target is visible ASCII only: no controls, no obs-text, no white space of any kind.
const REQUEST_LINE = /^([A-Z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
/** Methods handed to the handler (which answers 405 for most); any other gets 501, as it would from llhttp or less. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
// A chunk size (8 hex digits at most: the body limit is far below) and extensions without any white space.
const CHUNK_LINE =
  /^([0-9a-fA-F]{1,8})(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*"))?)*$/;
const MAX_CHUNK_LINE = 1024;

interface Head {
  method: string;
  url: string;
  minor: number;
  headers: Array<[string, string]>;
  byName: Map<string, string>;
}

/** Only SP and HTAB are optional white space (String.trim would also take \v, \f, NBSP and more). */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** One `name: value` line of the header or trailer section. */
function fieldLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new HttpProtocolError(400, 'malformed header line');
  const name = line.slice(0, colon);
  // A name must be a token: this also refuses obsolete line folding and white space before the colon.
  if (!TOKEN.test(name)) throw new HttpProtocolError(400, 'invalid header name');
  const value = trimOws(line.slice(colon + 1));
  if (!FIELD_VALUE.test(value)) throw new HttpProtocolError(400, 'invalid header value');
  return [name, value];
}

function parseHead(text: string): Head {
  // Bare LF never ends a line: it is left inside one, where the patterns refuse it.
  const lines = text.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) throw new HttpProtocolError(400, 'malformed request line');
  if (!METHODS.has(m[1]!)) throw new HttpProtocolError(501, 'method not implemented');
  const headers: Array<[string, string]> = [];
  const byName = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const field = fieldLine(lines[i]!);
    headers.push(field);
    const lower = field[0].toLowerCase();
    // llhttp takes spaces around a length, not tabs: neither do we.
    if (lower === 'content-length' && !/^ *\d{1,10} *$/.test(lines[i]!.slice(field[0].length + 1)))
      throw new HttpProtocolError(400, 'invalid Content-Length');
    // llhttp refuses a second Content-Length even with the same value; a second Host or Transfer-Encoding is ambiguous.
    if ((lower === 'content-length' || lower === 'transfer-encoding' || lower === 'host') && byName.has(lower)) {
      throw new HttpProtocolError(
        400,
        lower === 'content-length' ? 'conflicting Content-Length' : `repeated ${field[0]}`,
      );
    }
    byName.set(lower, field[1]);
  }
  const minor = Number(m[3]);
  if (minor === 1 && !byName.has('host')) throw new HttpProtocolError(400, 'missing Host');
  const expect = byName.get('expect');
  if (expect !== undefined && expect.toLowerCase() !== '100-continue')
    throw new HttpProtocolError(417, 'unsupported Expect');
  return { method: m[1]!, url: m[2]!, minor, headers, byName };
}

type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' };

function framing(head: Head, limits: Http1Limits): BodyFraming {
  const te = head.byName.get('transfer-encoding');
  const cl = head.byName.get('content-length');
  if (te !== undefined) {
    if (cl !== undefined) throw new HttpProtocolError(400, 'both Transfer-Encoding and Content-Length');
    // HTTP/1.0 has no transfer codings: a proxy may frame such a request differently (RFC 9112 6.1).
    if (head.minor === 0) throw new HttpProtocolError(400, 'Transfer-Encoding in HTTP/1.0');
    if (te.toLowerCase() !== 'chunked') throw new HttpProtocolError(501, 'unsupported Transfer-Encoding');
    return { kind: 'chunked' };
  }
  if (cl === undefined) return { kind: 'length', length: 0 };
  if (!/^\d{1,10}$/.test(cl)) throw new HttpProtocolError(400, 'invalid Content-Length');
  const length = Number(cl);
  if (length > limits.maxBodyBytes) throw new HttpProtocolError(413, 'body too large');
  return { kind: 'length', length };
}

/** A complete request as parsed; `close`: the connection ends after its response. */
export interface ParsedRequest extends Head {
  body: Buffer;
  close: boolean;
}

// Where the body's parse is: numbers in fields rather than an object per state keep the hot path monomorphic.
const LENGTH = 0;
const SIZE = 1;
const DATA = 2;
const DATA_END = 3;
const TRAILERS = 4;

/**
 * The request parser, apart from the socket (the differential test against llhttp drives it directly). Bytes are
 * pushed as they come; next() returns each complete request in turn. State is kept across reads: consumed bytes
 * are dropped as they are parsed and the search for a line end resumes where it stopped, so no byte is parsed
 * twice however the input is split, and every piece held is bounded by a limit.
 */
export class RequestParser {
  private buf: Buffer = EMPTY;
  /** How far into `buf` the current line (or header block) has been searched for its end. */
  private scanned = 0;
  private head: Head | undefined;
  private at = LENGTH;
  /** Body bytes still to come: of the whole body (LENGTH) or of the chunk (DATA). */
  private left = 0;
  private trailerBytes = 0;
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly limits: Http1Limits) {}

  push(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
  }

  /** Bytes received and not yet parsed. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Whether part of a request has arrived. */
  get started(): boolean {
    return this.head !== undefined || this.buf.length > 0;
  }

  /** The head of the request whose body is awaited. */
  get pendingHead(): Head | undefined {
    return this.head;
  }

  /** Drops everything (the connection is being refused). */
  reset(): void {
    this.buf = EMPTY;
    this.head = undefined;
    this.parts = [];
  }

  /** The next complete request, or undefined until more bytes come; throws HttpProtocolError on bad input. */
  next(): ParsedRequest | undefined {
    if (!this.head) {
      const end = this.buf.indexOf(CRLFCRLF, Math.max(0, this.scanned - 3));
      if (end < 0) {
        this.scanned = this.buf.length;
        if (this.buf.length > this.limits.maxHeaderBytes) throw new HttpProtocolError(431, 'headers too large');
        return undefined;
      }
      if (end > this.limits.maxHeaderBytes) throw new HttpProtocolError(431, 'headers too large');
      const head = parseHead(this.buf.toString('latin1', 0, end));
      const f = framing(head, this.limits);
      this.head = head;
      this.buf = this.buf.subarray(end + 4);
      this.scanned = 0;
      this.parts = [];
      this.size = 0;
      this.at = f.kind === 'length' ? LENGTH : SIZE;
      this.left = f.kind === 'length' ? f.length : 0;
      this.trailerBytes = 0;
    }
    const body = this.readBody();
    if (!body) return undefined;
    const head = this.head;
    this.head = undefined;
    this.parts = [];
    const connection = head.byName.get('connection')?.toLowerCase();
    const close = connection === 'close' || (head.minor === 0 && connection !== 'keep-alive');
    return {
      method: head.method,
      url: head.url,
      minor: head.minor,
      headers: head.headers,
      byName: head.byName,
      body,
      close,
    };
  }

  /** Moves up to `n` bytes of body from the buffer. */
  private take(n: number): number {
    const k = Math.min(n, this.buf.length);
    if (k > 0) {
      // Node hands every read its own buffer, so a view of it is safe to keep.
      this.parts.push(this.buf.subarray(0, k));
      this.buf = this.buf.subarray(k);
    }
    return k;
  }

  private body(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }

  /** The next CRLF-ended line (without it), or undefined; a bare LF or an over-long line is refused. */
  private line(max: number, what: string): string | undefined {
    const lf = this.buf.indexOf(10, this.scanned);
    if (lf < 0) {
      this.scanned = this.buf.length;
      if (this.buf.length > max) throw new HttpProtocolError(what === 'trailer' ? 431 : 400, `${what} too long`);
      return undefined;
    }
    if (lf === 0 || this.buf[lf - 1] !== 13) throw new HttpProtocolError(400, `bare LF in ${what}`);
    if (lf - 1 > max) throw new HttpProtocolError(what === 'trailer' ? 431 : 400, `${what} too long`);
    const text = this.buf.toString('latin1', 0, lf - 1);
    this.buf = this.buf.subarray(lf + 1);
    this.scanned = 0;
    return text;
  }

  private readBody(): Buffer | undefined {
    for (;;) {
      switch (this.at) {
        case LENGTH:
          this.left -= this.take(this.left);
          return this.left === 0 ? this.body() : undefined;
        case SIZE: {
          const line = this.line(MAX_CHUNK_LINE, 'chunk size line');
          if (line === undefined) return undefined;
          const m = CHUNK_LINE.exec(line);
          if (!m) throw new HttpProtocolError(400, 'malformed chunk size');
          const n = parseInt(m[1]!, 16);
          if (n === 0) {
            this.at = TRAILERS;
            break;
          }
          this.size += n;
          if (this.size > this.limits.maxBodyBytes) throw new HttpProtocolError(413, 'body too large');
          this.at = DATA;
          this.left = n;
          break;
        }
        case DATA:
          this.left -= this.take(this.left);
          if (this.left > 0) return undefined;
          this.at = DATA_END;
          break;
        case DATA_END:
          if (this.buf.length < 2) {
            if (this.buf.length === 1 && this.buf[0] !== 13) throw new HttpProtocolError(400, 'malformed chunk');
            return undefined;
          }
          if (this.buf[0] !== 13 || this.buf[1] !== 10) throw new HttpProtocolError(400, 'malformed chunk');
          this.buf = this.buf.subarray(2);
          this.at = SIZE;
          break;
        default: {
          // Trailers count against the header limit, are checked like header lines, and are then dropped.
          const line = this.line(this.limits.maxHeaderBytes - this.trailerBytes, 'trailer');
          if (line === undefined) return undefined;
          if (line === '') return this.body();
          this.trailerBytes += line.length + 2;
          // Framing fields cannot come after the body they would frame (RFC 9110 6.5.1); llhttp refuses them too.
          const name = fieldLine(line)[0].toLowerCase();
          if (name === 'content-length' || name === 'transfer-encoding')
            throw new HttpProtocolError(400, `${name} in trailers`);
        }
      }
    }
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
  private readonly parser: RequestParser;
  private busy = false;
  private closing = false;
  /** When the request being received began (its first byte; the answer to the one before, if it was pipelined). */
  private started = 0;
  /** When the connection is cut unless something happens first: absolute, never pushed back by trickled bytes. */
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (0: none). It may fire early: it then waits on for the rest of the deadline. */
  private timerAt = 0;
  private sentContinue = false;
  private readonly keepAliveSeconds: number;
  /** Read once per connection: the handshake is over when the connection is served. */
  private readonly tls: TlsDetails | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: Handler,
    private readonly refuse: Refusal,
    private readonly limits: Http1Limits,
    private readonly secure: boolean,
  ) {
    this.parser = new RequestParser(limits);
    if (secure) {
      const tlsSocket = socket as TLSSocket;
      this.tls = {
        version: tlsSocket.getProtocol() ?? 'unknown',
        cipherSuite: tlsSocket.getCipher()?.name ?? 'unknown',
      };
    }
    this.keepAliveSeconds = Math.floor(limits.keepAliveTimeoutMs / 1000);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clearTimer());
    this.setDeadline(performance.now() + limits.keepAliveTimeoutMs);
  }

  /** Ends the connection once the request in progress (if any) is answered. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy) this.socket.end();
  }

  /**
   * Most deadlines are set while a timer is already pending for an earlier time (the keep-alive after every
   * response): then nothing is done here, and that timer, on firing, waits for the remainder. So a busy
   * connection makes one timer per keep-alive period, not one per request.
   */
  private setDeadline(at: number): void {
    this.deadline = at;
    if (this.timerAt !== 0 && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, at - performance.now()));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = 0;
  }

  private onTimer(): void {
    this.timerAt = 0;
    this.timer = undefined;
    if (this.busy || this.socket.destroyed) return; // respond() sets the next deadline
    const now = performance.now();
    if (now < this.deadline) {
      this.setDeadline(this.deadline);
      return;
    }
    if (!this.parser.started)
      this.socket.destroy(); // idle keep-alive connection
    else this.fail(408, 'request timeout');
  }

  private onData(d: Buffer): void {
    if (this.closing) return;
    if (!this.busy && !this.parser.started) this.started = performance.now();
    this.parser.push(d);
    if (!this.busy) this.process();
    // A client that keeps sending while its request is being answered is held back, not buffered without end.
    else if (this.parser.buffered > this.limits.maxHeaderBytes + this.limits.maxBodyBytes) this.socket.pause();
  }

  private process(): void {
    try {
      while (!this.busy && !this.closing) {
        const req = this.parser.next();
        if (req) {
          this.dispatch(req);
          continue;
        }
        if (!this.parser.started) return; // keep-alive deadline set by respond()
        const head = this.parser.pendingHead;
        if (head) this.maybeContinue(head);
        this.setDeadline(this.started + (head ? this.limits.bodyTimeoutMs : this.limits.headersTimeoutMs));
        return;
      }
    } catch (err) {
      if (err instanceof HttpProtocolError) this.fail(err.status, err.message);
      else this.socket.destroy();
    }
  }

  private maybeContinue(head: Head): void {
    if (!this.sentContinue && head.byName.get('expect')?.toLowerCase() === '100-continue') {
      this.sentContinue = true;
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
  }

  private dispatch(head: ParsedRequest): void {
    this.busy = true;
    this.sentContinue = false;
    const close = this.closing || head.close;
    const req: Http1Request = {
      method: head.method,
      url: head.url,
      headers: head.headers,
      body: head.body,
      remoteAddress: this.socket.remoteAddress ?? '',
      secure: this.secure,
      tls: this.tls,
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
      this.parser.reset();
      this.socket.end();
      return;
    }
    const now = performance.now();
    // Bytes that came while this request was answered are the next request: its time starts now.
    this.started = now;
    this.setDeadline(now + this.limits.keepAliveTimeoutMs);
    this.socket.resume();
    if (this.parser.started) this.process();
  }

  /** Answers a request that cannot be parsed or accepted, then closes: the stream can no longer be trusted. */
  private fail(status: number, reason: string): void {
    this.closing = true;
    this.parser.reset();
    if (!this.socket.destroyed) this.socket.end(serialize(this.refuse(status, reason), true, 0));
  }
}

export interface Http1Server {
  /** A node:tls server (a node:net one underneath) when serving TLS. */
  server: Server;
  secure: boolean;
  /** Open connections (of this process), for tests and metrics. */
  connections(): number;
  /** Stops accepting, lets requests in progress finish, closes idle connections; cuts the rest after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** Normalises an IPv4-mapped IPv6 peer (a dual-stack listener) so both spellings count as one address. */
const peerOf = (socket: Socket) => {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
};

/** `tls`: the key and certificate (and any other context options) to serve HTTPS with; plain HTTP without. */
export function createHttp1Server(
  handler: Handler,
  refuse: Refusal,
  limits: Http1Limits = DEFAULT_LIMITS,
  tls?: SecureContextOptions,
): Http1Server {
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const perAddress = new Map<string, number>();
  let open = 0;
  let refusing = 0;
  let closing = false;
  const secure = tls !== undefined;
  /** TLS sockets whose handshake is under way, by peer address and port, with the timer that bounds it. */
  const handshakes = new Map<string, NodeJS.Timeout>();

  /**
   * Counts a new TCP connection (before any TLS handshake) or refuses it at once: past a cap, a connection costs
   * a descriptor for as long as it takes to say so, and the clients already served keep theirs.
   */
  const admit = (raw: Socket): boolean => {
    const address = peerOf(raw);
    const mine = perAddress.get(address) ?? 0;
    const over =
      (limits.maxConnections > 0 && open >= limits.maxConnections) ||
      (limits.maxConnectionsPerAddress > 0 && mine >= limits.maxConnectionsPerAddress);
    if (closing || over) {
      // A flood of refusals must not hold descriptors itself: only a few wait for their 503 to be read.
      if (closing || secure || refusing >= MAX_REFUSING) raw.destroy();
      else {
        refusing++;
        // Read and drop what the client sends, so that closing does not reset the connection before it reads the 503.
        raw.on('error', () => raw.destroy());
        raw.once('close', () => refusing--);
        raw.resume();
        raw.end(serialize(refuse(503, 'too many connections'), true, 0));
        setTimeout(() => raw.destroy(), 1000).unref();
      }
      return false;
    }
    open++;
    perAddress.set(address, mine + 1);
    raw.once('close', () => {
      open--;
      const n = perAddress.get(address)! - 1;
      if (n === 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
    return true;
  };

  const serve = (socket: Socket) => {
    sockets.add(socket);
    const c = new Connection(socket, handler, refuse, limits, secure);
    connections.add(c);
    socket.on('close', () => {
      connections.delete(c);
      sockets.delete(socket);
    });
  };

  let server: Server;
  if (secure) {
    // Node's handshakeTimeout is an idle timer that every byte restarts; this deadline is absolute.
    server = createTlsServer({ ...tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] }, (socket) => {
      const key = `${socket.remoteAddress}|${socket.remotePort}`;
      clearTimeout(handshakes.get(key));
      handshakes.delete(key);
      if (closing) socket.destroy();
      else serve(socket);
    });
    server.on('connection', (raw: Socket) => {
      if (!admit(raw)) return;
      const key = `${raw.remoteAddress}|${raw.remotePort}`;
      handshakes.set(
        key,
        setTimeout(() => {
          handshakes.delete(key);
          raw.destroy();
        }, limits.headersTimeoutMs),
      );
      raw.once('close', () => {
        clearTimeout(handshakes.get(key));
        handshakes.delete(key);
      });
    });
    // A failed or cut handshake: the socket is already destroyed; nothing to answer.
    server.on('tlsClientError', () => {});
  } else {
    server = createServer((socket) => {
      if (admit(socket)) serve(socket);
    });
  }
  return {
    server,
    secure,
    connections: () => open,
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
