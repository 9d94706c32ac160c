// The behaviour every ConversationStore must show; run against each backend.
import { describe, expect, it } from 'vitest';
import { directKey, type NewMessage } from './conversations.ts';
import type { Storage } from './storage.ts';

const A = 1;
const B = 2;
const C = 3;

/** A direct message from `from` to `to` at `at` ms. */
function dm(from: number, to: number, text: string, at = 1_000, clientId: string | null = null) {
  const message: NewMessage = {
    key: directKey(from, to),
    kind: 'direct',
    members: from === to ? [from] : [from, to],
    senderId: from,
    text,
    sentAt: at,
    clientId,
    delivered: false,
  };
  return message;
}

/** Registers the shared conversation suite for a storage factory. */
export function describeConversationContract(name: string, open: () => Promise<Storage>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    it('has a fixed epoch', async () => {
      const s = await open();
      const e = await s.conversations.epoch();
      expect(e).toMatch(/^[0-9a-f]{32}$/);
      expect(await s.conversations.epoch()).toBe(e);
      await s.close();
    });

    it('numbers messages 1, 2, 3 per conversation, in one batch and across batches', async () => {
      const s = await open();
      const c = s.conversations;
      const first = await c.append([dm(A, B, 'a1'), dm(B, A, 'b1'), dm(A, C, 'c1')], 0);
      expect(first.map((r) => [r.conv, r.seq, r.duplicate])).toEqual([
        ['dm:00001:00002', 1, false],
        ['dm:00001:00002', 2, false],
        ['dm:00001:00003', 1, false],
      ]);
      const second = await c.append([dm(A, B, 'a2', 2_000)], 0);
      expect(second[0]).toMatchObject({ conv: 'dm:00001:00002', seq: 3, sentAt: 2_000 });
      const conv = await c.findConversation('dm:00001:00002');
      expect(conv).toMatchObject({ kind: 'direct', lastSeq: 3, lastAt: 2_000 });
      expect(await c.findConversation('dm:00002:00003')).toBeUndefined();
      await s.close();
    });

    it('marks the sender read and moves its cursor only from just below', async () => {
      const s = await open();
      const c = s.conversations;
      const [r1] = await c.append([dm(A, B, 'a1')], 0);
      const id = r1?.convId as number;
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 1, readSeq: 1 });
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 0, readSeq: 0, lastSeq: 1 });
      // B answers while A's 1 is unacknowledged: B's cursor stays, so 1 is not skipped.
      await c.append([dm(B, A, 'b1')], 0);
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 0, readSeq: 2 });
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 1, readSeq: 1 });
      expect(await c.membership(C, id)).toBeUndefined();
      await s.close();
    });

    it("finds a conversation by key with one user's membership, or without it", async () => {
      const s = await open();
      const c = s.conversations;
      const [r1] = await c.append([dm(A, B, 'a1'), dm(A, B, 'a2')], 0);
      const id = r1?.convId as number;
      await c.saveCursors([{ userId: B, convId: id, deliveredSeq: 1 }]);
      const key = directKey(A, B);
      expect(await c.memberByKey(B, key)).toEqual({
        conv: await c.findConversation(key),
        member: await c.membership(B, id),
      });
      expect((await c.memberByKey(B, key))?.member).toMatchObject({
        id,
        key,
        lastSeq: 2,
        deliveredSeq: 1,
        readSeq: 0,
      });
      expect(await c.memberByKey(C, key)).toEqual({
        conv: await c.findConversation(key),
        member: undefined,
      });
      expect(await c.memberByKey(A, directKey(A, C))).toBeUndefined();
      await s.close();
    });

    it('moves a sender along its consecutive messages of one batch, as one by one', async () => {
      const s = await open();
      const c = s.conversations;
      const batch = [
        dm(A, B, 'a1'),
        dm(A, B, 'a2'),
        dm(B, A, 'b1'),
        dm(A, B, 'a3'),
        dm(B, A, 'b2'),
      ];
      const [r1] = await c.append(batch, 0);
      const id = r1?.convId as number;
      // A's cursor was at 0: it moves over 1 and 2, not past B's 3 (B's cursor was not at 2).
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 2, readSeq: 4 });
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 0, readSeq: 5 });
      // B acknowledged 1–5; its next two in a row move its cursor on, A's stays.
      await c.saveCursors([{ userId: B, convId: id, deliveredSeq: 5 }]);
      await c.append([dm(B, A, 'b3'), dm(B, A, 'b4')], 0);
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 7, readSeq: 7 });
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 2, readSeq: 4 });
      await s.close();
    });

    it('moves the acks an append carries first, so a run goes on from them', async () => {
      const s = await open();
      const c = s.conversations;
      const [ab, , ac] = await c.append([dm(A, B, 'a1'), dm(B, A, 'b1'), dm(A, C, 'c1')], 0);
      const id = ab?.convId as number;
      const other = ac?.convId as number;
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 0, readSeq: 2 });
      // B acked A's 1 and its own 2 in the turn of its next message: its cursor moves on to 3.
      // An ack of a conversation the batch does not touch moves too.
      await c.append([dm(B, A, 'b2', 2_000, 'c-b2')], 0, [
        { userId: B, convId: id, deliveredSeq: 2 },
        { userId: A, convId: id, deliveredSeq: 2 },
        { userId: C, convId: other, deliveredSeq: 1 },
      ]);
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 3, readSeq: 3 });
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 2, readSeq: 1 });
      expect(await c.membership(C, other)).toMatchObject({ deliveredSeq: 1 });
      // A batch that stores nothing (a resend) still moves its acks, and never back.
      const [again] = await c.append([dm(B, A, 'b2', 2_500, 'c-b2')], 0, [
        { userId: A, convId: id, deliveredSeq: 3 },
        { userId: B, convId: id, deliveredSeq: 1 },
      ]);
      expect(again).toMatchObject({ seq: 3, duplicate: true });
      expect(await c.membership(A, id)).toMatchObject({ deliveredSeq: 3 });
      expect(await c.membership(B, id)).toMatchObject({ deliveredSeq: 3 });
      expect((await c.findConversation(directKey(A, B)))?.lastSeq).toBe(3);
      await s.close();
    });

    it('stores a resent client_id once and answers the original place', async () => {
      const s = await open();
      const c = s.conversations;
      const [orig] = await c.append([{ ...dm(A, B, 'x', 1_000, 'c-1'), delivered: true }], 0);
      const again = await c.append([dm(A, B, 'x', 1_500, 'c-1'), dm(A, B, 'y', 1_500, 'c-2')], 0);
      expect(again[0]).toMatchObject({ seq: orig?.seq, duplicate: true, delivered: true });
      expect(again[1]).toMatchObject({ seq: 2, duplicate: false });
      // The same client_id from another sender is another message.
      expect((await c.append([dm(B, A, 'z', 1_500, 'c-1')], 0))[0]?.seq).toBe(3);
      // Past the window it is a new message; pruning forgets old ids.
      expect((await c.append([dm(A, B, 'x', 9_000, 'c-1')], 5_000))[0]).toMatchObject({
        seq: 4,
        duplicate: false,
      });
      expect(await c.pruneClientIds(2_000, 100)).toBe(2);
      expect((await c.history(orig?.convId as number, null, 10)).messages.length).toBe(4);
      await s.close();
    });

    it('stores a client_id sent twice in one batch once', async () => {
      const s = await open();
      const c = s.conversations;
      await c.append([dm(A, B, 'first')], 0);
      const batch = [dm(A, B, 'x', 1_000, 'c-7'), dm(A, B, 'x', 1_000, 'c-7'), dm(B, A, 'y')];
      const results = await c.append(batch, 0);
      expect(results.map((r) => [r.seq, r.duplicate])).toEqual([
        [2, false],
        [2, true],
        [3, false],
      ]);
      // A resend to another conversation answers the original and creates nothing.
      const [moved] = await c.append([dm(A, C, 'x', 1_000, 'c-7')], 0);
      expect(moved).toMatchObject({ conv: directKey(A, B), seq: 2, duplicate: true });
      expect(await c.findConversation(directKey(A, C))).toBeUndefined();
      await s.close();
    });

    it('pages history back without gaps or repeats', async () => {
      const s = await open();
      const c = s.conversations;
      const batch = Array.from({ length: 25 }, (_, i) => dm(A, B, `m${i + 1}`, 1_000 + i));
      const [r] = await c.append(batch, 0);
      const id = r?.convId as number;
      const seen: number[] = [];
      let before: number | null = null;
      for (;;) {
        const page = await c.history(id, before, 10);
        seen.unshift(...page.messages.map((m) => m.seq));
        if (!page.more) break;
        before = page.messages[0]?.seq ?? null;
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const newest = await c.history(id, null, 2);
      expect(newest.messages.map((m) => [m.seq, m.text, m.senderId, m.conv])).toEqual([
        [24, 'm24', A, 'dm:00001:00002'],
        [25, 'm25', A, 'dm:00001:00002'],
      ]);
      expect(await c.range(id, 3, 6, 10)).toHaveLength(3);
      expect((await c.range(id, 3, 6, 2)).map((m) => m.seq)).toEqual([4, 5]);
      await s.close();
    });

    it('gives the backlog above each cursor, oldest conversation first, within a limit', async () => {
      const s = await open();
      const c = s.conversations;
      await c.append([dm(A, C, 'c1', 1_000), dm(B, C, 'b1', 500), dm(B, C, 'b2', 600)], 0);
      await c.append([dm(A, C, 'c2', 2_000)], 0);
      const all = await c.backlog(C, new Map(), 10);
      expect(all.messages.map((m) => m.text)).toEqual(['b1', 'b2', 'c1', 'c2']);
      expect(all.more).toBe(false);
      const some = await c.backlog(C, new Map(), 3);
      expect(some.messages.map((m) => m.text)).toEqual(['b1', 'b2', 'c1']);
      expect(some.more).toBe(true);
      // What the session was sent already is skipped; acked cursors too.
      const bc = (await c.findConversation(directKey(B, C)))?.id as number;
      const ac = (await c.findConversation(directKey(A, C)))?.id as number;
      expect((await c.backlog(C, new Map([[ac, 1]]), 10)).messages.map((m) => m.text)).toEqual([
        'b1',
        'b2',
        'c2',
      ]);
      await c.saveCursors([
        { userId: C, convId: bc, deliveredSeq: 2 },
        { userId: C, convId: ac, deliveredSeq: 1 },
      ]);
      await c.saveCursors([{ userId: C, convId: bc, deliveredSeq: 1 }]);
      expect((await c.membership(C, bc))?.deliveredSeq).toBe(2);
      expect((await c.backlog(C, new Map(), 10)).messages.map((m) => m.text)).toEqual(['c2']);
      await s.close();
    });

    it('lists conversations by recent activity with read markers and paging', async () => {
      const s = await open();
      const c = s.conversations;
      await c.append([dm(A, B, 'ab', 1_000)], 0);
      await c.append([dm(C, A, 'ca', 2_000)], 0);
      await c.append([dm(A, A, 'note', 3_000)], 0);
      const page = await c.listConversations(A, 10);
      expect(page.total).toBe(3);
      expect(page.items.map((i) => [i.key, i.lastSeq, i.readSeq, i.last?.text])).toEqual([
        ['dm:00001:00001', 1, 1, 'note'],
        ['dm:00001:00003', 1, 0, 'ca'],
        ['dm:00001:00002', 1, 1, 'ab'],
      ]);
      expect(page.items[1]?.members).toEqual([A, C]);
      const next = await c.listConversations(A, 1, 'dm:00001:00003');
      expect(next.items.map((i) => i.key)).toEqual(['dm:00001:00002']);
      const id = page.items[1]?.id as number;
      expect(await c.markRead(A, id, 1)).toBe(1);
      expect(await c.markRead(A, id, 0)).toBe(1);
      expect((await c.membership(A, id))?.readSeq).toBe(1);
      await s.close();
    });

    it('purges messages older than a time in bounded steps', async () => {
      const s = await open();
      const c = s.conversations;
      const old = Array.from({ length: 30 }, (_, i) => dm(A, B, `o${i}`, 1_000 + i));
      await c.append([...old, dm(A, C, 'x', 1_000), dm(A, B, 'new', 9_000)], 0);
      let deleted = 0;
      let next: number | null = 0;
      let steps = 0;
      while (next !== null) {
        const r = await c.purgeMessages(5_000, next, 7);
        expect(r.deleted).toBeLessThanOrEqual(7);
        deleted += r.deleted;
        next = r.next;
        steps++;
      }
      expect(deleted).toBe(31);
      expect(steps).toBeGreaterThan(4);
      const ab = (await c.findConversation(directKey(A, B)))?.id as number;
      const h = await c.history(ab, null, 50);
      expect(h.messages.map((m) => [m.seq, m.text])).toEqual([[31, 'new']]);
      expect(h.more).toBe(false);
      // Seq goes on after a purge.
      expect((await c.append([dm(B, A, 'after')], 0))[0]?.seq).toBe(32);
      await s.close();
    });
  });
}
