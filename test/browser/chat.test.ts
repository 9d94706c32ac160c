// Chat in Chromium against the real server: two people chat both ways and see sent and read;
// "read" survives a reload; a message in a conversation not in view bumps the title and,
// with permission, creates a system notification.
import { expect, it } from 'vitest';
import { login, openPage, register, send, startChat, startWebServer } from './browser.ts';
import {
  browserSuite,
  chatting,
  convButton,
  finish,
  mine,
  PW,
  person,
  poll,
  shown,
  stateOf,
  TIMEOUT,
  texts,
} from './steps.ts';

/** An init script: wraps window.Notification to record each one made (headless shows none). */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  const calls = (window.__notes = []);
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      calls.push({ title, body: options && options.body });
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  window.Notification = Recorded;
})();`;

browserSuite('web client: chat', (ref) => {
  it(
    'two people register, chat both ways, and see sent and read',
    async () => {
      const server = await startWebServer();
      const [alice, bob] = await chatting(ref.browser, server.url, 'alice', 'bob');
      await send(alice, 'hi bob');
      await poll(() => stateOf(mine(alice).first())).toMatch(/sent|read/);
      // Bob's list shows the conversation with one unread and the last message; his title counts it.
      const conv = convButton(bob, /alice/);
      await poll(() => conv.textContent()).toContain('hi bob');
      await poll(() => conv.textContent()).toContain('1 unread');
      await poll(() => bob.title()).toBe('(1) super-server');
      await conv.click();
      await shown(bob, 'hi bob');
      // Alice's message turns "read" once Bob has it in view.
      await poll(() => stateOf(mine(alice).first())).toBe('read');
      await send(bob, 'hello alice');
      await alice.locator('.msg:not(.mine)').getByText('hello alice').waitFor();
      expect(await texts(alice)).toEqual(['hi bob', 'hello alice']);
      expect(await texts(bob)).toEqual(['hi bob', 'hello alice']);
      await finish(server, alice, bob);
    },
    TIMEOUT,
  );

  it(
    'what the other side has read still shows as "read" after a reload',
    async () => {
      const server = await startWebServer();
      const [amy, ben] = await chatting(ref.browser, server.url, 'amy', 'ben');
      await send(amy, 'read me');
      await send(amy, 'and me');
      await poll(() => amy.locator('.msg[data-state="sent"]').count()).toBe(2);
      await convButton(ben, /amy/).click();
      await poll(() => amy.locator('.msg[data-state="read"]').count()).toBe(2);
      // Ben looks at Groups: a third message stays "sent", across the reload too.
      await ben.getByRole('button', { name: 'Groups', exact: true }).click();
      await send(amy, 'not yet read');
      await poll(() => stateOf(mine(amy).last())).toBe('sent');
      await amy.reload();
      await login(amy, 'amy', PW);
      await convButton(amy, /ben/).click();
      await poll(() => texts(amy)).toEqual(['read me', 'and me', 'not yet read']);
      await poll(() =>
        amy
          .locator('.msg.mine')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state'))),
      ).toEqual(['read', 'read', 'sent']);
      await finish(server, amy, ben);
    },
    TIMEOUT,
  );

  it(
    'a message in a conversation not in view bumps the title and, when allowed, notifies',
    async () => {
      const server = await startWebServer();
      const cleo = await person(ref.browser, server.url, 'cleo');
      const dora = await openPage(ref.browser, server.url);
      await dora.context().grantPermissions(['notifications'], { origin: server.url });
      await dora.addInitScript(RECORD_NOTIFICATIONS);
      await dora.reload();
      await register(dora, 'dora', PW);
      expect(await dora.evaluate('Notification.permission')).toBe('granted');
      await startChat(cleo, 'dora');
      await send(cleo, 'ping one');
      await poll(() => dora.title()).toBe('(1) super-server');
      await send(cleo, 'ping two');
      await poll(() => dora.title()).toBe('(2) super-server');
      const notes = () => dora.evaluate('window.__notes');
      await poll(notes).toEqual([
        { title: 'New message', body: 'From cleo' },
        { title: 'New message', body: 'From cleo' },
      ]);
      // Opening the conversation clears the badge; a message in view notifies no more.
      await convButton(dora, /cleo/).click();
      await shown(dora, 'ping two');
      await poll(() => dora.title()).toBe('super-server');
      await send(cleo, 'in view');
      await shown(dora, 'in view');
      expect(await dora.title()).toBe('super-server');
      expect(await notes()).toHaveLength(2);
      await finish(server, cleo, dora);
    },
    TIMEOUT,
  );
});
