// The page's safety and keyboard use in Chromium against the real server: markup in a
// message is shown as text and never run; logging in and sending work with keys only.
import { expect, it } from 'vitest';
import { login, openPage, send, startChat, startWebServer } from './browser.ts';
import { browserSuite, convButton, finish, PW, person, shown, TIMEOUT, texts } from './steps.ts';

browserSuite('web client: security and keyboard', (ref) => {
  it(
    'shows markup in a message as text and never runs it',
    async () => {
      const server = await startWebServer();
      const mallory = await person(ref.browser, server.url, 'mallory');
      const victim = await person(ref.browser, server.url, 'victim');
      const dialogs: string[] = [];
      victim.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await startChat(mallory, 'victim');
      const evil = '<img src=x onerror="window.__pwned=1;alert(1)"><b>bold</b>';
      await send(mallory, evil);
      await convButton(victim, /mallory/).click();
      await victim.locator('.msg .text').first().waitFor();
      expect(await texts(victim)).toEqual([evil]);
      expect(await victim.locator('.messages img, .messages b, .convs img').count()).toBe(0);
      expect(await victim.evaluate('window.__pwned')).toBeUndefined();
      expect(dialogs).toEqual([]);
      await finish(server, mallory, victim);
    },
    TIMEOUT,
  );

  it(
    'keyboard only: log in and send',
    async () => {
      const server = await startWebServer({
        users: [
          { username: 'kim', email: 'kim@example.test', password: PW },
          { username: 'lee', email: 'lee@example.test', password: PW },
        ],
      });
      const other = await openPage(ref.browser, server.url);
      await login(other, 'lee', PW);
      const page = await openPage(ref.browser, server.url);
      const kb = page.keyboard;
      // Tab order: the three tabs, then the username and password fields, then Log in.
      for (let i = 0; i < 4; i++) await kb.press('Tab');
      await kb.type('kim');
      await kb.press('Tab');
      await kb.type(PW);
      await kb.press('Enter');
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      // Header: Chats, People → Enter opens People; Tab to "Message lee".
      await page.getByRole('button', { name: 'People', exact: true }).focus();
      await kb.press('Enter');
      await page.getByRole('button', { name: 'Message lee' }).waitFor();
      await page.getByRole('button', { name: 'Message lee' }).focus();
      await kb.press('Enter');
      await page.getByLabel('Message', { exact: true }).waitFor();
      expect(await page.evaluate('document.activeElement?.id')).not.toBe('composer-text');
      await page.getByLabel('Message', { exact: true }).focus();
      await kb.type('typed with keys');
      await kb.press('Enter');
      await convButton(other, /kim/).click();
      await shown(other, 'typed with keys');
      await finish(server, other, page);
    },
    TIMEOUT,
  );
});
