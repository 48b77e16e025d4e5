/**
 * IPv4 and IPv6 addresses and CIDR blocks for IpAddress / NotIpAddress.
 *
 * An address is held as 32-bit words: one for IPv4, four for IPv6. IPv4-mapped IPv6 addresses
 * (`::ffff:203.0.113.7`, what a dual-stack Node socket reports) are treated as the IPv4 address, and so are
 * IPv4-mapped CIDR blocks (`::ffff:203.0.113.0/120` is `203.0.113.0/24`). A zone suffix (`fe80::1%eth0`) is ignored.
 */
export interface IpAddress {
  readonly v6: boolean;
  readonly words: readonly number[];
}

export interface CidrBlock {
  readonly v6: boolean;
  readonly words: readonly number[];
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4Word(s: string): number | null {
  const m = IPV4.exec(s);
  if (!m) return null;
  let w = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    w = w * 256 + octet;
  }
  return w;
}

function parseV6Groups(s: string): number[] | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0) return null;
  let tail: number[] = [];
  // An embedded IPv4 address in the last 32 bits.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    const v4 = parseV4Word(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1); // keeps the colon: "::ffff:" or "::" or "1:2:3:4:5:6:"
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseHalf(halves[0]!);
  if (head === null) return null;
  const want = 8 - tail.length;
  if (halves.length === 2) {
    const rest = parseHalf(halves[1]!);
    if (rest === null) return null;
    const fill = want - head.length - rest.length;
    if (fill < 1) return null;
    return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  }
  if (head.length !== want) return null;
  return [...head, ...tail];
}

function groupsToWords(g: number[]): number[] {
  return [0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0);
}

function isMappedV4(words: readonly number[]): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  if (s.includes(':')) {
    const groups = parseV6Groups(s);
    if (!groups) return null;
    const words = groupsToWords(groups);
    if (isMappedV4(words)) return { v6: false, words: [words[3]!] };
    return { v6: true, words };
  }
  const w = parseV4Word(s);
  return w === null ? null : { v6: false, words: [w] };
}

/** `203.0.113.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128). Host bits are ignored. */
export function parseCidr(text: string): CidrBlock | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!addr) return null;
  const rawIsV6 = (slash >= 0 ? s.slice(0, slash) : s).includes(':');
  const max = addr.v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (rawIsV6 && !addr.v6) {
      // An IPv4-mapped block: the first 96 bits are the mapping prefix.
      if (prefix < 96 || prefix > 128) return null;
      prefix -= 96;
    } else if (prefix > max) {
      return null;
    }
  }
  return { v6: addr.v6, words: addr.words, prefix };
}

export function cidrContains(block: CidrBlock, ip: IpAddress): boolean {
  if (block.v6 !== ip.v6) return false;
  let bits = block.prefix;
  for (let i = 0; i < block.words.length && bits > 0; i++) {
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((block.words[i]! & mask) >>> 0 !== (ip.words[i]! & mask) >>> 0) return false;
    bits -= 32;
  }
  return true;
}
