// Who is asking: the Origin a browser sends with a WebSocket upgrade, and the
// client address behind a trusted reverse proxy (X-Forwarded-For).
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { AddressSet, plainAddress } from '../security/addresses.ts';

/** What the Origin check needs to know about the listener. */
export interface OriginPolicy {
  /** `http.allowed_origins`; empty means the listener's own origin only. */
  allowed: readonly string[];
  host: string;
  port: number;
  secure: boolean;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The origins a page may open /ws from. By default the listener's own: its
 * host and port (with `localhost` and `[::1]` for a loopback listener). A
 * listener on every interface has no one name, so then it is the Host the
 * request was sent to; set http.allowed_origins for a public server.
 */
export function ownOrigins(policy: OriginPolicy): Set<string> | 'host-header' {
  if (policy.allowed.length > 0) return new Set(policy.allowed);
  if (WILDCARD_HOSTS.has(policy.host)) return 'host-header';
  const scheme = policy.secure ? 'https' : 'http';
  const loopback =
    policy.host === '127.0.0.1' || policy.host === 'localhost' || policy.host === '::1';
  const hosts = loopback
    ? LOOPBACK_NAMES
    : [isIP(policy.host) === 6 ? `[${policy.host}]` : policy.host];
  return new Set(hosts.map((h) => new URL(`${scheme}://${h}:${policy.port}`).origin));
}

/** True when the upgrade may proceed: no Origin (not a browser), or an allowed one. */
export function originAllowed(
  req: IncomingMessage,
  allowed: Set<string> | 'host-header',
  secure: boolean,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed !== 'host-header') return allowed.has(origin);
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    return new URL(`${secure ? 'https' : 'http'}://${host}`).origin === origin;
  } catch {
    return false;
  }
}

/**
 * The origin of the page a request comes from, for redirect URIs: `publicUrl` when set
 * (a server behind a proxy), else the Host the request names when it is one of the
 * listener's own origins (as the upgrade's Origin check allows); undefined otherwise.
 */
export function pageOrigin(
  req: IncomingMessage,
  allowed: Set<string> | 'host-header',
  secure: boolean,
  publicUrl: string | undefined,
): string | undefined {
  if (publicUrl !== undefined) return new URL(publicUrl).origin;
  const host = req.headers.host;
  if (host === undefined) return undefined;
  let origin: string;
  try {
    origin = new URL(`${secure ? 'https' : 'http'}://${host}`).origin;
  } catch {
    return undefined;
  }
  return allowed === 'host-header' || allowed.has(origin) ? origin : undefined;
}

/** Finds the client address of a request: the peer, or what a trusted proxy says. */
export class ClientAddresses {
  private readonly proxies: AddressSet;

  constructor(trustedProxies: readonly string[]) {
    this.proxies = new AddressSet(trustedProxies);
  }

  /**
   * The peer's address, or the first address of X-Forwarded-For when the peer
   * is a trusted proxy and that address is a valid IP.
   */
  of(req: IncomingMessage): string {
    const peer = plainAddress(req.socket.remoteAddress ?? 'unknown');
    if (!this.proxies.has(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
    return first !== undefined && isIP(first) !== 0 ? plainAddress(first) : peer;
  }
}
