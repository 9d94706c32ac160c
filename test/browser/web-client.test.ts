// The web client in a real Chromium against the real server (WebSocket, SQLite, argon2id):
// chat both ways, an offline user after a reload, a server restart mid-chat, groups, admin,
// markup shown as text, and keyboard-only use.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../protocol/harness.ts';
import { codeIn, mailsTo } from '../protocol/outbox.ts';
import {
  ensureWebBuilt,
  haveChromium,
  launchBrowser,
  login,
  noteSkipped,
  openPage,
  register,
  send,
  startChat,
  startWebServer,
} from './browser.ts';

const enabled = haveChromium();
if (!enabled) noteSkipped();

const PW = 'correct horse battery staple';
const TIMEOUT = 90_000;

/** The message rows' texts, in order. */
const texts = (page: Page) => page.locator('.msg .text').allTextContents();

/** expect.poll with room for a loaded machine (its default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>, opts = { timeout: 15_000 }) => expect.poll(fn, opts);

/** Waits for a message row with exactly this text. */
const shown = (page: Page, text: string) =>
  page.locator('.msg .text').getByText(text, { exact: true }).waitFor();

describe.skipIf(!enabled)('web client in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cleanup();
  });

  it(
    'two people register, chat both ways, and see sent and read',
    async () => {
      const server = await startWebServer();
      const alice = await openPage(browser, server.url);
      const bob = await openPage(browser, server.url);
      await register(alice, 'alice', PW);
      await register(bob, 'bob', PW);
      await startChat(alice, 'bob');
      await send(alice, 'hi bob');
      await poll(() => alice.locator('.msg.mine').first().getAttribute('data-state')).toMatch(
        /sent|read/,
      );
      // Bob's list shows the conversation with one unread and the last message; his title counts it.
      const conv = bob.getByRole('button', { name: /alice/ });
      await poll(() => conv.textContent()).toContain('hi bob');
      await poll(() => conv.textContent()).toContain('1 unread');
      await poll(() => bob.title()).toBe('(1) super-server');
      await conv.click();
      await shown(bob, 'hi bob');
      // Alice's message turns "read" once Bob has it in view.
      await poll(() => alice.locator('.msg.mine').first().getAttribute('data-state')).toBe('read');
      await send(bob, 'hello alice');
      await alice.locator('.msg:not(.mine)').getByText('hello alice').waitFor();
      expect(await texts(alice)).toEqual(['hi bob', 'hello alice']);
      expect(await texts(bob)).toEqual(['hi bob', 'hello alice']);
      await alice.context().close();
      await bob.context().close();
      await server.stop();
    },
    TIMEOUT,
  );

  it(
    'shows markup in a message as text and never runs it',
    async () => {
      const server = await startWebServer();
      const alice = await openPage(browser, server.url);
      const bob = await openPage(browser, server.url);
      const dialogs: string[] = [];
      bob.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await register(alice, 'mallory', PW);
      await register(bob, 'victim', PW);
      await startChat(alice, 'victim');
      const evil = '<img src=x onerror="window.__pwned=1;alert(1)"><b>bold</b>';
      await send(alice, evil);
      await bob.getByRole('button', { name: /mallory/ }).click();
      await bob.locator('.msg .text').first().waitFor();
      expect(await texts(bob)).toEqual([evil]);
      expect(await bob.locator('.messages img, .messages b, .convs img').count()).toBe(0);
      expect(await bob.evaluate('window.__pwned')).toBeUndefined();
      expect(dialogs).toEqual([]);
      await alice.context().close();
      await bob.context().close();
      await server.stop();
    },
    TIMEOUT,
  );

  it(
    'a user who was offline gets every message after a reload and login',
    async () => {
      const server = await startWebServer();
      const alice = await openPage(browser, server.url);
      const bob = await openPage(browser, server.url);
      await register(alice, 'anna', PW);
      await register(bob, 'bert', PW);
      await startChat(alice, 'bert');
      await bob.getByRole('button', { name: 'Log out' }).click();
      await bob.getByRole('button', { name: 'Log in', exact: true }).last().waitFor();
      for (const t of ['one', 'two', 'three']) await send(alice, t);
      await poll(() => alice.locator('.msg[data-state="sent"]').count()).toBe(3);
      await bob.reload();
      await login(bob, 'bert', PW);
      const conv = bob.getByRole('button', { name: /anna/ });
      await poll(() => conv.textContent()).toContain('3 unread');
      await conv.click();
      await poll(() => texts(bob)).toEqual(['one', 'two', 'three']);
      await alice.context().close();
      await bob.context().close();
      await server.stop();
    },
    TIMEOUT,
  );

  it(
    'a server restart mid-chat loses nothing: the page reconnects and sends what was typed offline',
    async () => {
      const first = await startWebServer();
      const alice = await openPage(browser, first.url);
      const bob = await openPage(browser, first.url);
      await register(alice, 'carol', PW);
      await register(bob, 'dave', PW);
      await startChat(alice, 'dave');
      await send(alice, 'before the restart');
      await bob.getByRole('button', { name: /carol/ }).click();
      await shown(bob, 'before the restart');
      await first.stop();
      await alice.getByText(/Offline: reconnecting/).waitFor();
      await send(alice, 'typed while offline');
      expect(await alice.locator('.msg.mine').last().getAttribute('data-state')).toBe('sending');
      const second = await startWebServer({ dataDir: first.dataDir, httpPort: first.httpPort });
      await alice
        .getByText(/Offline: reconnecting/)
        .waitFor({ state: 'detached', timeout: 30_000 });
      await poll(() => alice.locator('.msg.mine').last().getAttribute('data-state'), {
        timeout: 20_000,
      }).toMatch(/sent|read/);
      await poll(() => texts(bob), { timeout: 20_000 }).toEqual([
        'before the restart',
        'typed while offline',
      ]);
      await send(bob, 'after the restart');
      await poll(() => texts(alice)).toEqual([
        'before the restart',
        'typed while offline',
        'after the restart',
      ]);
      await alice.context().close();
      await bob.context().close();
      await second.stop();
    },
    TIMEOUT,
  );

  it(
    'groups: create, find, join, talk, see roles, and a moderator kicks',
    async () => {
      const server = await startWebServer();
      const owner = await openPage(browser, server.url);
      const guest = await openPage(browser, server.url);
      await register(owner, 'erin', PW);
      await register(guest, 'frank', PW);
      await owner.getByRole('button', { name: 'Groups', exact: true }).click();
      await owner.getByLabel('Group name').fill('team');
      await owner.getByRole('button', { name: 'Create group' }).click();
      await owner.getByLabel('Message', { exact: true }).waitFor();
      await guest.getByRole('button', { name: 'Groups', exact: true }).click();
      await guest.getByLabel('Search groups').fill('tea');
      await guest.getByRole('button', { name: 'Join #team' }).click();
      await guest.getByRole('button', { name: 'Open #team' }).click();
      await send(guest, 'hi team');
      await owner.locator('.msg').getByText('hi team').waitFor();
      expect(await owner.locator('.msg .from').first().textContent()).toBe('frank');
      await owner.getByRole('button', { name: 'Groups', exact: true }).click();
      await owner.getByRole('button', { name: 'Members of #team' }).click();
      const members = owner.getByRole('region', { name: 'Members of #team' });
      await poll(() => members.textContent()).toContain('erin (owner)');
      await poll(() => members.textContent()).toContain('frank (member)');
      await owner.getByRole('button', { name: 'Kick frank' }).click();
      await owner.getByText('frank kicked').waitFor();
      // The kicked member's page drops the group from the list.
      await guest.getByRole('button', { name: 'Chats', exact: true }).click();
      await poll(() => guest.locator('.convs').textContent()).not.toContain('#team');
      await owner.context().close();
      await guest.context().close();
      await server.stop();
    },
    TIMEOUT,
  );

  it(
    'an admin changes a level, kicks, and stops the server after confirming',
    async () => {
      const server = await startWebServer({
        users: [{ username: 'root', email: 'root@example.test', password: PW, level: 'admin' }],
      });
      const admin = await openPage(browser, server.url);
      const user = await openPage(browser, server.url);
      await register(user, 'gina', PW);
      expect(await user.getByRole('button', { name: 'Admin' }).count()).toBe(0);
      await login(admin, 'root', PW);
      await admin.getByRole('button', { name: 'Admin', exact: true }).click();
      await admin.getByLabel('User', { exact: true }).fill('gina');
      await admin.getByLabel('Level', { exact: true }).fill('admin');
      await admin.getByRole('button', { name: 'Change level' }).click();
      await admin.getByText('gina is now admin').waitFor();
      await poll(() => user.locator('.me').textContent()).toContain('(admin)');
      await admin.getByRole('button', { name: 'Kick user' }).click();
      await admin.getByText(/gina: 1 session\(s\) ended/).waitFor();
      await user.getByRole('button', { name: 'Log in', exact: true }).last().waitFor();
      admin.once('dialog', (d) => void d.accept());
      await admin.getByRole('button', { name: 'Stop server' }).click();
      const exit = await server.exited;
      expect(exit.code).toBe(0);
      await admin.context().close();
      await user.context().close();
    },
    TIMEOUT,
  );

  it(
    'settings: change the password, delete the account; a send to the deleted user fails and offers a retry',
    async () => {
      const server = await startWebServer();
      const alice = await openPage(browser, server.url);
      const bob = await openPage(browser, server.url);
      await register(alice, 'hana', PW);
      await register(bob, 'ivan', PW);
      await startChat(alice, 'ivan');
      await bob.getByRole('button', { name: 'Settings', exact: true }).click();
      await bob.getByLabel('Current password').fill(PW);
      await bob.getByLabel('New password').fill(`${PW} 2`);
      await bob.getByRole('button', { name: 'Change password' }).click();
      await bob.getByText(/Password changed/).waitFor();
      bob.once('dialog', (d) => void d.accept());
      await bob.getByLabel('Password', { exact: true }).fill(`${PW} 2`);
      await bob.getByRole('button', { name: 'Delete my account' }).click();
      await bob.getByText('Your account was deleted.').waitFor();
      await send(alice, 'are you there?');
      const row = alice.locator('.msg.mine').last();
      await poll(() => row.getAttribute('data-state')).toBe('failed');
      await row.getByRole('button', { name: 'Retry' }).click();
      await poll(() => row.getAttribute('data-state')).toBe('failed');
      expect(await alice.locator('.msg.mine').count()).toBe(1);
      await alice.context().close();
      await bob.context().close();
      await server.stop();
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
      const page = await openPage(browser, server.url);
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
      await page.context().close();
      await server.stop();
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
      const other = await openPage(browser, server.url);
      await login(other, 'lee', PW);
      const page = await openPage(browser, server.url);
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
      await other.getByRole('button', { name: /kim/ }).click();
      await shown(other, 'typed with keys');
      await other.context().close();
      await page.context().close();
      await server.stop();
    },
    TIMEOUT,
  );
});
