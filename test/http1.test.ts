/** The HTTP/1.1 layer over raw sockets: framing, keep-alive, pipelining, limits, and refusal of ambiguous input. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createHttp1Server, DEFAULT_LIMITS, type Http1Server } from '../src/server/http1.js';

let http: Http1Server;
let port: number;
let slow = 0;

before(async () => {
  http = createHttp1Server(
    async (req) => {
      if (req.url === '/slow') await new Promise((r) => setTimeout(r, 50 + slow++));
      return { status: 200, headers: [['X-Echo', `${req.method} ${req.url}`]], body: `${req.body.length}:${req.body.toString('latin1')}` };
    },
    (status, reason) => ({ status, headers: [], body: `refused: ${reason}` }),
    { ...DEFAULT_LIMITS, maxHeaderBytes: 1024, maxBodyBytes: 4096, headersTimeoutMs: 300, bodyTimeoutMs: 300, keepAliveTimeoutMs: 300 },
  );
  await new Promise<void>((r) => http.server.listen(0, '127.0.0.1', r));
  port = (http.server.address() as { port: number }).port;
});
after(() => http.close(100));

/** Sends raw bytes (in pieces, if given several), returns everything the server wrote before closing or `waitMs`. */
function exchange(pieces: Array<string | Buffer | number>, waitMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
    let i = 0;
    // A number among the pieces is a pause in milliseconds.
    const next = () => {
      if (i >= pieces.length) return;
      const p = pieces[i++]!;
      if (typeof p === 'number') setTimeout(next, p);
      else {
        socket.write(p);
        setImmediate(next);
      }
    };
    socket.on('connect', next);
    setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs).unref();
  });
}

const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('framing', () => {
  test('Content-Length body, split across packets', async () => {
    const out = await exchange(['POST / HTTP/1.1\r\nHost: x\r\nContent-Len', 'gth: 5\r\n\r\nhel', 'lo'], 200);
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(out, /\r\n\r\n5:hello$/);
  });

  test('chunked body with extensions and trailers', async () => {
    const out = await exchange(['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n'], 200);
    assert.match(out, /5:abcde$/);
  });

  test('keep-alive with pipelined requests answered in order', async () => {
    const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const out = await exchange([req('/slow') + req('/a') + req('/slow') + req('/b')], 800);
    assert.deepEqual([...out.matchAll(/X-Echo: GET (\S+)/g)].map((m) => m[1]), ['/slow', '/a', '/slow', '/b']);
  });

  test('Connection: close and HTTP/1.0 close after the response', async () => {
    const a = await exchange(['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n'], 1000);
    assert.deepEqual(statuses(a), [200]);
    assert.match(a, /Connection: close/);
    const b = await exchange(['GET / HTTP/1.0\r\n\r\n'], 1000);
    assert.deepEqual(statuses(b), [200]);
  });

  test('Expect: 100-continue gets an interim response before the body', async () => {
    const out = await exchange(['POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 50, 'ok'], 300);
    assert.deepEqual(statuses(out), [100, 200]);
  });
});

describe('refusals (each closes the connection)', () => {
  const refused = async (raw: string, status: number, reason: RegExp) => {
    const out = await exchange([raw]);
    assert.deepEqual(statuses(out), [status], out);
    assert.match(out, reason);
    assert.match(out, /Connection: close/);
  };

  test('Content-Length and Transfer-Encoding together (request smuggling)', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, /both Transfer-Encoding and Content-Length/));
  test('conflicting Content-Length headers', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400, /conflicting Content-Length/));
  test('non-numeric Content-Length', () => refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n', 400, /invalid Content-Length/));
  test('unsupported transfer coding', () => refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501, /unsupported Transfer-Encoding/));
  test('obsolete line folding', () => refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded: x\r\n\r\n', 400, /invalid header name/));
  test('space before the colon', () => refused('GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, /invalid header name/));
  test('control characters in a value', () => refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400, /invalid header value/));
  test('malformed request line', () => refused('GET /  HTTP/1.1\r\n\r\n', 400, /malformed request line/));
  test('HTTP/2 preface', () => refused('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, /malformed request line/));
  test('repeated Host', () => refused('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, /repeated Host/));
  test('body over the limit, declared', () => refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n', 413, /body too large/));
  test('body over the limit, chunked', () => refused(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${'a'.repeat(4096)}\r\n1\r\na\r\n0\r\n\r\n`, 413, /body too large/));
  test('malformed chunk size', () => refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, /malformed chunk size/));
  test('header block over the limit', () => refused(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(2000)}\r\n\r\n`, 431, /headers too large/));
  test('header block over the limit without an end', () => refused(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(2000)}`, 431, /headers too large/));
});

describe('slow clients', () => {
  test('headers not finished in time: 408', async () => {
    const out = await exchange(['GET / HTTP/1.1\r\nHost: x\r\n'], 2000);
    assert.deepEqual(statuses(out), [408]);
  });

  test('body not finished in time: 408', async () => {
    const out = await exchange(['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'], 2000);
    assert.deepEqual(statuses(out), [408]);
  });

  test('an idle keep-alive connection is closed', async () => {
    const t = Date.now();
    const out = await exchange(['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], 3000);
    assert.deepEqual(statuses(out), [200]);
    assert.ok(Date.now() - t < 2500, 'closed by the server, not by the test');
  });
});
