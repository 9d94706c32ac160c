// A logged-in client linking an identity waits in oidc_wait while the user signs in at the
// IdP: the server must not drop it for silence meanwhile (its pings queue behind the wait and
// fill the inbox), and closing the connection must stop the server's polling of the IdP.
// TCP only: the heartbeat sweep and the inbox are the same code for every transport.
import { afterAll, describe, expect, it } from 'vitest';
import { completeDeviceFlow, useIdp } from '../services/idp.ts';
import { account } from './accounts-support.ts';
import { loginClient } from './client.ts';
import { cleanup } from './harness.ts';
import { OIDC_WAIT_MS, useOidcServer } from './oidc-support.ts';
import { expectOk, PASSWORD, sleep, uniqueName } from './util.ts';

afterAll(cleanup);

describe('link_identity under a short heartbeat', () => {
  const idp = useIdp();
  // A 1 s heartbeat deadline and a 4-frame inbox: a few pings behind oidc_wait fill it.
  const server = useOidcServer(idp, (p) => ({
    identity: { providers: [p.providerConfig('testidp')] },
    session: { heartbeat_interval_s: 0.2, heartbeat_timeout_s: 1 },
    limits: { inbox_frames: 4 },
  }));

  async function loggedIn() {
    const name = uniqueName('hblink');
    await account(server().port, name);
    return loginClient(server().port, name, PASSWORD);
  }

  it('keeps a session pinging through a long oidc_wait, then answers it and its pings', async () => {
    const c = await loggedIn();
    const start = expectOk(await c.call('link_identity', ['testidp']), 'link_identity');
    const waiting = c.call('oidc_wait', [], OIDC_WAIT_MS);
    // Three heartbeat deadlines of pings that can only be answered after the wait.
    const pings: Promise<unknown>[] = [];
    for (let i = 0; i < 15; i++) {
      pings.push(c.call('ping', [], OIDC_WAIT_MS));
      await sleep(200);
    }
    expect(c.isClosed).toBe(false);
    await completeDeviceFlow(start.data.verification_uri_complete, { login: uniqueName('hbid') });
    expect(await waiting).toMatchObject({ ok: true, data: { linked: 'testidp' } });
    for (const p of await Promise.all(pings)) expect(p).toMatchObject({ ok: true });
    expect(c.received.some((f) => f.event === 'disconnect')).toBe(false);
    expectOk(await c.call('who'), 'who after the wait');
  });

  it('stops polling the IdP when the waiting connection closes', async () => {
    const c = await loggedIn();
    expectOk(await c.call('link_identity', ['testidp']), 'link_identity');
    void c.call('oidc_wait', [], OIDC_WAIT_MS).catch(() => {});
    // The IdP's interval is 1 s: the server polls while the wait runs ...
    await sleep(2_500);
    const polling = (await idp().stats()).token_requests;
    c.destroy();
    await sleep(1_500);
    const atClose = (await idp().stats()).token_requests;
    expect(atClose).toBeGreaterThan(0);
    expect(polling).toBeGreaterThan(0);
    // ... and not after it closed.
    await sleep(3_000);
    expect((await idp().stats()).token_requests).toBe(atClose);
  });
});
