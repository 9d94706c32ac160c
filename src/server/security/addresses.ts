// IP address helpers: CIDR parsing and the plain form of mapped addresses.
import { BlockList, isIP } from 'node:net';

/** Parses `a.b.c.d/n` or `x::/n`; undefined when malformed. */
export function parseCidr(
  cidr: string,
): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = cidr.split('/');
  const version = isIP(address);
  const prefix = Number(bits);
  const max = version === 4 ? 32 : 128;
  if (
    version === 0 ||
    extra !== undefined ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max
  ) {
    return undefined;
  }
  return { address, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The plain form of an address: IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. */
export function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** A set of networks (e.g. limits.exempt_cidrs) that addresses are checked against. */
export class AddressSet {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const range = parseCidr(cidr);
      if (range) this.list.addSubnet(range.address, range.prefix, range.type);
    }
  }

  /** True when the address (IPv4-mapped or not) lies in one of the networks. */
  has(ip: string): boolean {
    const address = plainAddress(ip);
    const version = isIP(address);
    return version !== 0 && this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}
