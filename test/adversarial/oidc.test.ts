// ID login under attack (issue 16), against the real test IdP: ID tokens that are forged,
// expired, or for another audience or issuer; a reused device code;
// an IdP that refuses, stalls or is down while everyone else keeps chatting; and one identity
// raced into two accounts. Each refusal is invalid_credentials and leaves nothing verified.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries } from '../protocol/audit-support.ts';
import { closeAllClients, connectClient, type TestClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { deviceLogin } from '../protocol/oidc-support.ts';
import { codeOf, expectOk, uniqueName } from '../protocol/util.ts';
import { IDP_CLIENTS, type IdpService, startIdp, type TamperMode } from '../services/idp.ts';
import { type Arena, assertControlStillWorks, startArena } from './support.ts';

afterEach(closeAllClients);
afterAll(cleanup);

let idp: IdpService;
let arena: Arena;
beforeAll(async () => {
  idp = await startIdp();
  arena = await startArena({
    config: {
      identity: {
        providers: [idp.providerConfig(), idp.providerConfig('second')],
        request_timeout_s: 2,
      },
    },
  });
});
afterAll(async () => {
  await arena?.stop();
  await idp?.stop();
});

/** After a refused ID login the connection is not verified: set_user is not_logged_in. */
async function expectNotVerified(c: TestClient): Promise<void> {
  expect(codeOf(await c.request('set_user', [], c.helloToken))).toBe('not_logged_in');
}

describe('ID tokens that fail the checks', () => {
  // (A device flow sends no nonce, so none is checked here; the web flow's tests spoil it.)
  it.each<TamperMode>(['forged', 'expired', 'wrong_aud', 'wrong_iss'])(
    '%s ID token: invalid_credentials, nothing verified, the identity stays unregistered',
    async (mode) => {
      const login = uniqueName('tamper');
      await idp.tamper(mode);
      const c = await connectClient(arena.port);
      const r = await deviceLogin(c, login);
      expect(codeOf(r), JSON.stringify(r)).toBe('invalid_credentials');
      expect((await idp.stats()).tamper_pending).toBe(false);
      await expectNotVerified(c);
      expect(codeOf(await c.request('oidc_register', [login], c.helloToken))).toBe('not_found');
      // The same user with an honest token is a new identity: nothing was tied before.
      const d = await connectClient(arena.port);
      expect((await deviceLogin(d, login)).data).toMatchObject({ link: 'new' });
    },
  );

  it('a reused device code is invalid_credentials', async () => {
    const c = await connectClient(arena.port);
    await deviceLogin(c, uniqueName('first'));
    await idp.replayDeviceCode();
    const d = await connectClient(arena.port);
    const start = expectOk(await d.request('oidc_start', ['testidp'], d.helloToken), 'oidc_start');
    expect(start.data.user_code).toBeTruthy();
    expect(codeOf(await d.request('oidc_wait', [], d.helloToken, 30_000))).toBe(
      'invalid_credentials',
    );
    await expectNotVerified(d);
  });

  it('an expired flow (expired_token) is invalid_credentials; slow_down only slows the polling', async () => {
    await idp.failTokenRequests(['expired_token']);
    const c = await connectClient(arena.port);
    const start = expectOk(await c.request('oidc_start', ['testidp'], c.helloToken), 'oidc_start');
    expect(codeOf(await c.request('oidc_wait', [], c.helloToken, 30_000))).toBe(
      'invalid_credentials',
    );
    expect(start.data.interval).toBe(1);
    const before = (await idp.stats()).token_requests;
    await idp.failTokenRequests(['slow_down']);
    const d = await connectClient(arena.port);
    const login = uniqueName('slow');
    expect((await deviceLogin(d, login)).data).toMatchObject({
      link: 'new',
      suggested_username: login,
    });
    // One slow_down answer, then at least the poll that succeeded.
    expect((await idp.stats()).token_requests).toBeGreaterThanOrEqual(before + 2);
  });
});

describe('one identity, one account', () => {
  it('two connections racing to register the same identity: one account, the other identity_taken', async () => {
    const login = uniqueName('race');
    const [a, b] = await Promise.all([connectClient(arena.port), connectClient(arena.port)]);
    expect((await deviceLogin(a, login)).data.link).toBe('new');
    expect((await deviceLogin(b, login)).data.link).toBe('new');
    const [ra, rb] = await Promise.all([
      a.request('oidc_register', [uniqueName('ra')], a.helloToken),
      b.request('oidc_register', [uniqueName('rb')], b.helloToken),
    ]);
    const codes = [codeOf(ra), codeOf(rb)].sort();
    // Both may also meet at the email: the loser then hears email_taken, also refused.
    expect(codes[0]).toBe('OK');
    expect(['identity_taken', 'email_taken']).toContain(codes[1]);
    const c = await connectClient(arena.port);
    const winner = codeOf(ra) === 'OK' ? ra : rb;
    expect((await deviceLogin(c, login)).data).toMatchObject({ id: winner.data.id });
  });
});

describe('an identity provider that refuses, stalls or is down', () => {
  it('denied at the IdP: invalid_credentials', async () => {
    const c = await connectClient(arena.port);
    expect(codeOf(await deviceLogin(c, uniqueName('deny'), { deny: true }))).toBe(
      'invalid_credentials',
    );
    await expectNotVerified(c);
  });

  it('stalled (SIGSTOP): provider_unavailable after identity.request_timeout_s; others keep chatting', async () => {
    idp.pause();
    try {
      const c = await connectClient(arena.port);
      const pending = c.request('oidc_start', ['testidp'], c.helloToken, 30_000);
      await assertControlStillWorks(arena);
      const r = await pending;
      expect(codeOf(r)).toBe('provider_unavailable');
      expect(r.error?.message).toContain('testidp');
    } finally {
      idp.resume();
    }
    const d = await connectClient(arena.port);
    expect((await deviceLogin(d, uniqueName('after'))).data.link).toBe('new');
  });

  it('down mid-flow and at the start: provider_unavailable; back up with a new signing key: ID login works again', async () => {
    const c = await connectClient(arena.port);
    const start = expectOk(await c.request('oidc_start', ['testidp'], c.helloToken), 'oidc_start');
    const waiting = c.request('oidc_wait', [], c.helloToken, 30_000);
    await idp.stop();
    expect(codeOf(await waiting)).toBe('provider_unavailable');
    const d = await connectClient(arena.port);
    const down = await d.request('oidc_start', ['testidp'], d.helloToken, 30_000);
    expect(codeOf(down)).toBe('provider_unavailable');
    expect(down.error?.message).toMatch(/"testidp" cannot be reached/);
    expect(codeOf(await d.call('ping'))).toBe('OK');
    await assertControlStillWorks(arena);
    await idp.restart();
    expect(start.data.user_code).toBeTruthy();
    const e = await connectClient(arena.port);
    const login = uniqueName('back');
    expect((await deviceLogin(e, login)).data).toMatchObject({
      link: 'new',
      suggested_username: login,
    });
  });
});

describe('audit', () => {
  it('records oidc_register, link_identity and unlink_identity', async () => {
    const login = uniqueName('audited');
    const c = await connectClient(arena.port);
    await deviceLogin(c, login);
    expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
    const s = expectOk(await c.request('set_user', [], c.helloToken), 'set_user');
    c.token = s.data.token;
    expect(codeOf(await c.call('unlink_identity', ['testidp']))).toBe('forbidden');
    const other = uniqueName('second');
    expect((await deviceLogin(c, other, { link: true, provider: 'second' })).data).toEqual({
      linked: 'second',
    });
    expect(codeOf(await c.call('unlink_identity', ['testidp']))).toBe('OK');
    // Let the audit batch reach the database, then read it as the operator does.
    const entries = await auditEntries(arena.server.dataDir);
    const mine = entries
      .filter((e) => e.actor === login)
      .map((e) => [e.action, e.target, e.outcome]);
    expect(mine).toEqual([
      ['oidc_register', 'testidp', 'ok'],
      ['unlink_identity', 'testidp', 'forbidden'],
      ['link_identity', 'second', 'ok'],
      ['unlink_identity', 'testidp', 'ok'],
    ]);
    const text = JSON.stringify(entries);
    expect(text).not.toMatch(/eyJ|device_code|user_code/);
  });
});

describe('secrets', () => {
  it('the server’s log holds no ID token, client secret or device flow code', async () => {
    const c = await connectClient(arena.port);
    const start = expectOk(await c.request('oidc_start', ['testidp'], c.helloToken), 'oidc_start');
    const log = arena.server.output.stdout + arena.server.output.stderr;
    expect(log).toContain('device flow failed');
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(log).not.toContain(IDP_CLIENTS.confidential.secret);
    expect(log).not.toContain(start.data.user_code);
  });
});
