// The SDK's ID login against the real server and the test IdP (a separate oidc-provider
// process): the device flow to a new account and back to the same one, linking and unlinking,
// a long wait in a session that outlives the heartbeat timeout, and the refusals.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  type Client,
  type DeviceFlow,
  isIdentityLinked,
  isNewIdentity,
  type ServerError,
} from '../../src/client/index.ts';
import { cleanup, type ServerHandle, startServer } from '../protocol/harness.ts';
import { uniqueName } from '../protocol/util.ts';
import { completeDeviceFlow, type IdpService, startIdp } from '../services/idp.ts';
import { closeAllSdk, connectSdk, PASS, registerSdk, rejection } from './helpers.ts';

const PROVIDER = 'testidp';
const codeOf = (err: Error) => (err as ServerError).code;

let idp: IdpService;
let srv: ServerHandle;
beforeAll(async () => {
  idp = await startIdp();
  srv = await startServer({
    config: {
      identity: { providers: [idp.providerConfig(PROVIDER)] },
      // Short, so the long-wait test outlives the heartbeat timeout several times.
      session: { heartbeat_interval_s: 1, heartbeat_timeout_s: 2 },
    },
  });
});
afterEach(closeAllSdk);
afterAll(async () => {
  await cleanup();
  await idp?.stop();
});

/** The user `login` signs in at the IdP's pages for `flow` (a browser on another device). */
function signIn(flow: DeviceFlow, login: string, deny = false) {
  return completeDeviceFlow(flow.verification_uri_complete ?? '', { login, deny });
}

/** A connection logged in through the IdP as `login`, whose account exists already. */
async function idLogin(login: string): Promise<{ client: Client; account: Account }> {
  const client = await connectSdk(srv.port);
  const flow = await client.oidcStart(PROVIDER);
  const [r] = await Promise.all([client.oidcWait(), signIn(flow, login)]);
  if (isNewIdentity(r) || isIdentityLinked(r))
    throw new Error(`not logged in: ${JSON.stringify(r)}`);
  return { client, account: r };
}

