/**
 * Our request parser (http1.ts) against Node's own, llhttp, behind a node:http server with default options, over a
 * corpus of framing cases generated from a grammar (fixed seed): every interesting byte around and inside request
 * lines, header names and values, Content-Length and Transfer-Encoding spellings and combinations, chunk sizes,
 * extensions and trailers, line ends, pipelining, plus the known request smuggling shapes.
 *
 * The rule: we may refuse more than llhttp, never less. Each request we accept must be one llhttp accepted too, in
 * the same place of the stream, with the same method, target, header fields and body. Our parser is also fed each
 * case split at random points, and must see exactly what it saw from one piece (its state is kept across reads).
 *
 * OPENSTS_DIFF_SEED and OPENSTS_DIFF_CASES run other or longer corpora.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { DEFAULT_LIMITS, HttpProtocolError, RequestParser } from '../../src/server/http1.js';

const SEED = Number(process.env.OPENSTS_DIFF_SEED ?? 20261203);
const CASES = Number(process.env.OPENSTS_DIFF_CASES ?? 4000);

/** mulberry32: small, deterministic. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  /** The first (valid) choice most of the time, so that many cases get far enough to compare what was parsed. */
  const mostly = <T>(valid: T, odd: readonly T[], p = 0.8): T => (next() < p ? valid : pick(odd));
  return { next, pick, mostly };
}

// Bytes that parsers disagree on: white space of every kind, controls, DEL, obs-text (NBSP is \xa0).
const ODD_BYTES = ['\t', '\v', '\f', '\xa0', '\x00', '\r', '\n', '\x7f', '\x80', '\xff', ' ', '\x01', '\x1b', '\x85'];
const EOLS = ['\n', '\r', '\r\r\n', '\n\r', ' \r\n', '\r\n\r\n'];
const METHODS = [
  'get',
  'HEAD',
  'PROPFIND',
  'CONNECT',
  'TRACE',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'G ET',
  'POST\x00',
  'FOO',
  '',
];
const TARGETS = [
  '/?Action=GetCallerIdentity',
  '*',
  'http://x/',
  '/a b',
  '/a\tb',
  '/\x01',
  '/\x7f',
  '/\xa0',
  '/\x80\xff',
  '',
  '//',
  '/%00',
  '/a#b',
  '/\x0b',
  '/\x0c',
];
const VERSIONS = [
  'HTTP/1.0',
  'HTTP/1.2',
  'HTTP/2.0',
  'HTTP/0.9',
  'http/1.1',
  'HTTP/1.1 ',
  'HTTP/11',
  'HTTP/1.1\x00',
  'HTTP/ 1.1',
];
const NAMES = [
  'X-A',
  'x-a',
  'X A',
  'X-A ',
  '\tX-A',
  ' X-A',
  'X\x00A',
  'X\xa0A',
  'X-A\t',
  '',
  'X:A',
  'X@A',
  'X-\x7fA',
  'Content-Length\v',
  '\vHost',
];
const CL_VALUES = [
  '5',
  ' 5',
  '5 ',
  '\t5\t',
  '\v5',
  '5\f',
  '\xa05',
  '5\xa0',
  '+5',
  '-5',
  '0x5',
  '05',
  '5,5',
  '5, 5',
  '',
  '99999999999',
  '5.0',
  '5\x00',
  '0',
  '10',
  '3',
];
const TE_VALUES = [
  'chunked',
  'Chunked',
  'CHUNKED',
  ' chunked',
  'chunked ',
  '\tchunked',
  '\vchunked',
  'chunked\v',
  '\fchunked',
  'chunked\xa0',
  '\xa0chunked',
  'chunked, identity',
  'identity, chunked',
  'gzip, chunked',
  'chunked, gzip',
  'identity',
  'chunked, chunked',
  'xchunked',
  'chunked;q=1',
  '"chunked"',
  'chunk',
  'chunked\x00',
  'chunked,',
  ',chunked',
  'gzip',
  'chunked\r',
];
const VALUES = ['1', 'a b', 'a\tb', '', ' ', 'caf\xe9', 'a,b', '"q"', 'x'.repeat(100)];
const CHUNK_SIZES = [
  '05',
  '5 ',
  ' 5',
  '5\t',
  'fffffffff',
  '0x5',
  '-5',
  '+5',
  '5;',
  '5;a',
  '5;a=b',
  '5;a="q"',
  '5; a=b',
  '5;a =b',
  '5;a= b',
  '5;a\nb',
  '5;a=\x01',
  '5;a="\\"x"',
  '5;a="\x7f"',
  '5;a=b;c',
  '5\x00',
  '',
  '05;ext',
  '5;a="q',
  '5;;',
  '5;=x',
];
const TRAILERS = [
  'X-T: 1',
  'X T: 1',
  'X-T:\x00',
  'Content-Length: 5',
  'Transfer-Encoding: chunked',
  ' X-T: 1',
  'X-T: a\vb',
  'X-T\t: 1',
  ':x',
  'X-T: \xa0',
  'X-T 1',
];

