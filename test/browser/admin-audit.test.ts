// The admin's audit log view in a real Chromium against the real server: an admin changes a
// level and sees that entry, newest first; "Load more" pages back; entries are text only.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient, registerClient } from '../protocol/client.ts';
import { cleanup } from '../protocol/harness.ts';
import { expectOk } from '../protocol/util.ts';
import {
  ensureWebBuilt,
  haveChromium,
  launchBrowser,
  login,
  noteSkipped,
  openPage,
  startWebServer,
} from './browser.ts';

const enabled = haveChromium();
if (!enabled) noteSkipped();

const PW = 'correct horse battery staple';
const TIMEOUT = 180_000;
// The web view's page size (web/src/ui/AuditLog.tsx).
const PAGE = 20;

/** The audit table's rows as [actor, action, target, outcome, detail]. */
async function rows(page: Page): Promise<string[][]> {
  const table = page.getByRole('table', { name: /newest first/ });
  return table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')),
    );
}

/** Waits until the view's request is answered (the section is no longer busy). */
function loaded(page: Page): Promise<void> {
  return page.locator('section.audit-log[aria-busy="false"]').waitFor();
}

/** Reloads the view until `check` holds of its rows (the log is written just after a call). */
async function refreshUntil(page: Page, check: (r: string[][]) => boolean): Promise<string[][]> {
  let last: string[][] = [];
  await expect
    .poll(
      async () => {
        await page.getByRole('button', { name: 'Refresh audit log' }).click();
        await loaded(page);
        last = await rows(page);
        return check(last);
      },
      { timeout: 30_000, interval: 300 },
    )
    .toBe(true);
  return last;
}

describe.skipIf(!enabled)('admin audit log in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    closeAllClients();
    await browser?.close();
    await cleanup();
  });

  it(
    'an admin changes a level and sees it first in the audit log, then pages back',
    async () => {
      const server = await startWebServer({
        users: [{ username: 'root', email: 'root@example.test', password: PW, level: 'admin' }],
        // root is in the browser and on a raw connection at once.
        config: { session: { sessions_per_user: 2 } },
      });
      await registerClient(server.port, 'gina', PW, 'gina@example.test');
      const admin = await openPage(browser, server.url);
      await login(admin, 'root', PW);
      await admin.getByRole('button', { name: 'Admin', exact: true }).click();
      await admin.getByLabel('User', { exact: true }).fill('gina');
      await admin.getByLabel('Level', { exact: true }).fill('admin');
      await admin.getByRole('button', { name: 'Change level' }).click();
      await admin.getByText('gina is now admin').waitFor();
      const seen = await refreshUntil(admin, (r) =>
        r.some((row) => row[1] === 'change_permission_level'),
      );
      const change = seen.findIndex((row) => row[1] === 'change_permission_level');
      expect(seen[change]).toEqual(['root', 'change_permission_level', 'gina', 'ok', 'admin']);
      // Newest first: only the view's own reads are newer; the operator's user_add is older.
      expect(seen.slice(0, change).every((row) => row[1] === 'audit_log')).toBe(true);
      expect(seen.findIndex((row) => row[1] === 'user_add')).toBeGreaterThan(change);

      const root = await loginClient(server.port, 'root', PW);
      // More entries than one page: every audit_log call is an entry itself.
      for (let i = 0; i < PAGE; i++) expectOk(await root.call('audit_log', [null, 1]), 'read');
      // Markup in an entry (a ban reason) is shown as text, never as HTML; newest, so on page 1.
      expect((await root.call('ban', ['nobody', '<img src=x onerror=alert(1)><b>x</b>'])).ok).toBe(
        false,
      );
      const first = await refreshUntil(admin, (r) => r.some((row) => row[1] === 'ban'));
      expect(first.length).toBe(PAGE);
      expect(first.some((row) => row[1] === 'user_add')).toBe(false);
      // "Load more" by keyboard: the older entries follow, each once, down to the first one.
      for (let i = 0; i < 10; i++) {
        const more = admin.getByRole('button', { name: 'Load more' });
        if ((await more.count()) === 0) break;
        const before = (await rows(admin)).length;
        await more.focus();
        await admin.keyboard.press('Enter');
        await expect
          .poll(async () => (await rows(admin)).length, { timeout: 15_000 })
          .toBeGreaterThan(before);
      }
      const all = await rows(admin);
      expect(all.slice(0, PAGE)).toEqual(first);
      expect(all[all.length - 1]).toEqual(['(cli)', 'user_add', 'root', 'ok', 'level admin']);
      expect(all.filter((row) => row[1] === 'change_permission_level')).toHaveLength(1);
      const ban = all.find((row) => row[1] === 'ban');
      expect(ban).toEqual([
        'root',
        'ban',
        'nobody',
        'not_found',
        '<img src=x onerror=alert(1)><b>x</b>',
      ]);
      expect(await admin.locator('table img, table b').count()).toBe(0);
      await admin.context().close();
      await server.stop();
    },
    TIMEOUT,
  );
});
