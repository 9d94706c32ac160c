// Accounts in Chromium against the real server: change the password, delete the account
// (a send to the deleted user is refused and stays failed on Retry), register with the
// emailed code, and reset a forgotten password with another.
import { expect, it } from 'vitest';
import { codeIn, mailsTo } from '../protocol/outbox.ts';
import { login, openPage, send, startWebServer } from './browser.ts';
import { browserSuite, chatting, finish, mine, PW, poll, stateOf, TIMEOUT } from './steps.ts';

browserSuite('web client: accounts', (ref) => {
  it(
    'settings: change the password, delete the account; a send to the deleted user fails and offers a retry',
    async () => {
      const server = await startWebServer();
      const [hana, ivan] = await chatting(ref.browser, server.url, 'hana', 'ivan');
      await ivan.getByRole('button', { name: 'Settings', exact: true }).click();
      await ivan.getByLabel('Current password').fill(PW);
      await ivan.getByLabel('New password').fill(`${PW} 2`);
      await ivan.getByRole('button', { name: 'Change password' }).click();
      await ivan.getByText(/Password changed/).waitFor();
      ivan.once('dialog', (d) => void d.accept());
      await ivan.getByLabel('Password', { exact: true }).fill(`${PW} 2`);
      await ivan.getByRole('button', { name: 'Delete my account' }).click();
      await ivan.getByText('Your account was deleted.').waitFor();
      // The account is gone: its name is no longer kept for the login form either.
      expect(await ivan.getByLabel('Username').inputValue()).toBe('');
      await send(hana, 'are you there?');
      const row = mine(hana).last();
      await poll(() => stateOf(row)).toBe('failed');
      await row.getByRole('button', { name: 'Retry' }).click();
      await poll(() => stateOf(row)).toBe('failed');
      expect(await mine(hana).count()).toBe(1);
      await finish(server, hana, ivan);
    },
    TIMEOUT,
  );

  it(
    'registers with the emailed code, then resets a forgotten password with another',
    async () => {
      const server = await startWebServer({
        config: { accounts: { require_email_confirmation: true } },
      });
      const email = 'joan@example.test';
      /** The code in the newest mail to joan (the development outbox is the mailbox). */
      const newestCode = async (count: number) => {
        await poll(() => mailsTo(server.dataDir, email).length).toBeGreaterThanOrEqual(count);
        const mails = mailsTo(server.dataDir, email);
        return codeIn(mails[mails.length - 1]?.text ?? '') ?? '';
      };
      const page = await openPage(ref.browser, server.url);
      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await page.getByLabel('Username').fill('joan');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PW);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByLabel('Code').fill(await newestCode(1));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Forgot password' }).click();
      await page.getByLabel('Username or email').fill(email);
      await page.getByRole('button', { name: 'Email me a code' }).click();
      await page.getByLabel('Username', { exact: true }).fill('joan');
      await page.getByLabel('Code').fill(await newestCode(2));
      await page.getByLabel('New password', { exact: true }).fill(`${PW} new`);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText(/Password changed/).waitFor();
      await page.getByRole('button', { name: 'Log in', exact: true }).first().click();
      await login(page, 'joan', `${PW} new`);
      expect(await page.locator('.me').textContent()).toContain('joan');
      await finish(server, page);
    },
    TIMEOUT,
  );
});
