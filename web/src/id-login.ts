// The web ID login on the page's side: the providers for the "Sign in with …" buttons, and
// the one-time login code the server's /oidc/<provider>/callback put in the URL fragment
// (a fragment never reaches a server, so no log sees it), taken out at once and redeemed.
import { type Client, isNewIdentity } from '../../src/client/browser.ts';
import { connectClient, startSession } from './session.ts';

/** A configured identity provider, as GET /oidc/providers lists it. */
export interface IdProvider {
  name: string;
  label: string;
}

const FRAGMENT = /^#oidc_code=([A-Za-z0-9_-]{1,128})$/;

let pendingCode: string | undefined;

/**
 * Takes a login code out of the URL (the fragment is replaced at once, so a reload, a
 * bookmark or the history never holds it); call before the first render.
 */
export function takeLoginCode(): void {
  const m = FRAGMENT.exec(location.hash);
  if (!m) return;
  pendingCode = m[1];
  history.replaceState(null, '', location.pathname + location.search);
}

/** True while a login code waits to be redeemed (the page shows the ID login step). */
export function hasLoginCode(): boolean {
  return pendingCode !== undefined;
}

/** The providers to offer; none when the server has none or cannot say. */
export async function fetchProviders(): Promise<IdProvider[]> {
  try {
    const res = await fetch('/oidc/providers', { cache: 'no-store' });
    if (!res.ok) return [];
    const body = (await res.json()) as { providers?: IdProvider[] };
    return Array.isArray(body.providers) ? body.providers : [];
  } catch {
    return [];
  }
}

/** What redeeming the code led to: logged in, or an identity that needs an account first. */
export type Redeemed = { done: true } | { done: false; client: Client; suggested: string };

/**
 * Redeems the pending code over a fresh connection (its upgrade carries the browser-binding
 * cookie the code is bound to). The code is used up whatever the answer.
 */
export async function redeemLoginCode(): Promise<Redeemed> {
  const code = pendingCode;
  pendingCode = undefined;
  if (code === undefined) throw new Error('no sign-in to finish');
  const c = await connectClient();
  try {
    const outcome = await c.oidcCode(code);
    if (isNewIdentity(outcome))
      return { done: false, client: c, suggested: outcome.suggested_username };
    await startSession(c);
    return { done: true };
  } catch (err) {
    c.close();
    throw err;
  }
}
