/**
 * The QR code of CreateVirtualMFADevice: structure checked here (size, finder patterns, PNG layout); when zbarimg
 * (Debian's zbar-tools) is on the PATH, every version decodes back to its text.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { qrCodeModules, qrCodePng } from '../src/iam/qr-code.js';

const zbarimg = (() => {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

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

test('every version decodes back to its text (zbarimg)', { skip: zbarimg ? false : 'zbarimg is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'opensts-qr-'));
  try {
    for (const n of [1, 30, 100, 150, 300, 600, 1200]) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
      const file = join(dir, `${n}.png`);
      writeFileSync(file, qrCodePng(text));
      assert.equal(execFileSync('zbarimg', ['-q', '--raw', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, ''), text, `${n} characters`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
