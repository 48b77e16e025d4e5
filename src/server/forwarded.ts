/**
 * Behind a proxy (`--trusted-proxies`): the client's address and scheme as the proxy saw them, from
 * X-Forwarded-For and X-Forwarded-Proto, so that aws:SourceIp, aws:SecureTransport and the audit log name the real
 * client. Only proxies named by the operator are believed: anyone can send these headers, so from any other peer
 * they are ignored, and in X-Forwarded-For the client is the right-most address that is not a trusted proxy (the
 * entries left of it are whatever the client claimed).
 */
import { BlockList, isIP } from 'node:net';

export interface Peer {
  sourceIp: string;
  secureTransport: boolean;
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) as `10.0.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class TrustedProxies {
  private readonly list = new BlockList();

  /** Addresses and CIDR ranges (`10.0.0.0/8`, `::1`); throws on anything else. */
  constructor(readonly ranges: readonly string[]) {
    for (const range of ranges) {
      const [address = '', bits, extra] = range.trim().split('/');
      const family = isIP(address);
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (family === 0 || extra !== undefined || !(prefix <= max)) {
        throw new Error(`--trusted-proxies: ${JSON.stringify(range)} is not an IP address or CIDR range`);
      }
      this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  private trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client behind the connection's peer; the peer itself when it is no trusted proxy. */
  clientOf(remoteAddress: string, secure: boolean, headers: ReadonlyArray<readonly [string, string]>): Peer {
    const peer = plain(remoteAddress);
    if (!this.trusts(peer)) return { sourceIp: peer, secureTransport: secure };
    const hops: string[] = [];
    let proto: string | undefined;
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-for') hops.push(...value.split(','));
      // The value the nearest proxy set: the last one.
      else if (lower === 'x-forwarded-proto') proto = value.split(',').pop()!.trim().toLowerCase();
    }
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain(hops[i]!.trim());
      // A malformed entry ends the chain: what lies left of it cannot be told apart from a client's claims.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return { sourceIp: client, secureTransport: proto === undefined ? secure : proto === 'https' };
  }
}
