/**
 * The QR code of CreateVirtualMFADevice: structure checked here (size, finder patterns, PNG layout), and every
 * version read back by independent decoders (pngjs for the PNG, jsQR for the code), including the PNG the server
 * answers, whose otpauth:// URI must be the device's seed. The encoder stays ours (no runtime dependency for one
 * PNG: the qrcode package would bring yargs, pngjs and dijkstrajs); the decoders are dev dependencies only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import jsQR from 'jsqr';
import pngjs from 'pngjs';
import { qrCodeModules, qrCodePng } from '../../src/mfa/qr-code.js';
import { accountOf, iam, ok } from '../helpers/iam.js';
import { xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** The text of the one QR code in a PNG, as a scanner app would read it. */
function scan(png: Buffer): string {
  const image = pngjs.PNG.sync.read(png); // checks signature, CRCs and IHDR; RGBA out
  const code = jsQR.default(new Uint8ClampedArray(image.data), image.width, image.height, {
    inversionAttempts: 'dontInvert',
  });
  assert.ok(code, 'a QR code is found');
  return Buffer.from(code.binaryData).toString('utf8');
}

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

test('the smallest version that fits, with the three finder patterns', () => {
  assert.equal(qrCodeModules('HELLO').length, 21);
  const uri = `otpauth://totp/OpenSTS:phone%40123456789012?secret=${'A'.repeat(64)}&issuer=OpenSTS`;
  const m = qrCodeModules(uri);
  assert.equal(m.length, 49, 'version 8 at level M (130 bytes)');
  const finder = (x0: number, y0: number) => {
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 7; x++) {
        const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
        assert.equal(m[y0 + y]![x0 + x], ring !== 2, `finder at ${x0},${y0}: module ${x},${y}`);
      }
    }
  };
  finder(0, 0);
  finder(m.length - 7, 0);
  finder(0, m.length - 7);
});

test('the PNG: greyscale, 4 pixels per module, a 4-module quiet zone', () => {
  const png = qrCodePng('HELLO');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  assert.equal(width, (21 + 8) * 4);
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString('latin1'), 'IDAT');
  const rows = inflateSync(png.subarray(41, 41 + idatLength));
  assert.equal(rows.length, width * (width + 1));
  const pixel = (x: number, y: number) => rows[y * (width + 1) + 1 + x];
  assert.equal(pixel(0, 0), 255, 'quiet zone');
  assert.equal(pixel(16, 16), 0, 'top-left finder corner');
});

test('every version decodes back to its text', () => {
  // 1 to 1200 bytes: versions 1 to 31, from one Reed-Solomon block to many interleaved ones.
  for (const n of [1, 30, 100, 150, 300, 600, 1200]) {
    const text = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
    assert.equal(scan(qrCodePng(text)), text, `${n} characters`);
  }
});

test("the QRCodePNG the server answers scans to an otpauth:// URI with the device's seed", async () => {
  const r = await ok(iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'erin-phone' }));
  const seed = Buffer.from(xmlText(r.body, 'Base32StringSeed')!, 'base64').toString('ascii');
  const uri = new URL(scan(Buffer.from(xmlText(r.body, 'QRCodePNG')!, 'base64')));
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.host, 'totp');
  assert.equal(decodeURIComponent(uri.pathname), `/OpenSTS:erin-phone@${accountOf(s)}`);
  assert.equal(uri.searchParams.get('secret'), seed);
  assert.match(seed, /^[A-Z2-7]{32,}$/);
  assert.equal(uri.searchParams.get('issuer'), 'OpenSTS');
});
