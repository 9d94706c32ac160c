// ID login in Chromium against the real server and the real test IdP (its own process):
// "Sign in with Test IdP", the IdP's sign-in and consent forms, back on the page with a
// one-time login code in the fragment that the page takes out and redeems over /ws. A new
// identity chooses its username and chats; the same identity again is the same account.
import type { Browser, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useIdp } from '../services/idp.ts';
import { login, openPage, send, startChat, startWebServer } from './browser.ts';
import { browserSuite, convButton, finish, PW, shown, TIMEOUT, texts } from './steps.ts';

/** Signs in at the IdP as `who` from the logged-out page (a fresh context: the IdP asks). */
async function signInWithIdp(page: Page, who: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  await page.locator('input[name="login"]').fill(who);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** A fresh context on the page, signed in at the IdP as `who`, back on the page. */
async function viaIdp(browser: Browser, url: string, who: string): Promise<Page> {
  const page = await openPage(browser, url);
  await signInWithIdp(page, who);
  return page;
}

/** What the page's storage and address hold: none of it may be the login code. */
async function leftovers(page: Page): Promise<string> {
  return page.evaluate<string>(
    'location.href + JSON.stringify([{ ...sessionStorage }, { ...localStorage }])',
  );
}

browserSuite('web client: ID login', (ref) => {
  const idp = useIdp();

  const idConfig = () => ({ identity: { providers: [idp().providerConfig('testidp')] } });

  it(
    'a new identity chooses a username and chats; the same identity again is the same account',
    async () => {
      const server = await startWebServer({
        config: idConfig(),
        users: [{ username: 'pat', email: 'pat@example.test', password: PW }],
      });
      const pat = await openPage(ref.browser, server.url);
      await login(pat, 'pat', PW);

      const first = await viaIdp(ref.browser, server.url, 'alice');
      await first.getByRole('form', { name: 'Create your account' }).waitFor();
      expect(await first.getByLabel('Username').inputValue()).toBe('alice');
      expect(await leftovers(first)).not.toContain('oidc_code');
      await first.getByRole('button', { name: 'Create account' }).click();
      await first.getByRole('button', { name: 'Log out' }).waitFor();
      expect(await first.locator('header .me').textContent()).toContain('alice');
      await startChat(first, 'pat');
      await send(first, 'hello from alice');
      await convButton(pat, /alice/).click();
      await shown(pat, 'hello from alice');
      await first.getByRole('button', { name: 'Log out' }).click();

      // Another browser, the same person at the IdP: straight in, as the same account.
      const again = await viaIdp(ref.browser, server.url, 'alice');
      await again.getByRole('button', { name: 'Log out' }).waitFor();
      expect(await again.locator('header .me').textContent()).toContain('alice');
      expect(await again.getByRole('form', { name: 'Create your account' }).count()).toBe(0);
      await convButton(again, /pat/).click();
      await shown(again, 'hello from alice');
      expect(await texts(again)).toEqual(['hello from alice']);
      expect(await leftovers(again)).not.toContain('oidc_code');
      await finish(server, pat, first, again);
    },
    TIMEOUT,
  );

  it(
    'an identity without an email gives one; a stolen login code works in no browser',
    async () => {
      const server = await startWebServer({ config: idConfig() });
      const page = await viaIdp(ref.browser, server.url, 'carol');
      await page.getByRole('form', { name: 'Create your account' }).waitFor();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByLabel('Email').fill('carol@example.test');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      expect(await page.locator('header .me').textContent()).toContain('carol');

      // A stolen login code: read off the victim's callback redirect while the victim's page
      // cannot reach the server (its socket is held by the test), then opened in another
      // browser, which lacks the binding cookie.
      const victim = await openPage(ref.browser, server.url);
      await victim.routeWebSocket(/\/ws$/, () => {});
      let stolen = '';
      victim.on('response', (r) => {
        const m = /#oidc_code=([\w-]+)/.exec(r.headers().location ?? '');
        if (m) stolen = m[1] as string;
      });
      await signInWithIdp(victim, 'dave');
      await victim.getByText('Signing you in…').waitFor();
      expect(stolen).toMatch(/^[\w-]{43}$/);
      const thief = await openPage(ref.browser, `${server.url}#oidc_code=${stolen}`);
      await thief.getByRole('alert').waitFor();
      expect(await thief.getByRole('alert').textContent()).toContain('expired or was used already');
      // Tried once elsewhere, the code is gone for the victim's browser too.
      const again = await victim.context().newPage();
      await again.goto(`${server.url}#oidc_code=${stolen}`);
      await again.getByRole('alert').waitFor();
      await again.getByRole('button', { name: 'Back to sign-in' }).click();
      await again.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
      await finish(server, page, victim, thief);
    },
    TIMEOUT,
  );
});
