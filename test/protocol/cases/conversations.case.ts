// Stored direct messages (docs/protocol.md sections A-D): sending is storing, the replay after
// set_user, ack, sync, client_id de-duplication, history, conversations and read markers.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, connectClient, registerClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import { loginAndReplay, messagesIn, pair, sendMany } from '../stored.ts';
import type { Wire } from '../transports.ts';
import { codeOf, emailFor, expectOk, PASSWORD, sleep, uniqueName } from '../util.ts';

/**
 * Stored direct messages (docs/protocol.md sections A-D): sending is storing, the replay after
 * set_user, ack, sync, client_id de-duplication, history, conversations and read markers, run over
 * `wire`.
 */
export function conversationCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('stored direct messages', () => {
    const server = useServer();
    const port = () => wire.endpoint(server());

    it('says so in the hello: features and a fixed epoch', async () => {
      const one = await connectClient(port());
      const two = await connectClient(port());
      expect(one.received[0]?.data.features).toEqual(['history', 'groups']);
      expect(one.received[0]?.data.epoch).toMatch(/^[0-9a-f]{32}$/);
      expect(two.received[0]?.data.epoch).toBe(one.received[0]?.data.epoch);
    });

    it('stores for an offline recipient and replays everything in order, then synced', async () => {
      const { a, b, ca, conv } = await pair(port());
      const sent = await sendMany(ca, b, 20, 8);
      expect(sent.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const r of sent) expect(r).toMatchObject({ conv, delivered: false });
      expect(new Set(sent.map((r) => r.id)).size).toBe(20);
      const { client, replayed, synced } = await loginAndReplay(port(), b, PASSWORD);
      expect(synced).toEqual({ replayed: 20, more: false });
      expect(replayed.map((m) => m.data.seq)).toEqual(sent.map((r) => r.seq));
      expect(replayed.map((m) => m.data.id)).toEqual(sent.map((r) => r.id));
      expect(replayed[0]?.data).toMatchObject({ conv, from: a, to: b, text: 'm0', replayed: true });
      // Now online: the next one is live, with its position and no replayed flag.
      const live = expectOk(await ca.call('msg', [b, 'live', 'c-live']), 'msg');
      expect(live.data).toMatchObject({ conv, seq: 21, delivered: true });
      let ev = await client.nextEvent('message');
      while (ev.data.replayed) ev = await client.nextEvent('message');
      expect(ev.data).toEqual({
        id: live.data.id,
        conv,
        seq: 21,
        from: a,
        to: b,
        text: 'live',
        sent_at: ev.data.sent_at,
        client_id: 'c-live',
      });
    });

    it('gives a client that dropped without acking the unacked messages again, and no others', async () => {
      const { b, ca, conv } = await pair(port());
      await sendMany(ca, b, 12, 4);
      const first = await loginAndReplay(port(), b, PASSWORD);
      expect(first.replayed).toHaveLength(12);
      const cb = first.client;
      expect((await cb.call('ack', [conv, 7])).data).toEqual({ conv, seq: 7 });
      // Cumulative and idempotent; above the last seq is refused.
      expect((await cb.call('ack', [conv, 3])).data).toEqual({ conv, seq: 7 });
      expect(codeOf(await cb.call('ack', [conv, 13]))).toBe('invalid_input');
      expect(codeOf(await cb.call('ack', [conv, -1]))).toBe('invalid_input');
      cb.destroy();
      await sleep(50);
      const again = await loginAndReplay(port(), b, PASSWORD);
      expect(again.replayed.map((m) => m.data.seq)).toEqual([8, 9, 10, 11, 12]);
      expect(again.synced).toEqual({ replayed: 5, more: false });
      // Within the session nothing comes twice: sync has nothing more to send.
      expect((await again.client.call('sync')).data).toEqual({ replayed: 0, more: false });
      expect(messagesIn(again.client.received)).toHaveLength(5);
    });

    it("answers every ack with the cursor, also once the acker's own messages moved it", async () => {
      const { a, b, ca, conv } = await pair(port());
      await sendMany(ca, b, 3, 3);
      const { client: cb } = await loginAndReplay(port(), b, PASSWORD);
      expect((await cb.call('ack', [conv, 2])).data).toEqual({ conv, seq: 2 });
      expect((await cb.call('ack', [conv, 3])).data).toEqual({ conv, seq: 3 });
      // Sending right after the cursor moves it onto one's own message (4) ...
      expect(expectOk(await cb.call('msg', [a, 'mine']), 'msg').data.seq).toBe(4);
      expect((await cb.call('ack', [conv, 1])).data).toEqual({ conv, seq: 4 });
      // ... and past it only over what was acked: 5 and 6 from a, then b's own 7.
      await sendMany(ca, b, 2, 2);
      expect(expectOk(await cb.call('msg', [a, 'gap']), 'msg').data.seq).toBe(7);
      expect((await cb.call('ack', [conv, 4])).data).toEqual({ conv, seq: 4 });
      expect((await cb.call('ack', [conv, 6])).data).toEqual({ conv, seq: 6 });
      expect(codeOf(await cb.call('ack', [conv, 8]))).toBe('invalid_input');
      // What the replies said is what was stored: a new login replays only 7, b's own.
      cb.destroy();
      await sleep(50);
      const again = await loginAndReplay(port(), b, PASSWORD);
      expect(again.replayed.map((m) => m.data.seq)).toEqual([7]);
    });

    it('keeps a conversation with a deleted account: replayed from [deleted], acked, read back', async () => {
      const { a, b, ca, conv } = await pair(port());
      await sendMany(ca, b, 3, 3);
      expectOk(await ca.call('delete_account', [PASSWORD]), 'delete_account');
      await ca.waitClosed();
      const first = await loginAndReplay(port(), b, PASSWORD);
      expect(first.replayed.map((m) => [m.data.from, m.data.seq])).toEqual([
        ['[deleted]', 1],
        ['[deleted]', 2],
        ['[deleted]', 3],
      ]);
      const cb = first.client;
      // The ack moves the cursor (else every login would replay them again) ...
      expect((await cb.call('ack', [conv, 3])).data).toEqual({ conv, seq: 3 });
      const h = expectOk(await cb.call('history', [conv]), 'history');
      expect(h.data.messages.map((m: { from: string }) => m.from)).toEqual([
        '[deleted]',
        '[deleted]',
        '[deleted]',
      ]);
      cb.destroy();
      await sleep(50);
      const again = await loginAndReplay(port(), b, PASSWORD);
      expect(again.replayed).toHaveLength(0);
      // ... while a new conversation with the deleted account cannot be started or named.
      expect(codeOf(await again.client.call('msg', [a, 'hi']))).toBe('not_found');
      expect(codeOf(await again.client.call('history', [`@${a}`]))).toBe('not_found');
    });

    it('stores a resend with the same client_id once and answers duplicate', async () => {
      const { b, ca, cb, conv } = await pair(port(), true);
      const one = expectOk(await ca.call('msg', [b, 'once', 'retry-1']), 'msg');
      const two = expectOk(await ca.call('msg', [b, 'once', 'retry-1']), 'msg');
      expect(two.data).toEqual({ ...one.data, duplicate: true });
      const other = expectOk(await ca.call('msg', [b, 'next', 'retry-2']), 'msg');
      expect(other.data.seq).toBe(one.data.seq + 1);
      expect((await cb.nextEvent('message')).data.seq).toBe(one.data.seq);
      expect((await cb.nextEvent('message')).data.seq).toBe(other.data.seq);
      const h = expectOk(await cb.call('history', [conv]), 'history');
      expect(h.data.messages.map((m: { text: string }) => m.text)).toEqual(['once', 'next']);
      expect(h.data.messages[0].client_id).toBe('retry-1');
    });

    it('keeps notes to self in dm:x:x, not pushed to the sending session', async () => {
      const me = uniqueName('self');
      const c = await registerClient(port(), me, PASSWORD, emailFor(me));
      const id = expectOk(await c.call('get_id'), 'get_id').data.slice(1);
      const r = expectOk(await c.call('msg', [me, 'note']), 'msg');
      expect(r.data).toMatchObject({ conv: `dm:${id}:${id}`, seq: 1 });
      expect((await c.call('ping')).ok).toBe(true);
      expect(messagesIn(c.received)).toHaveLength(0);
      const h = expectOk(await c.call('history', [`@${me}`]), 'history');
      expect(h.data.messages).toMatchObject([{ from: me, to: me, text: 'note', seq: 1 }]);
      const list = expectOk(await c.call('conversations'), 'conversations');
      // Every account is also in #global (no messages there in this file: it sorts last).
      expect(list.data.conversations).toMatchObject([
        { conv: `dm:${id}:${id}`, kind: 'direct', title: me, last_seq: 1, unread: 0 },
        { conv: '#global', kind: 'group', title: '#global' },
      ]);
      // The own cursor moved with the send: nothing is replayed at the next login.
      c.destroy();
      await sleep(50);
      expect((await loginAndReplay(port(), me, PASSWORD)).synced).toEqual({
        replayed: 0,
        more: false,
      });
    });

    it('counts unread, marks read and sends a read receipt to the other user', async () => {
      const { a, b, ca, conv } = await pair(port());
      await sendMany(ca, b, 3, 3);
      const { client: cb } = await loginAndReplay(port(), b, PASSWORD);
      const list = expectOk(await cb.call('conversations'), 'conversations');
      expect(list.data.total).toBe(2);
      expect(list.data.conversations[0]).toMatchObject({
        conv,
        kind: 'direct',
        title: a,
        last_seq: 3,
        read_seq: 0,
        unread: 3,
        peer_read_seq: 3,
        last: { seq: 3, text: 'm2', from: a, to: b },
      });
      // The other user's read marker is for direct conversations only: #global has none.
      expect(list.data.conversations[1]).toMatchObject({ kind: 'group' });
      expect(list.data.conversations[1]).not.toHaveProperty('peer_read_seq');
      expect((await cb.call('mark_read', [conv, 2])).data).toEqual({
        conv,
        read_seq: 2,
        unread: 1,
      });
      expect((await ca.nextEvent('read')).data).toEqual({ conv, seq: 2, by: b });
      // Not forward: no receipt; above the last seq: invalid_input.
      expect((await cb.call('mark_read', [`@${a}`, 1])).data).toEqual({
        conv,
        read_seq: 2,
        unread: 1,
      });
      expect(codeOf(await cb.call('mark_read', [conv, 4]))).toBe('invalid_input');
      // Sending marks read for the sender: own messages are never unread.
      expectOk(await cb.call('msg', [a, 'reply']), 'msg');
      const after = expectOk(await cb.call('conversations'), 'conversations');
      expect(after.data.conversations[0]).toMatchObject({ last_seq: 4, read_seq: 4, unread: 0 });
      const forA = expectOk(await ca.call('conversations', [10]), 'conversations');
      expect(forA.data.conversations.find((x: { conv: string }) => x.conv === conv)).toMatchObject({
        title: b,
        read_seq: 3,
        unread: 1,
        peer_read_seq: 4,
      });
      await ca.call('ping');
      expect(ca.received.filter((f) => f.event === 'read')).toHaveLength(1);
    });

    it('hides the conversations of others behind the same not_found as missing ones', async () => {
      const { b, conv, ca } = await pair(port());
      expectOk(await ca.call('msg', [b, 'secret']), 'msg');
      const c = uniqueName('carol');
      const carol = await registerClient(port(), c, PASSWORD, emailFor(c));
      const theirs = await carol.call('history', [conv]);
      const missing = await carol.call('history', ['dm:99998:99999']);
      expect(theirs.ok).toBe(false);
      expect(theirs.error).toEqual(missing.error);
      expect(theirs.error?.code).toBe('not_found');
      expect((await carol.call('ack', [conv, 1])).error).toEqual(missing.error);
      expect((await carol.call('mark_read', [conv, 1])).error).toEqual(missing.error);
      expect(codeOf(await carol.call('history', ['#no-such-group']))).toBe('not_found');
      expect(codeOf(await carol.call('history', ['@nobody_at_all']))).toBe('not_found');
      // With a real user and no messages yet the conversation is empty, not missing.
      expect((await carol.call('history', [`@${c}`])).data).toMatchObject({
        messages: [],
        more: false,
      });
      expect(codeOf(await carol.call('history', [conv, 'x']))).toBe('invalid_input');
      expect(codeOf(await carol.call('conversations', [0]))).toBe('invalid_input');
    });

    it('pages history back through 10,000 messages without gaps or repeats', async () => {
      const { a, b, ca, conv } = await pair(port());
      const sent = await sendMany(ca, b, 10_000, 500);
      expect(sent[sent.length - 1]?.seq).toBe(10_000);
      const seen: number[] = [];
      let before: number | null = null;
      let pages = 0;
      for (;;) {
        const r = expectOk(await ca.call('history', [conv, before, 500]), 'history');
        const seqs = r.data.messages.map((m: { seq: number }) => m.seq);
        expect(seqs.length).toBeLessThanOrEqual(200);
        seen.unshift(...seqs);
        pages++;
        if (!r.data.more) break;
        before = seqs[0];
      }
      expect(pages).toBe(50);
      expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      const last = expectOk(await ca.call('history', [`@${b}`, null, 1]), 'history');
      expect(last.data.messages).toMatchObject([{ seq: 10_000, from: a, to: b, text: 'm9999' }]);
      const page = expectOk(await ca.call('history', [conv, 5]), 'history');
      expect(page.data.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(page.data.more).toBe(false);
    }, 60_000);
  });
}