describe('ID login through the SDK', () => {
  it('a new identity registers without a password; the same identity again is the same account', async () => {
    const login = uniqueName('idnew');
    const c = await connectSdk(srv.port);
    const flow = await c.oidcStart(PROVIDER);
    expect(flow.user_code).toMatch(/\S/);
    expect(flow.verification_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(flow.verification_uri_complete).toContain(flow.verification_uri);
    expect(flow.expires_in).toBeGreaterThan(0);
    const [r] = await Promise.all([c.oidcWait(), signIn(flow, login)]);
    expect(r).toEqual({ link: 'new', suggested_username: login });
    expect(c.isLoggedIn).toBe(false);

    const reg = await c.oidcRegister(login);
    expect(reg).toMatchObject({ username: login, confirm: false });
    expect(c.isLoggedIn).toBe(true);
    expect(await c.userInfo(login)).toMatchObject({ email: `${login}@example.test` });
    const [mine] = await c.identities();
    expect(mine).toMatchObject({ provider: PROVIDER, issuer: idp.issuer, subject: login });
    c.close();

    const again = await idLogin(login);
    expect(again.account).toMatchObject({ id: reg.id, username: login });
    expect(again.client.isLoggedIn).toBe(true);
    expect(again.client.username).toBe(login);
    // No password: a password login of that account fails like a wrong password.
    const pw = await connectSdk(srv.port);
    expect(codeOf(await rejection(pw.login(login, PASS)))).toBe('invalid_credentials');
  });

  it('without a verified email from the provider, oidc_register wants one', async () => {
    const login = `noemail-${uniqueName('n')}`; // the test IdP gives noemail-… no email
    const c = await connectSdk(srv.port);
    const flow = await c.oidcStart(PROVIDER);
    await Promise.all([c.oidcWait(), signIn(flow, login)]);
    expect(codeOf(await rejection(c.oidcRegister(login)))).toBe('invalid_input');
    expect(c.isLoggedIn).toBe(false);
    const reg = await c.oidcRegister(login, `${login}@example.org`);
    expect(reg).toMatchObject({ username: login, confirm: false }); // the test server confirms no email
    expect(await c.userInfo(login)).toMatchObject({ email: `${login}@example.org` });
  });

  it('links an identity to a password account, lists it, refuses it twice, and unlinks it', async () => {
    const { name, client } = await registerSdk(srv.port, 'idlink');
    expect(await client.identities()).toEqual([]);
    const login = uniqueName('idlinked');
    const flow = await client.linkIdentity(PROVIDER);
    const [r] = await Promise.all([client.oidcWait(), signIn(flow, login)]);
    expect(r).toEqual({ linked: PROVIDER });
    const list = await client.identities();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ provider: PROVIDER, issuer: idp.issuer, subject: login });
    expect(Number.isNaN(Date.parse(list[0]?.linked_at ?? ''))).toBe(false);
    client.close();

    // The identity now logs in to that account.
    const viaId = await idLogin(login);
    expect(viaId.account.username).toBe(name);

    // Another account cannot take it.
    const other = await registerSdk(srv.port, 'idthief');
    const flow2 = await other.client.linkIdentity(PROVIDER);
    const [err] = await Promise.all([rejection(other.client.oidcWait()), signIn(flow2, login)]);
    expect(codeOf(err)).toBe('identity_taken');

    // The password stays as a way in, so unlinking is allowed.
    await viaId.client.unlinkIdentity(PROVIDER);
    expect(await viaId.client.identities()).toEqual([]);
  });

  it('refuses to unlink the only way into an account without a password', async () => {
    const login = uniqueName('idonly');
    const c = await connectSdk(srv.port);
    const flow = await c.oidcStart(PROVIDER);
    await Promise.all([c.oidcWait(), signIn(flow, login)]);
    await c.oidcRegister(login);
    expect(codeOf(await rejection(c.unlinkIdentity(PROVIDER)))).toBe('forbidden');
    expect(await c.identities()).toHaveLength(1);
  });

  it('keeps a session through a link wait longer than the heartbeat and request timeouts', async () => {
    // A 2 s request timeout: oidc_wait's own comes from the flow's expires_in instead.
    const { client } = await registerSdk(srv.port, 'idslow', { requestTimeoutMs: 2_000 });
    const closed: string[] = [];
    client.on('close', (info) => closed.push(info.reason ?? '?'));
    const flow = await client.linkIdentity(PROVIDER);
    const wait = client.oidcWait();
    // Twice the 2 s heartbeat timeout with no reply from the server: the wait holds them back.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(closed).toEqual([]);
    await signIn(flow, uniqueName('idslowlinked'));
    expect(await wait).toEqual({ linked: PROVIDER });
    expect(await client.ping()).toBeGreaterThanOrEqual(0); // the session is still there
    expect(closed).toEqual([]);
  });

  it('a denied sign-in is invalid_credentials; an unknown provider not_found; no flow not_found', async () => {
    const c = await connectSdk(srv.port);
    expect(codeOf(await rejection(c.oidcWait()))).toBe('not_found');
    expect(codeOf(await rejection(c.oidcStart('nosuchidp')))).toBe('not_found');
    const flow = await c.oidcStart(PROVIDER);
    const [err] = await Promise.all([
      rejection(c.oidcWait()),
      signIn(flow, uniqueName('iddeny'), true),
    ]);
    expect(codeOf(err)).toBe('invalid_credentials');
  });

  it('aborting the wait closes the connection and rejects with the reason', async () => {
    const c = await connectSdk(srv.port);
    await c.oidcStart(PROVIDER);
    const ac = new AbortController();
    const wait = c.oidcWait({ signal: ac.signal });
    const reason = new Error('gave up');
    ac.abort(reason);
    expect(await rejection(wait)).toBe(reason);
    expect(c.isConnected).toBe(false);
  });
});