function generate(g: ReturnType<typeof rng>): string {
  // How odd this case is: odd choices are made `scale` times as often as the grammar's weights say, so that the
  // corpus has many near-valid cases (one odd byte among good framing) as well as thoroughly broken ones.
  const scale = g.pick([0.05, 0.15, 0.4, 1]);
  const r = { ...g, mostly: <T>(valid: T, odd: readonly T[], p = 0.8): T => g.mostly(valid, odd, 1 - (1 - p) * scale) };
  const eol = () => r.mostly('\r\n', EOLS, 0.93);
  const odd = () => r.pick(ODD_BYTES);
  /** A string with an odd byte put at its start, its end or its middle, sometimes. */
  const salt = (s: string, p = 0.9) => {
    if (r.next() < 1 - (1 - p) * scale) return s;
    const at = r.pick([0, s.length, Math.floor(s.length / 2)]);
    return s.slice(0, at) + odd() + s.slice(at);
  };
  const request = (): string => {
    const method = r.mostly(r.pick(['GET', 'POST']), METHODS, 0.85);
    const target = salt(r.mostly('/', TARGETS, 0.85));
    const version = r.mostly('HTTP/1.1', VERSIONS, 0.85);
    const sp = r.mostly(' ', ['  ', '\t', '\v', '\f', '\xa0', '', '\x00'], 0.95);
    let head = `${method}${sp}${target} ${version}${eol()}`;
    const fields: string[] = [];
    if (r.next() < 0.9)
      fields.push(
        `${r.mostly('Host', ['host', 'HOST', 'Host ', ' Host'], 0.95)}: ${salt(r.mostly('x', ['', 'a b', 'x:1', 'x, y']))}`,
      );
    if (r.next() < 0.1) fields.push('Host: second');
    for (let i = Math.floor(r.next() * 3); i > 0; i--) {
      fields.push(
        `${salt(r.mostly('X-A', NAMES))}${r.mostly(':', [' :', '\t:', '::', ''], 0.95)}${r.mostly(' ', ['', '\t', '  ', '\v', '\f', '\xa0'], 0.8)}${salt(r.pick(VALUES), 0.7)}`,
      );
    }
    // Framing: none, Content-Length, chunked, or both, with every spelling above; sometimes twice.
    const framing = r.pick(['none', 'cl', 'cl', 'te', 'te', 'te', 'both', 'both-rev', 'cl-cl', 'te-te']);
    const body = r.pick(['hello', '', 'abc', 'helloworld']);
    const clName = () =>
      r.mostly(
        'Content-Length',
        ['content-length', 'Content-length', 'Content-Length ', 'Content_Length', 'Content-Length\t'],
        0.9,
      );
    const teName = () =>
      r.mostly(
        'Transfer-Encoding',
        ['transfer-encoding', 'Transfer-Encoding ', 'Transfer_Encoding', ' Transfer-Encoding', 'Transfer-Encoding\v'],
        0.9,
      );
    const cl = () => `${clName()}: ${r.mostly(String(body.length), CL_VALUES, 0.7)}`;
    const te = () => `${teName()}:${r.mostly(' ', ['', '\t', '\v'], 0.9)}${r.mostly('chunked', TE_VALUES, 0.6)}`;
    if (framing === 'cl') fields.push(cl());
    if (framing === 'te') fields.push(te());
    if (framing === 'both') fields.push(cl(), te());
    if (framing === 'both-rev') fields.push(te(), cl());
    if (framing === 'cl-cl') fields.push(cl(), r.next() < 0.5 ? cl() : `Content-Length: ${body.length}`);
    if (framing === 'te-te') fields.push(te(), te());
    if (r.next() < 0.1)
      fields.push(
        r.pick([
          'Expect: 100-continue',
          'Expect: 100-Continue',
          'Expect: 200-ok',
          'Connection: close',
          'Connection: keep-alive',
          'Upgrade: h2c',
        ]),
      );
    if (r.next() < 0.03) fields.push('X-Folded: a', `${r.pick([' ', '\t'])}b`);
    for (const f of fields.sort(() => r.next() - 0.5)) head += f + eol();
    head += eol();
    if (framing === 'none') return head;
    if (framing === 'cl' || framing === 'cl-cl') return head + body;
    // A chunked body (also sent after CL+TE: that is where a smuggled request hides).
    let chunks = '';
    let rest = body;
    while (rest.length) {
      const n = Math.min(rest.length, 1 + Math.floor(r.next() * 5));
      chunks += `${r.mostly(
        n.toString(16),
        CHUNK_SIZES.map((s) => s.replace('5', n.toString(16))),
        0.85,
      )}${eol()}${rest.slice(0, n)}${r.mostly('\r\n', ['\n', '', 'x\r\n', '\r'], 0.93)}`;
      rest = rest.slice(n);
    }
    chunks += `${r.mostly('0', ['00', '0 ', '0;a=b', '0\t', '000000000'], 0.9)}${eol()}`;
    for (let i = r.next() < 0.3 ? 1 + Math.floor(r.next() * 2) : 0; i > 0; i--)
      chunks += r.mostly('X-T: 1', TRAILERS, 0.5) + eol();
    return head + chunks + eol();
  };
  let raw = '';
  for (let i = r.pick([1, 1, 1, 2, 2, 3]); i > 0; i--) raw += request();
  // Sometimes a stray tail: a partial request, garbage, or an extra line end.
  if (r.next() < 0.1) raw += r.pick(['GET / HTTP/1.1\r\n', '\r\n', 'x', '0\r\n\r\n', 'G']);
  return raw;
}

