// Writes screenshots of the main screens, at desktop and phone widths, light and dark, to
// docs/screenshots/: the real server, Debian's Chromium, two users chatting.
// Run: npm run screenshots
import type { Browser, Page } from 'playwright-core';
import {
  ensureWebBuilt,
  launchBrowser,
  login,
  openPage,
  register,
  send,
  startChat,
  startWebServer,
} from '../../test/browser/browser.ts';
import { cleanup } from '../../test/protocol/harness.ts';

const OUT = new URL('../../docs/screenshots/', import.meta.url).pathname;
const PW = 'correct horse battery staple';
const DESKTOP = { width: 1100, height: 700 };
const PHONE = { width: 390, height: 760 };

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${OUT}${name}.png` });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(browser: Browser): Promise<void> {
  const server = await startWebServer({
    users: [{ username: 'admin', email: 'admin@example.test', password: PW, level: 'admin' }],
  });
  const bob = await openPage(browser, server.url, DESKTOP);
  await shoot(bob, 'login-desktop');
  await register(bob, 'bob', PW);
  const alice = await openPage(browser, server.url, DESKTOP);
  await register(alice, 'alice', PW);
  await startChat(alice, 'bob');
  for (const t of ['Hi Bob! Are we still on for Friday?', 'Bring the <b>slides</b>, please.']) {
    await send(alice, t);
  }
  await bob.getByRole('button', { name: /alice/ }).click();
  await send(bob, 'Yes, 10:00 in the small room. Slides are ready.');
  await alice.locator('.msg .text').getByText('Slides are ready', { exact: false }).waitFor();
  await shoot(alice, 'chat-desktop');
  await alice.getByRole('button', { name: 'Groups', exact: true }).click();
  await alice.getByLabel('Group name').fill('team');
  await alice.getByRole('button', { name: 'Create group' }).click();
  await alice.getByRole('button', { name: 'Groups', exact: true }).click();
  await alice.getByRole('button', { name: 'Members of #team' }).click();
  await alice.getByRole('region', { name: 'Members of #team' }).waitFor();
  await shoot(alice, 'groups-desktop');

  // One session per user: Bob moves from the desktop to the phone.
  await bob.getByRole('button', { name: 'Log out' }).click();
  const phone = await openPage(browser, server.url, PHONE);
  await shoot(phone, 'login-phone');
  await login(phone, 'bob', PW);
  await shoot(phone, 'conversations-phone');
  await phone.getByRole('button', { name: /alice/ }).click();
  await phone.locator('.msg').first().waitFor();
  await shoot(phone, 'chat-phone');

  const dark = await browser.newContext({ viewport: DESKTOP, colorScheme: 'dark' });
  const darkPage = await dark.newPage();
  await darkPage.goto(server.url);
  await login(darkPage, 'admin', PW);
  await darkPage.getByRole('button', { name: 'Admin', exact: true }).click();
  await shoot(darkPage, 'admin-dark-desktop');
  await server.stop();
}

ensureWebBuilt();
const browser = await launchBrowser();
try {
  await main(browser);
} finally {
  await browser.close();
  await cleanup();
}
