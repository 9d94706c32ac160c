// Linking identities to accounts (issue 16): link_identity + oidc_wait, identities,
// unlink_identity keeping one way to log in, and one account per identity (identity_taken).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { useIdp } from '../../services/idp.ts';
import { account } from '../accounts-support.ts';
import { closeAllClients, connectClient, loginClient, type TestClient } from '../client.ts';
import { cleanup } from '../harness.ts';
import { deviceLogin, useOidcServer } from '../oidc-support.ts';
import type { Wire } from '../transports.ts';
import { codeOf, expectOk, PASSWORD, uniqueName } from '../util.ts';

/** The linking cases, run over `wire`. */
export function oidcLinkingCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);
  const idp = useIdp();
  const server = useOidcServer(idp, (p) => ({
    identity: { providers: [p.providerConfig('testidp'), p.providerConfig('second')] },
  }));
  const endpoint = () => wire.endpoint(server());

  /** A password account, logged in. */
  async function passwordUser(): Promise<{ name: string; id: string; c: TestClient }> {
    const name = uniqueName('pwuser');
    const id = await account(endpoint(), name);
    return { name, id, c: await loginClient(endpoint(), name, PASSWORD) };
  }

  describe('link_identity, identities, unlink_identity', () => {
    it('links an identity to a password account; ID login then reaches that account', async () => {
      const { name, id, c } = await passwordUser();
      const login = uniqueName('linkme');
      const linked = await deviceLogin(c, login, { link: true });
      expect(linked).toMatchObject({ ok: true, data: { linked: 'testidp' } });
      const list = expectOk(await c.call('identities'), 'identities');
      expect(list.data.identities).toEqual([
        {
          provider: 'testidp',
          issuer: idp().issuer,
          subject: login,
          email: `${login}@example.test`,
          linked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      c.destroy();
      const d = await connectClient(endpoint());
      expect((await deviceLogin(d, login)).data).toMatchObject({ id, username: name });
    });

    it('refuses a second identity at the same provider and an identity tied to another account', async () => {
      const first = await passwordUser();
      const login = uniqueName('taken');
      await deviceLogin(first.c, login, { link: true });
      expect(codeOf(await first.c.call('link_identity', ['testidp']))).toBe('forbidden');
      const second = await passwordUser();
      const r = await deviceLogin(second.c, login, { link: true });
      expect(codeOf(r)).toBe('identity_taken');
      expect((await second.c.call('identities')).data.identities).toEqual([]);
      // An identity registered through ID login is taken as well.
      const idOnly = uniqueName('idreg');
      const e = await connectClient(endpoint());
      await deviceLogin(e, idOnly);
      expectOk(await e.request('oidc_register', [idOnly], e.helloToken), 'oidc_register');
      expect(codeOf(await deviceLogin(second.c, idOnly, { link: true }))).toBe('identity_taken');
    });

    it('unlinks; never the last way to log in of an account without a password', async () => {
      const login = uniqueName('idlast');
      const c = await connectClient(endpoint());
      await deviceLogin(c, login);
      expectOk(await c.request('oidc_register', [login], c.helloToken), 'oidc_register');
      const s = expectOk(await c.request('set_user', [], c.helloToken), 'set_user');
      c.token = s.data.token;
      const last = await c.call('unlink_identity', ['testidp']);
      expect(codeOf(last)).toBe('forbidden');
      expect(last.error?.message).toMatch(/only way to log in/);
      // With a second identity the first may go, and then the second is the last.
      // ('second' is the same IdP under another name: the same subject would be identity_taken.)
      const other = await deviceLogin(c, uniqueName('idother'), { link: true, provider: 'second' });
      expect(other.data).toEqual({ linked: 'second' });
      expect(await c.call('unlink_identity', ['testidp'])).toMatchObject({ ok: true, data: {} });
      expect(codeOf(await c.call('unlink_identity', ['testidp']))).toBe('not_found');
      expect(codeOf(await c.call('unlink_identity', ['second']))).toBe('forbidden');
      expect(
        (await c.call('identities')).data.identities.map((i: { provider: string }) => i.provider),
      ).toEqual(['second']);
    });

    it('a password account may unlink its only identity; the identity is then free', async () => {
      const { c } = await passwordUser();
      const login = uniqueName('free');
      await deviceLogin(c, login, { link: true });
      expect(await c.call('unlink_identity', ['testidp'])).toMatchObject({ ok: true, data: {} });
      const d = await connectClient(endpoint());
      expect((await deviceLogin(d, login)).data).toMatchObject({ link: 'new' });
    });

    it('linking needs a session; a hello-phase oidc_wait does not take a link flow', async () => {
      const c = await connectClient(endpoint());
      expect(codeOf(await c.request('link_identity', ['testidp'], c.helloToken))).toBe(
        'not_logged_in',
      );
      expect(codeOf(await c.request('identities', [], c.helloToken))).toBe('not_logged_in');
      const { c: s } = await passwordUser();
      expect(codeOf(await s.call('link_identity', ['nope']))).toBe('not_found');
      expect(codeOf(await s.call('oidc_wait'))).toBe('not_found');
    });
  });
}