/** The known request smuggling shapes, written out. */
const SHAPES = [
  // CL.TE and TE.CL
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n',
  // TE.TE obfuscations
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-encoding: x\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\x0c\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nX: X\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding\r\n : chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  // Duplicate and odd lengths
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\x0b3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\x0c\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \xa03\r\n\r\nabc',
  // Bare LF and CR
  'GET / HTTP/1.1\nHost: x\n\n',
  'GET / HTTP/1.1\r\nHost: x\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\n\n',
  'GET / HTTP/1.1\rHost: x\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nb\r\nabc\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX: 1\n\r\n',
  // Controls in the target, missing Host, bad trailers, whitespace before the colon
  'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX T: 1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \x00\r\n\r\n',
  'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost\t: x\r\n\r\n',
  // Pipelining, with a smuggled second request
  'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n',
];

interface Seen {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

/** What our parser makes of `raw`, fed in the pieces cut at `cuts`. */
function ours(raw: Buffer, cuts: number[] = []): { requests: Seen[]; error?: string } {
  // llhttp's header limit as node:http sets it by default (16 KiB); the corpus stays far below it anyway.
  const parser = new RequestParser({ ...DEFAULT_LIMITS, maxHeaderBytes: 16 * 1024 });
  const requests: Seen[] = [];
  let from = 0;
  try {
    for (const to of [...cuts, raw.length]) {
      parser.push(raw.subarray(from, to));
      from = to;
      for (let r = parser.next(); r; r = parser.next()) {
        requests.push({ method: r.method, url: r.url, headers: r.headers, body: r.body.toString('latin1') });
        if (r.close) return { requests };
      }
    }
  } catch (err) {
    if (!(err instanceof HttpProtocolError)) throw err;
    return { requests, error: err.message };
  }
  return { requests };
}

let server: Server;
let port: number;
/** What node:http saw, by the client's port. */
const seen = new Map<number, { requests: Seen[]; error?: string }>();

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      entry(req.socket.remotePort!).requests.push({
        method: req.method!,
        url: req.url!,
        headers,
        body: Buffer.concat(chunks).toString('latin1'),
      });
      res.end();
    });
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    entry((socket as { remotePort?: number }).remotePort!).error = err.code ?? err.message;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function entry(clientPort: number) {
  let e = seen.get(clientPort);
  if (!e) seen.set(clientPort, (e = { requests: [] }));
  return e;
}

