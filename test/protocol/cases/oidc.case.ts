// ID login with the device flow against the real test IdP (a separate oidc-provider process):
// oidc_start / oidc_wait / oidc_register, the same identity again, no password on such
// accounts, suggested usernames, emails without verification, level_claims, the hello
// token kept alive, and the registration policy.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { completeDeviceFlow, useIdp } from '../../services/idp.ts';
import { account } from '../accounts-support.ts';
import { closeAllClients, connectClient } from '../client.ts';
import { cleanup } from '../harness.ts';
import { deviceLogin, useOidcServer } from '../oidc-support.ts';
import type { Wire } from '../transports.ts';
import { codeOf, expectOk, PASSWORD, sleep, uniqueName } from '../util.ts';

/** The ID login (device flow) cases, run over `wire`. */
export function oidcCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);
  const idp = useIdp();

  describe('device flow login and registration', () => {
    const server = useOidcServer(idp);
    const endpoint = () => wire.endpoint(server());

    it('answers oidc_start with the device flow’s codes; unknown provider and no flow are not_found', async () => {
      const c = await connectClient(endpoint());
      const start = expectOk(
        await c.request('oidc_start', ['testidp'], c.helloToken),
        'oidc_start',
      );
      expect(Object.keys(start.data).sort()).toEqual([
        'expires_in',
        'interval',
        'user_code',
        'verification_uri',
        'verification_uri_complete',
      ]);
      expect(start.data.verification_uri).toBe(`${idp().issuer}/device`);
      expect(start.data.verification_uri_complete).toContain(
        encodeURIComponent(start.data.user_code).slice(0, 4),
      );
      expect(start.data).toMatchObject({ expires_in: 600, interval: 1 });
      expect(codeOf(await c.request('oidc_start', ['nope'], c.helloToken))).toBe('not_found');
      const d = await connectClient(endpoint());
      expect(codeOf(await d.request('oidc_wait', [], d.helloToken))).toBe('not_found');
      expect(codeOf(await d.request('oidc_start', ['testidp']))).toBe('invalid_token');
      expect(codeOf(await d.request('oidc_start', ['Not A Name'], d.helloToken))).toBe(
        'invalid_input',
      );
    });

    it('a new identity answers link: new; oidc_register makes the account; the same identity logs in again', async () => {
      const login = uniqueName('idnew');
      const c = await connectClient(endpoint());
      const wait = await deviceLogin(c, login);
      expect(wait).toMatchObject({ ok: true, data: { link: 'new', suggested_username: login } });
      const reg = expectOk(
        await c.request('oidc_register', [login], c.helloToken),
        'oidc_register',
      );
      expect(reg.data).toMatchObject({ username: login, confirm: false });
      const session = expectOk(await c.request('set_user', [], c.helloToken), 'set_user');
      const info = await c.request('user_info', [login], session.data.token);
      expect(info.data).toMatchObject({
        username: login,
        email: `${login}@example.test`,
        level: 'basic',
      });

      const again = await connectClient(endpoint());
      c.destroy();
      const back = await deviceLogin(again, login);
      expect(back).toMatchObject({
        ok: true,
        data: { id: reg.data.id, username: login, level: 'basic' },
      });
      expect(codeOf(await again.request('set_user', [], again.helloToken))).toBe('OK');
    });

    it('an account made by ID login has no password: veus fails with invalid_credentials', async () => {
      const login = uniqueName('idnopw');
      const c = await connectClient(endpoint());
      await deviceLogin(c, login);
      expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
      for (const password of ['', PASSWORD, 'any']) {
        const d = await connectClient(endpoint());
        const r = await d.request('veus', [login, password], d.helloToken);
        expect(codeOf(r), `veus with "${password}"`).toBe('invalid_credentials');
      }
    });

    it('suggests a free username when the preferred one is taken, and refuses a taken one', async () => {
      const login = uniqueName('idtaken');
      await account(endpoint(), login);
      const c = await connectClient(endpoint());
      const wait = await deviceLogin(c, login);
      expect(wait.data).toEqual({ link: 'new', suggested_username: `${login}2` });
      expect(codeOf(await c.request('oidc_register', [login], c.helloToken))).toBe(
        'username_taken',
      );
      const reg = await c.request('oidc_register', [`${login}2`], c.helloToken);
      expect(reg.data).toMatchObject({ username: `${login}2`, confirm: false });
    });

    it('a verified email already on a password account is email_taken, with a hint to link instead', async () => {
      const login = uniqueName('idmail');
      const owner = await connectClient(endpoint());
      const mail = `${login}@example.test`;
      expectOk(
        await owner.request('create_user', [uniqueName('owner'), PASSWORD, mail], owner.helloToken),
        'create_user',
      );
      const c = await connectClient(endpoint());
      expect((await deviceLogin(c, login)).data.link).toBe('new');
      const r = await c.request('oidc_register', [login], c.helloToken);
      expect(codeOf(r)).toBe('email_taken');
      expect(r.error?.message).toMatch(/link_identity/);
    });

    it('without a verified email claim oidc_register needs an email; a verified one needs none', async () => {
      for (const login of [uniqueName('noemail-x'), uniqueName('unverified-x')]) {
        const c = await connectClient(endpoint());
        expect((await deviceLogin(c, login)).data.link).toBe('new');
        const name = uniqueName('mail');
        const missing = await c.request('oidc_register', [name], c.helloToken);
        expect(codeOf(missing)).toBe('invalid_input');
        expect(missing.error?.message).toMatch(/no verified email/);
        const reg = await c.request('oidc_register', [name, `${name}@example.com`], c.helloToken);
        expect(reg.data).toMatchObject({ username: name, confirm: false });
      }
    });

    it('oidc_register is refused without a finished ID login, and only once per connection', async () => {
      const c = await connectClient(endpoint());
      expect(codeOf(await c.request('oidc_register', [uniqueName('early')], c.helloToken))).toBe(
        'not_found',
      );
      const login = uniqueName('idonce');
      await deviceLogin(c, login);
      expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
      expect(codeOf(await c.request('oidc_register', [uniqueName('twice')], c.helloToken))).toBe(
        'not_found',
      );
    });

    it('a denied sign-in is invalid_credentials, and the flow is used up', async () => {
      const c = await connectClient(endpoint());
      const r = await deviceLogin(c, uniqueName('iddeny'), { deny: true });
      expect(codeOf(r)).toBe('invalid_credentials');
      expect(codeOf(await c.request('oidc_wait', [], c.helloToken))).toBe('not_found');
    });
  });

  describe('level_claims and default_level', () => {
    const server = useOidcServer(idp, (p) => ({
      identity: {
        providers: [
          p.providerConfig('testidp', {
            default_level: 'basic',
            scopes: ['openid', 'email', 'profile', 'groups'],
            level_claims: { claim: 'groups', values: { 'chat-admins': 'admin' } },
          }),
        ],
      },
    }));

    it('gives the mapped level at registration and keeps it at each login', async () => {
      const login = uniqueName('admin-x');
      const c = await connectClient(wire.endpoint(server()));
      await deviceLogin(c, login);
      expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
      const s = expectOk(await c.request('set_user', [], c.helloToken), 'set_user');
      expect(s.data.level).toBe('admin');
      const plain = uniqueName('plain');
      const d = await connectClient(wire.endpoint(server()));
      await deviceLogin(d, plain);
      expectOk(await d.request('oidc_register', [plain], d.helloToken), 'oidc_register');
      expect(expectOk(await d.request('set_user', [], d.helloToken), 'set_user').data.level).toBe(
        'basic',
      );
      c.destroy();
      const again = await connectClient(wire.endpoint(server()));
      expect((await deviceLogin(again, login)).data).toMatchObject({
        username: login,
        level: 'admin',
      });
    });

    it('takes a mapped level away at the next login when the claim no longer gives it', async () => {
      const login = uniqueName('admin-y');
      const c = await connectClient(wire.endpoint(server()));
      await deviceLogin(c, login);
      expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
      c.destroy();
      await idp().setClaims(login, { groups: ['other'] });
      const d = await connectClient(wire.endpoint(server()));
      expect((await deviceLogin(d, login)).data).toMatchObject({ username: login, level: 'basic' });
      d.destroy();
      await idp().setClaims(login, { groups: 'chat-admins' });
      const e = await connectClient(wire.endpoint(server()));
      expect((await deviceLogin(e, login)).data).toMatchObject({ username: login, level: 'admin' });
    });
  });

  describe('hello token during a device flow', () => {
    const server = useOidcServer(idp, (p) => ({
      identity: { providers: [p.providerConfig()] },
      session: { hello_ttl_s: 1 },
    }));

    it('outlives session.hello_ttl_s while the flow runs, up to its expires_in', async () => {
      const login = uniqueName('idslow');
      const c = await connectClient(wire.endpoint(server()));
      const idle = await connectClient(wire.endpoint(server()));
      const start = expectOk(
        await c.request('oidc_start', ['testidp'], c.helloToken),
        'oidc_start',
      );
      await sleep(1_500);
      // The idle connection's token died with hello_ttl_s (or the connection was closed).
      const refused = idle.isClosed
        ? 'closed'
        : codeOf(await idle.request('ping', [], idle.helloToken));
      expect(['closed', 'invalid_token']).toContain(refused);
      const waiting = c.request('oidc_wait', [], c.helloToken, 30_000);
      await completeDeviceFlow(start.data.verification_uri_complete, { login });
      expect((await waiting).data).toMatchObject({ link: 'new' });
      expect(codeOf(await c.request('oidc_register', [login], c.helloToken))).toBe('OK');
    });
  });

  describe('accounts.registration', () => {
    const only = useOidcServer(idp, (p) => ({
      identity: { providers: [p.providerConfig()] },
      accounts: { registration: 'identity_only' },
    }));
    const closed = useOidcServer(idp, (p) => ({
      identity: { providers: [p.providerConfig()] },
      accounts: { registration: 'closed' },
    }));

    it('identity_only refuses create_user and allows oidc_register', async () => {
      const c = await connectClient(wire.endpoint(only()));
      const name = uniqueName('pw');
      const r = await c.request(
        'create_user',
        [name, PASSWORD, `${name}@example.com`],
        c.helloToken,
      );
      expect(codeOf(r)).toBe('forbidden');
      expect(r.error?.message).toMatch(/ID login/);
      const login = uniqueName('idonly');
      await deviceLogin(c, login);
      expect(codeOf(await c.request('oidc_register', [login], c.helloToken))).toBe('OK');
    });

    it('closed refuses both create_user and oidc_register', async () => {
      const c = await connectClient(wire.endpoint(closed()));
      const name = uniqueName('pw');
      expect(
        codeOf(
          await c.request('create_user', [name, PASSWORD, `${name}@example.com`], c.helloToken),
        ),
      ).toBe('forbidden');
      const login = uniqueName('idclosed');
      expect((await deviceLogin(c, login)).data.link).toBe('new');
      expect(codeOf(await c.request('oidc_register', [login], c.helloToken))).toBe('forbidden');
    });
  });
}
