/** A minimal PNG writer (8-bit greyscale, no interlace) for QR codes, with node:zlib only. */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** `dark(x, y)` for each module of a size×size grid, drawn `scale` pixels per module with a `border` of modules. */
export function monochromePng(size: number, dark: (x: number, y: number) => boolean, scale = 4, border = 4): Buffer {
  const pixels = (size + 2 * border) * scale;
  const rows = Buffer.alloc(pixels * (pixels + 1), 255);
  for (let py = 0; py < pixels; py++) {
    rows[py * (pixels + 1)] = 0; // filter: none
    const y = Math.floor(py / scale) - border;
    for (let px = 0; px < pixels; px++) {
      const x = Math.floor(px / scale) - border;
      if (x >= 0 && y >= 0 && x < size && y < size && dark(x, y)) rows[py * (pixels + 1) + 1 + px] = 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(pixels, 0);
  ihdr.writeUInt32BE(pixels, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
