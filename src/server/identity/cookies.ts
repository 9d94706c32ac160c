// The web ID login's two cookies: the flow in progress (state, nonce, PKCE verifier; only
// /oidc/ sees it) and the browser binding a login code is issued to (the /ws upgrade
// carries it). Both HttpOnly and SameSite=Lax, Secure when the page is https.
import type { IncomingMessage } from 'node:http';

/** The cookie holding the authorization request in progress. */
export const FLOW_COOKIE = 'ss_oidc_flow';
/** The cookie binding a login code to this browser. */
export const BINDING_COOKIE = 'ss_oidc_bind';
/** How long a browser may stay at the identity provider before the flow is forgotten. */
export const FLOW_MAX_AGE_S = 600;

/** Values the cookies may hold: base64url and dots, nothing to escape. */
const SAFE_VALUE = /^[A-Za-z0-9_.-]{1,1024}$/;

/** The named cookie of a request (the first, if the browser sent it twice), when well-formed. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return SAFE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

/** A Set-Cookie value; `maxAgeS` 0 deletes the cookie. */
export function cookie(
  name: string,
  value: string,
  opts: { path: string; maxAgeS: number; secure: boolean },
): string {
  const parts = [`${name}=${value}`, `Path=${opts.path}`, `Max-Age=${opts.maxAgeS}`];
  parts.push('HttpOnly', 'SameSite=Lax');
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The authorization request a browser is in the middle of. */
export interface FlowState {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
}

/** The flow cookie's value: its four parts joined by dots (none of them has one). */
export function encodeFlow(flow: FlowState): string {
  return [flow.provider, flow.state, flow.nonce, flow.verifier].join('.');
}

/** The flow cookie's parts, or undefined when it is not four non-empty parts. */
export function decodeFlow(value: string | undefined): FlowState | undefined {
  const parts = value?.split('.') ?? [];
  if (parts.length !== 4 || parts.some((p) => p === '')) return undefined;
  const [provider, state, nonce, verifier] = parts as [string, string, string, string];
  return { provider, state, nonce, verifier };
}