/** Sends `raw` and half-closes; resolves with what node:http made of it once it closed the connection. */
function llhttp(raw: Buffer): Promise<{ requests: Seen[]; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let local = 0;
    socket.on('connect', () => {
      local = socket.localPort!;
      seen.delete(local);
      socket.end(raw);
    });
    socket.resume();
    const done = () => {
      clearTimeout(timer);
      const e = seen.get(local) ?? { requests: [] };
      seen.delete(local);
      resolve(e);
    };
    socket.on('close', done);
    socket.on('error', () => {});
    // node:http keeps a connection whose request is incomplete until its timeouts: 1 s is enough to see the rest.
    const timer = setTimeout(() => socket.destroy(), 1000);
  });
}

test(`our parser accepts nothing that llhttp refuses, and sees what it sees (seed ${SEED}, ${CASES} generated cases + ${SHAPES.length} smuggling shapes)`, async () => {
  const r = rng(SEED);
  const corpus = [...SHAPES, ...Array.from({ length: CASES }, () => generate(r))].map((s) => Buffer.from(s, 'latin1'));
  const problems: string[] = [];
  let bothAccepted = 0;
  let weRefusedMore = 0;
  /** Why we refused what llhttp took, with counts (OPENSTS_DIFF_VERBOSE=1 prints them). */
  const stricter = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < corpus.length) {
      const index = next++;
      const raw = corpus[index]!;
      const mine = ours(raw);
      // Cuts from a generator of the case's own, so that the order in which cases finish changes nothing.
      const c = rng(SEED ^ (index * 7919));
      const cuts = [
        ...new Set(Array.from({ length: 1 + Math.floor(c.next() * 6) }, () => Math.floor(c.next() * raw.length))),
      ].sort((a, b) => a - b);
      const split = ours(raw, cuts);
      if (JSON.stringify(split) !== JSON.stringify(mine)) {
        problems.push(`pieces cut at ${cuts} parse differently: ${JSON.stringify(raw.toString('latin1'))}`);
      }
      const theirs = await llhttp(raw);
      if (mine.requests.length > theirs.requests.length) {
        problems.push(
          `accepted ${mine.requests.length} request(s), llhttp ${theirs.requests.length} (${theirs.error}): ${JSON.stringify(raw.toString('latin1'))}`,
        );
      }
      for (let i = 0; i < Math.min(mine.requests.length, theirs.requests.length); i++) {
        if (JSON.stringify(mine.requests[i]) !== JSON.stringify(theirs.requests[i])) {
          problems.push(
            `request ${i} differs: ours ${JSON.stringify(mine.requests[i])}, llhttp ${JSON.stringify(theirs.requests[i])}: ${JSON.stringify(raw.toString('latin1'))}`,
          );
        }
      }
      bothAccepted += Math.min(mine.requests.length, theirs.requests.length);
      if (mine.requests.length < theirs.requests.length) {
        weRefusedMore++;
        stricter.set(mine.error ?? 'close', (stricter.get(mine.error ?? 'close') ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.deepEqual(problems.slice(0, 15), [], `${problems.length} disagreements`);
  // The corpus must reach past the head often enough for the comparison to mean something.
  assert.ok(bothAccepted > corpus.length / 4, `only ${bothAccepted} requests accepted by both`);
  console.log(
    `${corpus.length} cases: ${bothAccepted} requests parsed alike by both, ${weRefusedMore} cases where we refused what llhttp accepted`,
  );
  if (process.env.OPENSTS_DIFF_VERBOSE) console.log([...stricter].sort((a, b) => b[1] - a[1]));
});
