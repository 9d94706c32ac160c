// Helpers for the ID login protocol tests: a server configured with the test IdP, and one
// device-flow login where the test IdP's forms are filled in as the user would.
import { afterAll, beforeAll } from 'vitest';
import { completeDeviceFlow, type IdpService } from '../services/idp.ts';
import type { Frame, TestClient } from './client.ts';
import { type ServerHandle, startServer } from './harness.ts';
import { expectOk } from './util.ts';

/** How long an oidc_wait may take here (the IdP polls every second; the machine is loaded). */
export const OIDC_WAIT_MS = 30_000;

/** Starts a server whose config is made from the running IdP (in beforeAll, after the IdP's). */
export function useOidcServer(
  idp: () => IdpService,
  config: (idp: IdpService) => Record<string, unknown> = defaultConfig,
) {
  let handle: ServerHandle | undefined;
  beforeAll(async () => {
    handle = await startServer({ config: config(idp()) });
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error('server not started');
    return handle;
  };
}

/** The test IdP as the only provider, `testidp`. */
export function defaultConfig(idp: IdpService): Record<string, unknown> {
  return { identity: { providers: [idp.providerConfig()] } };
}

/** Options of one device-flow login. */
export interface DeviceLoginOptions {
  provider?: string;
  deny?: boolean;
  /** start with link_identity (a session) instead of oidc_start */
  link?: boolean;
}

/**
 * Starts a device flow on `c`, sends oidc_wait, lets `login` sign in at the IdP and returns
 * oidc_wait's reply.
 */
export async function deviceLogin(
  c: TestClient,
  login: string,
  opts: DeviceLoginOptions = {},
): Promise<Frame> {
  const token = c.token ?? c.helloToken;
  const action = opts.link ? 'link_identity' : 'oidc_start';
  const start = expectOk(await c.request(action, [opts.provider ?? 'testidp'], token), action);
  const waiting = c.request('oidc_wait', [], token, OIDC_WAIT_MS);
  await completeDeviceFlow(start.data.verification_uri_complete, { login, deny: opts.deny });
  return waiting;
}
