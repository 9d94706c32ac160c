// Group moderation (docs/protocol.md section E): roles and the ownership hand-over, leaving,
// invites to private groups, kick, ban, delete, and #global, which every account is in.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients } from '../client.ts';
import {
  groupMessages,
  groupNamed,
  memberEvent,
  members,
  ok,
  waitMessages,
} from '../groups-support.ts';
import { cleanup, useServer } from '../harness.ts';
import type { Wire } from '../transports.ts';
import { codeOf, sleep } from '../util.ts';

/** The group moderation and #global cases, run over `wire`. */
export function groupModerationCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('group moderation', () => {
    const server = useServer({ config: { groups: { max_owned: 3, max_members: 3 } } });
    const port = () => wire.endpoint(server());

    it('hands ownership over, lets members leave and join again, and deletes with its messages', async () => {
      const [a, b, c] = await members(port(), 3);
      const name = groupNamed('own');
      const conv = `#${name}`;
      await ok(a.c, 'create_group', [name]);
      await ok(b.c, 'join_group', [conv]);
      await ok(c.c, 'join_group', [conv]);
      expect(codeOf(await a.c.call('leave_group', [conv]))).toBe('forbidden');
      expect(await ok(a.c, 'group_role', [conv, b.name, 'owner'])).toEqual({
        conv,
        username: b.name,
        role: 'owner',
      });
      const ev = await memberEvent(c.c, 'role', a.name);
      expect(ev).toMatchObject({ username: a.name, by: a.name, role: 'moderator' });
      expect(await memberEvent(c.c, 'role', b.name)).toMatchObject({ role: 'owner' });
      // The old owner is a moderator now and may leave; the new one may not.
      expect(codeOf(await b.c.call('leave_group', [conv]))).toBe('forbidden');
      expect(await ok(a.c, 'leave_group', [conv])).toBe('left');
      expect(await memberEvent(a.c, 'left', a.name)).toMatchObject({ role: null });
      await memberEvent(c.c, 'left', a.name);
      expect(codeOf(await a.c.call('message_group', [conv, 'x']))).toBe('forbidden');
      expect(await ok(a.c, 'join_group', [conv])).toEqual({ conv, role: 'member' });
      const old = await ok(b.c, 'message_group', [conv, 'before delete']);
      // Only the owner (or an admin) deletes; members are told.
      expect(codeOf(await c.c.call('delete_group', [conv]))).toBe('forbidden');
      expect(await ok(b.c, 'delete_group', [conv])).toBe('deleted');
      expect(await memberEvent(c.c, 'deleted')).toMatchObject({ conv, by: b.name, role: null });
      await memberEvent(a.c, 'deleted');
      expect(codeOf(await c.c.call('history', [conv]))).toBe('not_found');
      expect(codeOf(await c.c.call('message_group', [conv, 'x']))).toBe('not_found');
      // The name is free again, and the new group has none of the old messages.
      await ok(c.c, 'create_group', [name]);
      expect((await ok(c.c, 'history', [conv])).messages).toEqual([]);
      // Message ids are never reused, not even by a new group of the same name.
      const fresh = await ok(c.c, 'message_group', [conv, 'new group']);
      expect(fresh.seq).toBe(1);
      expect(fresh.id).not.toBe(old.id);
      expect(fresh.id.split('_')[1]).not.toBe(old.id.split('_')[1]);
    });

    it('invites to a private group; kicked and banned users stop receiving at once', async () => {
      const [a, b, c] = await members(port(), 3);
      const name = groupNamed('priv');
      const conv = `#${name}`;
      expect(await ok(a.c, 'create_group', [name, 'private'])).toMatchObject({
        visibility: 'private',
      });
      expect(codeOf(await b.c.call('join_group', [conv]))).toBe('not_found');
      expect(await ok(a.c, 'invite', [conv, b.name])).toEqual({ conv, username: b.name });
      expect(await memberEvent(b.c, 'invited', b.name)).toMatchObject({ by: a.name, role: null });
      await ok(b.c, 'join_group', [conv]);
      expect(
        (await ok(c.c, 'list_groups', [])).groups.map((g: { conv: string }) => g.conv),
      ).not.toContain(conv);
      await ok(a.c, 'message_group', [conv, 'one']);
      await waitMessages(b.c, conv, 1);
      expect(await ok(a.c, 'group_kick', [conv, b.name])).toEqual({ conv, username: b.name });
      expect(await memberEvent(b.c, 'kicked', b.name)).toMatchObject({ by: a.name });
      await ok(a.c, 'message_group', [conv, 'two']);
      await sleep(100);
      expect(groupMessages(b.c, conv).map((f) => f.data.text)).toEqual(['one']);
      // Kicked from a private group: invisible again until invited.
      expect(codeOf(await b.c.call('join_group', [conv]))).toBe('not_found');
      await ok(a.c, 'invite', [conv, b.name]);
      await ok(b.c, 'join_group', [conv]);
      expect(await ok(a.c, 'group_ban', [conv, b.name])).toEqual({
        conv,
        username: b.name,
        banned: true,
      });
      await memberEvent(b.c, 'banned', b.name);
      expect(codeOf(await b.c.call('join_group', [conv]))).toBe('not_found');
      expect(codeOf(await a.c.call('invite', [conv, b.name]))).toBe('forbidden');
      expect(await ok(a.c, 'group_unban', [conv, b.name])).toEqual({
        conv,
        username: b.name,
        banned: false,
      });
      await ok(a.c, 'invite', [conv, b.name]);
      await ok(b.c, 'join_group', [conv]);
    });
  });

  describe('#global', () => {
    const server = useServer();
    const port = () => wire.endpoint(server());

    it('holds every new account, which may leave and join again; it cannot be deleted', async () => {
      const [a, b] = await members(port(), 2);
      const list = await ok(a.c, 'list_groups', []);
      expect(list.groups).toContainEqual({
        conv: '#global',
        visibility: 'public',
        members: expect.any(Number),
        role: 'member',
      });
      await ok(a.c, 'message_group', ['#global', 'hello all']);
      const got = await waitMessages(b.c, '#global', 1);
      expect(got[0]?.data).toMatchObject({ from: a.name, to: '#global', text: 'hello all' });
      expect(await ok(b.c, 'leave_group', ['global'])).toBe('left');
      await ok(a.c, 'message_group', ['#global', 'second']);
      await sleep(100);
      expect(groupMessages(b.c, '#global')).toHaveLength(1);
      await ok(b.c, 'join_group', ['#global']);
      // Back in the same session: the next message comes live, and nothing posted while away.
      await ok(a.c, 'message_group', ['#global', 'third']);
      const now = await waitMessages(b.c, '#global', 2);
      expect(now.map((f) => f.data.text)).toEqual(['hello all', 'third']);
      expect(codeOf(await a.c.call('delete_group', ['#global']))).toBe('forbidden');
      expect(codeOf(await a.c.call('create_group', ['global']))).toBe('name_taken');
    });
  });
}
