// Groups in Chromium against the real server: create, find, join, talk, see roles; and the
// moderation an owner has: role changes, kick, ban, unban, and deleting the group.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { send, startWebServer } from './browser.ts';
import { browserSuite, finish, person, poll, TIMEOUT } from './steps.ts';

const tab = (page: Page, name: string) => page.getByRole('button', { name, exact: true }).click();

/** `owner` creates public #team; `guest` finds it by search and joins. */
async function teamOf(owner: Page, guest: Page): Promise<void> {
  await tab(owner, 'Groups');
  await owner.getByLabel('Group name').fill('team');
  await owner.getByRole('button', { name: 'Create group' }).click();
  await owner.getByLabel('Message', { exact: true }).waitFor();
  await joinTeam(guest);
}

/** Joins #team from the Groups screen (searching for it first). */
async function joinTeam(guest: Page): Promise<void> {
  await tab(guest, 'Groups');
  await guest.getByLabel('Search groups').fill('tea');
  await guest.getByRole('button', { name: 'Join #team' }).click();
  await guest.getByRole('button', { name: 'Open #team' }).waitFor();
}

/** Opens the members of #team on the owner's Groups screen. */
async function membersOf(owner: Page) {
  await tab(owner, 'Groups');
  await owner.getByRole('button', { name: 'Members of #team' }).click();
  return owner.getByRole('region', { name: 'Members of #team' });
}

/** The conversation list's text (a dropped group disappears from it). */
const convList = (page: Page) => page.locator('.convs').textContent();

browserSuite('web client: groups', (ref) => {
  it(
    'create, find, join, talk, see roles; the owner changes a role, then kicks',
    async () => {
      const server = await startWebServer();
      const owner = await person(ref.browser, server.url, 'erin');
      const guest = await person(ref.browser, server.url, 'frank');
      await teamOf(owner, guest);
      await guest.getByRole('button', { name: 'Open #team' }).click();
      await send(guest, 'hi team');
      await owner.locator('.msg').getByText('hi team').waitFor();
      expect(await owner.locator('.msg .from').first().textContent()).toBe('frank');
      const members = await membersOf(owner);
      await poll(() => members.textContent()).toContain('erin (owner)');
      await poll(() => members.textContent()).toContain('frank (member)');
      await owner.getByRole('button', { name: 'Make moderator' }).click();
      await owner.getByText('frank is now moderator').waitFor();
      await poll(() => members.textContent()).toContain('frank (moderator)');
      // Frank's own Groups screen shows his new role.
      await tab(guest, 'Chats');
      await tab(guest, 'Groups');
      await guest.getByText(/#team · public · 2 members · you: moderator/).waitFor();
      await owner.getByRole('button', { name: 'Make member' }).click();
      await poll(() => members.textContent()).toContain('frank (member)');
      await owner.getByRole('button', { name: 'Kick frank' }).click();
      await owner.getByText('frank kicked').waitFor();
      // The kicked member's page drops the group from the list.
      await tab(guest, 'Chats');
      await poll(() => convList(guest)).not.toContain('#team');
      await finish(server, owner, guest);
    },
    TIMEOUT,
  );

  it(
    'the owner bans (joining is refused), unbans (joining works), and deletes after confirming',
    async () => {
      const server = await startWebServer();
      const owner = await person(ref.browser, server.url, 'gale');
      const guest = await person(ref.browser, server.url, 'hugo');
      await teamOf(owner, guest);
      await membersOf(owner);
      await owner.getByRole('button', { name: 'Ban hugo' }).click();
      await owner.getByText('hugo banned').waitFor();
      await tab(guest, 'Chats');
      await poll(() => convList(guest)).not.toContain('#team');
      // A banned user cannot join again: the server says no, and the page shows it.
      await tab(guest, 'Groups');
      await guest.getByRole('button', { name: 'Join #team' }).click();
      await guest
        .getByRole('alert')
        .getByText(/banned|forbidden|not allowed/i)
        .waitFor();
      await owner.getByLabel('Unban user').fill('hugo');
      await owner.getByRole('button', { name: 'Unban', exact: true }).click();
      await owner.getByText('hugo unbanned').waitFor();
      await tab(guest, 'Chats');
      await joinTeam(guest);
      await tab(guest, 'Chats');
      await poll(() => convList(guest)).toContain('#team');
      // Deleting asks first: dismissed, nothing happens; accepted, the group is gone for both.
      await tab(owner, 'Groups');
      const asked: string[] = [];
      owner.once('dialog', (d) => {
        asked.push(d.message());
        void d.dismiss();
      });
      await owner.getByRole('button', { name: 'Delete #team' }).click();
      await poll(() => asked.length).toBe(1);
      expect(asked[0]).toContain('#team');
      expect(await owner.getByRole('button', { name: 'Delete #team' }).count()).toBe(1);
      owner.once('dialog', (d) => void d.accept());
      await owner.getByRole('button', { name: 'Delete #team' }).click();
      await poll(() => owner.getByRole('button', { name: 'Open #team' }).count()).toBe(0);
      await poll(() => convList(owner)).not.toContain('#team');
      await poll(() => convList(guest)).not.toContain('#team');
      expect(await guest.getByRole('button', { name: 'Delete #team' }).count()).toBe(0);
      await finish(server, owner, guest);
    },
    TIMEOUT,
  );
});
