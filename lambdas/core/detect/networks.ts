/**
 * Networks as the trust-boundary settings name them (CIDR lists), and whether an address is in
 * them. Node's BlockList does the matching (IPv4, IPv6, and IPv4-mapped IPv6 both ways), so this
 * module only parses and names. Source addresses come from the event, and the API server writes
 * what the connection (or a trusted proxy's X-Forwarded-For) said: anything unparseable is outside.
 */
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/16`, `fd00::/8`, or a bare address (one host); undefined when it is none of these. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/** Private and loopback ranges (RFC 1918, RFC 6598 shared space, RFC 4193, loopback, link-local). */
export const PRIVATE_RANGES: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  '::1/128',
  'fe80::/10',
];

/** A set of networks, built once from settings. */
export class NetworkSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly string[]) {
    let size = 0;
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      if (!cidr) continue; // the schema refused it already; a programmatic caller gets no match, not a throw
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      size++;
    }
    this.size = size;
  }

  /** Whether the address is in one of the networks; false for anything that is not an IP address. */
  has(address: string): boolean {
    const version = isIP(address);
    if (version === 0 || this.size === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
