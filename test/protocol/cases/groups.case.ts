// Groups (docs/protocol.md section E): create, join, message_group to every online member with
// member events, history, replay and unread for groups, acks, pipelined order, groups.max_owned.
// Moderation and #global are in group-moderation.case.ts.
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
import { loginAndReplay } from '../stored.ts';
import type { Wire } from '../transports.ts';
import { codeOf, PASSWORD, sleep } from '../util.ts';

/** The group cases (posting, history, acks, order, caps), run over `wire`. */
export function groupCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('groups', () => {
    const server = useServer({ config: { groups: { max_owned: 3, max_members: 3 } } });
    const port = () => wire.endpoint(server());

    it('creates, joins, posts once to every online member, in order, with member events', async () => {
      const [a, b, c] = await members(port(), 3);
      const name = groupNamed('lab');
      expect(await ok(a.c, 'create_group', [name])).toEqual({
        conv: `#${name}`,
        visibility: 'public',
        role: 'owner',
      });
      expect(codeOf(await b.c.call('create_group', [name]))).toBe('name_taken');
      expect(codeOf(await b.c.call('create_group', ['#Bad Name']))).toBe('invalid_input');
      // `#name` and `name` both work; the joiner gets its own `joined`, members too.
      expect(await ok(b.c, 'join_group', [name])).toEqual({ conv: `#${name}`, role: 'member' });
      expect(await memberEvent(b.c, 'joined', b.name)).toEqual({
        conv: `#${name}`,
        username: b.name,
        change: 'joined',
        by: b.name,
        role: 'member',
      });
      await memberEvent(a.c, 'joined', b.name);
      await ok(c.c, 'join_group', [`#${name}`]);
      await memberEvent(a.c, 'joined', c.name);
      const sent = [];
      for (let i = 0; i < 5; i++)
        sent.push(await ok(a.c, 'message_group', [`#${name}`, `hi ${i}`]));
      expect(sent.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(sent[0]).toEqual({ id: sent[0].id, conv: `#${name}`, seq: 1, online: 2 });
      for (const m of [b, c]) {
        const got = await waitMessages(m.c, `#${name}`, 5);
        expect(got.map((f) => f.data.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(got[0]?.data).toMatchObject({ from: a.name, to: `#${name}`, text: 'hi 0' });
      }
      // The sender's session has the reply, not the event.
      await sleep(50);
      expect(groupMessages(a.c, `#${name}`)).toEqual([]);
      // groups.max_members: 3 here.
      const [d] = await members(port(), 1);
      expect(codeOf(await d.c.call('join_group', [name]))).toBe('forbidden');
      // Listing: sorted by username, with presence.
      const list = await ok(d.c, 'group_members', [name]);
      expect(list.total).toBe(3);
      expect(list.members.map((m: { username: string }) => m.username)).toEqual(
        [a.name, b.name, c.name].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())),
      );
      expect(list.members.find((m: { username: string }) => m.username === a.name)).toEqual({
        username: a.name,
        role: 'owner',
        online: true,
      });
      const groups = await ok(b.c, 'list_groups', []);
      expect(groups.groups).toContainEqual({
        conv: `#${name}`,
        visibility: 'public',
        members: 3,
        role: 'member',
      });
      expect(groups.groups).toContainEqual({
        conv: '#global',
        visibility: 'public',
        members: expect.any(Number),
        role: 'member',
      });
    });

    it('starts a new member at the last seq; history, conversations, unread and replay work', async () => {
      const [a, b] = await members(port(), 2);
      const name = groupNamed('hist');
      const conv = `#${name}`;
      await ok(a.c, 'create_group', [name]);
      for (let i = 0; i < 3; i++) await ok(a.c, 'message_group', [conv, `old ${i}`]);
      await ok(b.c, 'join_group', [conv]);
      // No backlog pushed at join; history reads it.
      const h = await ok(b.c, 'history', [conv]);
      expect(h.messages.map((m: { text: string }) => m.text)).toEqual(['old 0', 'old 1', 'old 2']);
      let convs = await ok(b.c, 'conversations', []);
      expect(convs.conversations.find((x: { conv: string }) => x.conv === conv)).toMatchObject({
        kind: 'group',
        title: conv,
        last_seq: 3,
        read_seq: 3,
        unread: 0,
      });
      // b goes offline; two messages wait for it and come back as the replay.
      b.c.destroy();
      await sleep(100);
      await ok(a.c, 'message_group', [conv, 'new 1', 'cid-1']);
      const again = await ok(a.c, 'message_group', [conv, 'new 1', 'cid-1']);
      expect(again).toMatchObject({ seq: 4, duplicate: true, online: 0 });
      await ok(a.c, 'message_group', [conv, 'new 2']);
      const back = await loginAndReplay(port(), b.name, PASSWORD);
      const replayed = back.replayed.filter((m) => m.data.conv === conv);
      expect(replayed.map((m) => [m.data.seq, m.data.text])).toEqual([
        [4, 'new 1'],
        [5, 'new 2'],
      ]);
      convs = await ok(back.client, 'conversations', []);
      expect(convs.conversations.find((x: { conv: string }) => x.conv === conv)).toMatchObject({
        unread: 2,
      });
      expect(await ok(back.client, 'mark_read', [conv, 5])).toEqual({
        conv,
        read_seq: 5,
        unread: 0,
      });
      expect(await ok(back.client, 'ack', [conv, 5])).toEqual({ conv, seq: 5 });
    });

    it('answers every ack of a member with the cursor after it, however the group is named', async () => {
      const [a, b] = await members(port(), 2);
      const name = groupNamed('acks');
      const conv = `#${name}`;
      await ok(a.c, 'create_group', [name]);
      await ok(b.c, 'join_group', [conv]);
      for (let i = 1; i <= 3; i++) await ok(a.c, 'message_group', [conv, `m${i}`]);
      await waitMessages(b.c, conv, 3);
      // The first ack looks the group up; the later ones take the online member's quick path.
      expect(await ok(b.c, 'ack', [conv, 1])).toEqual({ conv, seq: 1 });
      expect(await ok(b.c, 'ack', [name.toUpperCase(), 3])).toEqual({ conv, seq: 3 });
      expect(await ok(b.c, 'ack', [conv, 2])).toEqual({ conv, seq: 3 });
      expect(codeOf(await b.c.call('ack', [conv, 4]))).toBe('invalid_input');
      // Its own message moves the sender's cursor; the reply shows the stored cursor.
      await ok(b.c, 'message_group', [conv, 'mine']);
      expect(await ok(b.c, 'ack', [conv, 1])).toEqual({ conv, seq: 4 });
      // After leaving, the name no longer reaches the group's cursor.
      await ok(b.c, 'leave_group', [conv]);
      expect(codeOf(await b.c.call('ack', [conv, 4]))).toBe('forbidden');
    });
    it('keeps pipelined group sends of one connection in the order they were sent', async () => {
      const [a, b] = await members(port(), 2);
      const conv = `#${groupNamed('pipe')}`;
      await ok(a.c, 'create_group', [conv]);
      await ok(b.c, 'join_group', [conv]);
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) => a.c.call('message_group', [conv, `p${i}`])),
      );
      expect(replies.map((r) => r.data?.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const got = await waitMessages(b.c, conv, 60);
      expect(got.map((f) => f.data.text)).toEqual(Array.from({ length: 60 }, (_, i) => `p${i}`));
    });

    it('caps the groups one user owns (groups.max_owned)', async () => {
      const [a] = await members(port(), 1);
      for (let i = 0; i < 3; i++) await ok(a.c, 'create_group', [groupNamed(`cap${i}`)]);
      const over = await a.c.call('create_group', [groupNamed('cap3')]);
      expect(codeOf(over)).toBe('forbidden');
      expect(over.error?.message).toMatch(/3 groups/);
    });
  });
}
