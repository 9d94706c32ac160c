// Offline and back in Chromium against the real server: a user who was away gets every
// message after a reload; a reload asks for the password again (and says why) with the
// username kept; a server restart mid-chat loses nothing; a send whose replies are lost
// fails, and its Retry delivers it exactly once.
import type { Page, WebSocketRoute } from 'playwright-core';
import { expect, it } from 'vitest';
import { login, openPage, register, send, startWebServer } from './browser.ts';
import {
  browserSuite,
  chatting,
  convButton,
  finish,
  loginForm,
  mine,
  PW,
  poll,
  shown,
  stateOf,
  TIMEOUT,
  texts,
} from './steps.ts';

/** What the restart test waits for: the banner, then the banner gone. */
const offlineBanner = (page: Page) => page.getByText(/Offline: reconnecting/);

/**
 * Passes the page's WebSocket through, except that while `lose.on` the server's replies to
 * message_user never reach the page (the server has stored the message; the page never hears).
 */
function loseSendReplies(lose: { on: boolean }) {
  return (ws: WebSocketRoute) => {
    const server = ws.connectToServer();
    const dropped = new Set<string>();
    ws.onMessage((frame) => {
      const f = JSON.parse(String(frame)) as { action?: string; tag?: string };
      if (lose.on && f.action === 'message_user' && f.tag !== undefined) dropped.add(f.tag);
      server.send(frame);
    });
    server.onMessage((frame) => {
      const f = JSON.parse(String(frame)) as { tag?: string };
      if (f.tag !== undefined && dropped.has(f.tag)) return;
      ws.send(frame);
    });
  };
}

browserSuite('web client: offline and back', (ref) => {
  it(
    'a user who was offline gets every message after a reload and login',
    async () => {
      const server = await startWebServer();
      const [anna, bert] = await chatting(ref.browser, server.url, 'anna', 'bert');
      await bert.getByRole('button', { name: 'Log out' }).click();
      await loginForm(bert);
      for (const t of ['one', 'two', 'three']) await send(anna, t);
      await poll(() => anna.locator('.msg[data-state="sent"]').count()).toBe(3);
      await bert.reload();
      await login(bert, 'bert', PW);
      const conv = convButton(bert, /anna/);
      await poll(() => conv.textContent()).toContain('3 unread');
      await conv.click();
      await poll(() => texts(bert)).toEqual(['one', 'two', 'three']);
      await finish(server, anna, bert);
    },
    TIMEOUT,
  );

  it(
    'a reload asks for the password again, says why, and keeps the username',
    async () => {
      const server = await startWebServer();
      const page = await openPage(ref.browser, server.url);
      await register(page, 'olga', PW);
      await page.reload();
      await page.getByText(/The reload signed you out/).waitFor();
      expect(await page.getByLabel('Username').inputValue()).toBe('olga');
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      // No token or password is kept anywhere the page's scripts could read.
      const kept = await page.evaluate<string>(
        'JSON.stringify([{ ...sessionStorage }, { ...localStorage }])',
      );
      expect(kept).not.toContain(PW);
      expect(kept).not.toMatch(/s_/);
      await page.getByLabel('Password').fill(PW);
      await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
      await page.getByRole('button', { name: 'Log out' }).click();
      // Logging out on purpose and reloading: the username still, but no "signed out" note.
      await page.reload();
      await loginForm(page);
      expect(await page.getByLabel('Username').inputValue()).toBe('olga');
      expect(await page.getByText(/The reload signed you out/).count()).toBe(0);
      await finish(server, page);
    },
    TIMEOUT,
  );

  it(
    'a server restart mid-chat loses nothing: the page reconnects and sends what was typed offline',
    async () => {
      const first = await startWebServer();
      const [carol, dave] = await chatting(ref.browser, first.url, 'carol', 'dave');
      await send(carol, 'before the restart');
      await convButton(dave, /carol/).click();
      await shown(dave, 'before the restart');
      await first.stop();
      await offlineBanner(carol).waitFor();
      await send(carol, 'typed while offline');
      expect(await stateOf(mine(carol).last())).toBe('sending');
      const second = await startWebServer({ dataDir: first.dataDir, httpPort: first.httpPort });
      await offlineBanner(carol).waitFor({ state: 'detached', timeout: 30_000 });
      const slow = { timeout: 20_000 };
      await poll(() => stateOf(mine(carol).last()), slow).toMatch(/sent|read/);
      await poll(() => texts(dave), slow).toEqual(['before the restart', 'typed while offline']);
      await send(dave, 'after the restart');
      await poll(() => texts(carol)).toEqual([
        'before the restart',
        'typed while offline',
        'after the restart',
      ]);
      await finish(second, carol, dave);
    },
    TIMEOUT,
  );

  it('a send whose replies are lost fails; Retry delivers it exactly once', async () => {
    const server = await startWebServer();
    const lose = { on: false };
    const page = await openPage(ref.browser, server.url);
    await page.context().routeWebSocket(/\/ws$/, loseSendReplies(lose));
    await page.reload();
    await register(page, 'rita', PW);
    const [sam] = [await openPage(ref.browser, server.url)];
    await register(sam, 'sam', PW);
    await page.getByRole('button', { name: 'People', exact: true }).click();
    await page.getByRole('button', { name: 'Message sam' }).click();
    lose.on = true;
    await send(page, 'did you get this?');
    // The SDK waits 10 s for a reply and sends again 3 times (same client_id): then it fails.
    const row = mine(page).last();
    await poll(() => stateOf(row), { timeout: 70_000 }).toBe('failed');
    lose.on = false;
    await row.getByRole('button', { name: 'Retry' }).click();
    await poll(() => stateOf(mine(page).last())).toMatch(/sent|read/);
    expect(await texts(page)).toEqual(['did you get this?']);
    // Sam got it when it was first stored, and the resends and the retry added no copy.
    await convButton(sam, /rita/).click();
    await shown(sam, 'did you get this?');
    await sam.reload();
    await login(sam, 'sam', PW);
    await convButton(sam, /rita/).click();
    await shown(sam, 'did you get this?');
    expect(await texts(sam)).toEqual(['did you get this?']);
    expect(await mine(page).count()).toBe(1);
    await finish(server, page, sam);
  }, 180_000);
});
