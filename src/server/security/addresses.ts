// IP address helpers: CIDR parsing and the plain form of mapped addresses.
import { isIP } from 'node:net';

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
