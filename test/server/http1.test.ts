/** The HTTP/1.1 layer over raw sockets: framing, keep-alive, pipelining, limits, and refusal of ambiguous input. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createHttp1Server,
  defaultMaxConnections,
  DEFAULT_LIMITS,
  type Http1Limits,
  type Http1Server,
} from '../../src/server/http1.js';
import { selfSignedCertificate } from '../helpers/oidc-issuer.js';

let http: Http1Server;
let port: number;
let slow = 0;
const LIMITS: Http1Limits = {
  ...DEFAULT_LIMITS,
  maxHeaderBytes: 1024,
  maxBodyBytes: 4096,
  headersTimeoutMs: 300,
  bodyTimeoutMs: 600,
  keepAliveTimeoutMs: 300,
};

before(async () => {
  http = createHttp1Server(
    async (req) => {
      if (req.url === '/slow') await new Promise((r) => setTimeout(r, 50 + slow++));
      return {
        status: 200,
        headers: [['X-Echo', `${req.method} ${req.url}`]],
        body: `${req.body.length}:${req.body.toString('latin1')}`,
      };
    },
    (status, reason) => ({ status, headers: [], body: `refused: ${reason}` }),
    LIMITS,
  );
  await new Promise<void>((r) => http.server.listen(0, '127.0.0.1', r));
  port = (http.server.address() as { port: number }).port;
});
after(() => http.close(100));

/** Sends raw bytes (in pieces, if given several), returns everything the server wrote before closing or `waitMs`. */
function exchange(
  pieces: Array<string | Buffer | number>,
  waitMs = 1000,
  to = port,
  from = '127.0.0.1',
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port: to, host: '127.0.0.1', localAddress: from });
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
        socket.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p); // one byte per character, as on the wire
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
    const out = await exchange(
      [
        'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n',
      ],
      200,
    );
    assert.match(out, /5:abcde$/);
  });

  test('keep-alive with pipelined requests answered in order', async () => {
    const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const out = await exchange([req('/slow') + req('/a') + req('/slow') + req('/b')], 800);
    assert.deepEqual(
      [...out.matchAll(/X-Echo: GET (\S+)/g)].map((m) => m[1]),
      ['/slow', '/a', '/slow', '/b'],
    );
  });

  test('Connection: close and HTTP/1.0 close after the response', async () => {
    const a = await exchange(
      ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n'],
      1000,
    );
    assert.deepEqual(statuses(a), [200]);
    assert.match(a, /Connection: close/);
    const b = await exchange(['GET / HTTP/1.0\r\n\r\n'], 1000);
    assert.deepEqual(statuses(b), [200]);
  });

  test('Expect: 100-continue gets an interim response before the body', async () => {
    const out = await exchange(
      ['POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 50, 'ok'],
      300,
    );
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
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      /both Transfer-Encoding and Content-Length/,
    ));
  test('conflicting Content-Length headers', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      400,
      /conflicting Content-Length/,
    ));
  test('non-numeric Content-Length', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n', 400, /invalid Content-Length/));
  test('unsupported transfer coding', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      501,
      /unsupported Transfer-Encoding/,
    ));
  test('obsolete line folding', () =>
    refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded: x\r\n\r\n', 400, /invalid header name/));
  test('space before the colon', () => refused('GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, /invalid header name/));
  test('control characters in a value', () =>
    refused('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400, /invalid header value/));
  test('malformed request line', () => refused('GET /  HTTP/1.1\r\n\r\n', 400, /malformed request line/));
  test('HTTP/2 preface', () => refused('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, /malformed request line/));
  test('repeated Host', () => refused('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, /repeated Host/));
  test('body over the limit, declared', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n', 413, /body too large/));
  test('body over the limit, chunked', () =>
    refused(
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${'a'.repeat(4096)}\r\n1\r\na\r\n0\r\n\r\n`,
      413,
      /body too large/,
    ));
  test('malformed chunk size', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, /malformed chunk size/));
  test('header block over the limit', () =>
    refused(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(2000)}\r\n\r\n`, 431, /headers too large/));
  test('header block over the limit without an end', () =>
    refused(`GET / HTTP/1.1\r\nX-A: ${'a'.repeat(2000)}`, 431, /headers too large/));
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

describe('leniencies llhttp refuses are refused (issue 11)', () => {
  const refused = async (raw: string, status: number, reason: RegExp) => {
    const out = await exchange([raw]);
    assert.deepEqual(statuses(out), [status], out);
    assert.match(out, reason);
    assert.match(out, /Connection: close/);
  };
  // String.trim() took \v, \f and NBSP (\xa0 read as latin1) as white space around the value.
  for (const [name, ws] of [
    ['vertical tab', '\v'],
    ['form feed', '\f'],
    ['NBSP', '\xa0'],
  ]) {
    test(`${name} around Content-Length`, () =>
      refused(
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${ws}2\r\n\r\nab`,
        400,
        /invalid Content-Length|invalid header value/,
      ));
    // NBSP is obs-text, allowed in a value, so `chunked\xa0` is just not `chunked`.
    test(`${name} around Transfer-Encoding`, () =>
      ws === '\xa0'
        ? refused(
            `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked${ws}\r\n\r\n0\r\n\r\n`,
            501,
            /unsupported Transfer-Encoding/,
          )
        : refused(
            `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked${ws}\r\n\r\n0\r\n\r\n`,
            400,
            /invalid header value/,
          ));
  }
  test('tab around Content-Length (llhttp takes only spaces there)', () =>
    refused('POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\t2\r\n\r\nab', 400, /invalid Content-Length/));
  test('a bare LF in a chunk extension', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;a\nb\r\nab\r\n0\r\n\r\n',
      400,
      /bare LF in chunk size line/,
    ));
  test('white space in a chunk extension', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2 ; a=b\r\nab\r\n0\r\n\r\n',
      400,
      /malformed chunk size/,
    ));
  for (const c of ['\x01', '\x7f', '\x1b', '\xa0']) {
    test(`control or non-ASCII byte ${JSON.stringify(c)} in the request target`, () =>
      refused(`GET /a${c}b HTTP/1.1\r\nHost: x\r\n\r\n`, 400, /malformed request line/));
  }
  test('a malformed trailer line', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX T: 1\r\n\r\n',
      400,
      /invalid header name/,
    ));
  test('a control character in a trailer', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\x00\r\n\r\n',
      400,
      /invalid header value/,
    ));
  test('a framing field in the trailers', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n',
      400,
      /content-length in trailers/,
    ));
  test('HTTP/1.1 without Host', () => refused('GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 400, /missing Host/));
  test('Content-Length twice, even equal (llhttp refuses it)', () =>
    refused(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab',
      400,
      /conflicting Content-Length/,
    ));
  test('Transfer-Encoding in HTTP/1.0', () =>
    refused('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, /Transfer-Encoding in HTTP\/1\.0/));
  test('an unknown method', () => refused('PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n', 501, /method not implemented/));
  test('an expectation other than 100-continue', () =>
    refused('GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n', 417, /unsupported Expect/));
  test('HTTP/1.0 needs no Host', async () =>
    assert.deepEqual(statuses(await exchange(['GET / HTTP/1.0\r\n\r\n'])), [200]));
});

describe('trailers are bounded and parsed once', () => {
  test('endless well-formed trailer lines are refused at the header limit, not buffered until the timeout', async () => {
    const line = 'X-T: ' + 'a'.repeat(40) + '\r\n';
    const out = await exchange([
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n',
      line.repeat(40),
    ]);
    assert.deepEqual(statuses(out), [431], out);
    assert.match(out, /trailer too long/);
  });

  test('a chunked body in one-byte pieces: each byte parsed once (state kept across reads)', async () => {
    const raw =
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a="b"\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n';
    const out = await exchange([...raw], 1000);
    assert.deepEqual(statuses(out), [200], out);
    assert.match(out, /5:abcde$/);
  });
});

describe('deadlines are absolute: trickled bytes do not extend them', () => {
  /** Sends `raw` a byte every `everyMs`; resolves with the answer and how many bytes had been sent by then. */
  const trickle = (raw: string, everyMs: number) =>
    new Promise<{ out: string; sent: number; ms: number }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let out = '';
      let sent = 0;
      const t = performance.now();
      const timer = setInterval(() => {
        if (sent < raw.length) socket.write(raw[sent++]!, 'latin1');
      }, everyMs);
      socket.on('data', (d) => (out += d.toString('latin1')));
      const done = () => {
        clearInterval(timer);
        resolve({ out, sent, ms: performance.now() - t });
      };
      socket.on('close', done);
      socket.on('error', () => {});
    });

  test('a head trickled a byte every 20 ms gets 408 at the head deadline (300 ms), not when it ends (3 s)', async () => {
    const { out, sent, ms } = await trickle(`GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(120)}\r\n\r\n`, 20);
    assert.deepEqual(statuses(out), [408], out);
    assert.ok(sent < 100, `${sent} bytes sent before the 408`);
    assert.ok(ms < 2500, `${ms} ms`);
  });

  test('a body trickled a byte every 20 ms gets 408 at the body deadline (600 ms from the first byte)', async () => {
    const { out, sent } = await trickle(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n${'b'.repeat(200)}`,
      20,
    );
    assert.deepEqual(statuses(out), [408], out);
    assert.ok(sent < 200, `${sent} bytes sent before the 408`);
  });
});

describe('connection caps', () => {
  let capped: Http1Server;
  let cappedPort: number;
  /** Server-side sockets closed so far: a test waits for one on this, not for a guessed time. */
  let closes = 0;
  let onClose: (() => void) | undefined;

  before(async () => {
    capped = createHttp1Server(
      () => ({ status: 200, headers: [], body: 'ok' }),
      (status, reason) => ({ status, headers: [], body: `refused: ${reason}` }),
      {
        ...LIMITS,
        headersTimeoutMs: 60_000,
        keepAliveTimeoutMs: 60_000,
        maxConnections: 4,
        maxConnectionsPerAddress: 2,
      },
    );
    capped.server.on('connection', (s: Socket) =>
      s.on('close', () => {
        closes++;
        onClose?.();
      }),
    );
    await new Promise<void>((r) => capped.server.listen(0, '127.0.0.1', r));
    cappedPort = (capped.server.address() as { port: number }).port;
  });
  after(() => capped.close(10));

  /** A connection that has been accepted and counted (it got an answer to a request). */
  const held = async (from: string) => {
    const socket = connect({ port: cappedPort, host: '127.0.0.1', localAddress: from });
    const answered = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await answered, /^HTTP\/1\.1 200 OK/);
    return socket;
  };

  test('past the per-address cap a new connection gets 503 and is closed; other addresses are served', async () => {
    const a = [await held('127.0.0.1'), await held('127.0.0.1')];
    const third = await exchange(['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], 2000, cappedPort, '127.0.0.1');
    assert.deepEqual(statuses(third), [503], third);
    assert.match(third, /too many connections/);
    assert.match(third, /Connection: close/);
    const b = [await held('127.0.0.2'), await held('127.0.0.2')];
    assert.equal(capped.connections(), 4);
    // The total cap (4) is reached: a third address is refused too.
    const c = await exchange(['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], 2000, cappedPort, '127.0.0.3');
    assert.deepEqual(statuses(c), [503], c);
    // One closes: its place is free again.
    const closed = closes + 1;
    const gone = new Promise<void>((r) => (onClose = () => closes >= closed && r()));
    a[0]!.destroy();
    await gone;
    (await held('127.0.0.3')).destroy();
    for (const s of [...a, ...b]) s.destroy();
  });

  test('the default total cap stays below the descriptor limit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opensts-limits-'));
    const file = join(dir, 'limits');
    const write = (soft: string) =>
      import('node:fs').then((fs) =>
        fs.writeFileSync(
          file,
          `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`,
        ),
      );
    return write('512')
      .then(() => {
        assert.equal(defaultMaxConnections(file), 384);
        return write('1048576');
      })
      .then(() => {
        assert.equal(defaultMaxConnections(file), 4096);
        assert.equal(defaultMaxConnections(join(dir, 'missing')), 4096);
      });
  });
});

describe('TLS', () => {
  test('a handshake trickled byte by byte is cut at the head deadline', async () => {
    const { cert, key } = selfSignedCertificate(mkdtempSync(join(tmpdir(), 'opensts-http1-tls-')));
    const tlsServer = createHttp1Server(
      () => ({ status: 200, headers: [], body: '' }),
      (status) => ({ status, headers: [], body: '' }),
      LIMITS,
      { cert, key },
    );
    await new Promise<void>((r) => tlsServer.server.listen(0, '127.0.0.1', r));
    const tlsPort = (tlsServer.server.address() as { port: number }).port;
    try {
      // The start of a ClientHello record, then a byte every 20 ms: never a complete handshake.
      const socket = connect(tlsPort, '127.0.0.1');
      const t = performance.now();
      const hello = Buffer.concat([
        Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
        Buffer.alloc(500, 7),
      ]);
      let sent = 0;
      const timer = setInterval(() => sent < hello.length && socket.write(hello.subarray(sent, ++sent)), 20);
      await new Promise((r) => {
        socket.on('close', r);
        socket.on('error', () => {});
      });
      clearInterval(timer);
      const ms = performance.now() - t;
      assert.ok(ms < 2500 && sent < 100, `cut after ${ms} ms and ${sent} bytes`);
    } finally {
      await tlsServer.close(10);
    }
  });
});
