// Stored conversations under other settings: replay_limit with sync, several sessions per user,
// messages.store false and read_receipts false.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, loginClient } from '../client.ts';
import { cleanup, useServer } from '../harness.ts';
import { loginAndReplay, messagesIn, pair, sendMany } from '../stored.ts';
import type { Wire } from '../transports.ts';
import { codeOf, expectOk, PASSWORD, sleep } from '../util.ts';

/**
 * Stored conversations under other settings: replay_limit with sync, several sessions per user,
 * messages.store false and read_receipts false, run over `wire`.
 */
export function conversationOptionCases(wire: Wire): void {
  afterEach(closeAllClients);
  afterAll(cleanup);

  describe('replay limit and sync', () => {
    const server = useServer({ config: { messages: { replay_limit: 5 } } });

    it('replays at most replay_limit, then sync pushes the rest before its reply', async () => {
      const { b, ca } = await pair(wire.endpoint(server()));
      await sendMany(ca, b, 12, 6);
      const { client, replayed, synced } = await loginAndReplay(
        wire.endpoint(server()),
        b,
        PASSWORD,
      );
      expect(synced).toEqual({ replayed: 5, more: true });
      expect(replayed.map((m) => m.data.seq)).toEqual([1, 2, 3, 4, 5]);
      const s1 = expectOk(await client.call('sync', [100]), 'sync');
      expect(s1.data).toEqual({ replayed: 5, more: true });
      const s2 = expectOk(await client.call('sync'), 'sync');
      expect(s2.data).toEqual({ replayed: 2, more: false });
      const before = client.received.indexOf(s2);
      expect(messagesIn(client.received.slice(0, before)).map((m) => m.data.seq)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect((await client.call('sync')).data).toEqual({ replayed: 0, more: false });
    });
  });

  describe('several sessions per user', () => {
    const server = useServer({ config: { session: { sessions_per_user: 2 } } });

    it("gives the sender's other sessions the message, not the sending one", async () => {
      const { a, b, cb } = await pair(wire.endpoint(server()), true);
      const a1 = await loginClient(wire.endpoint(server()), a, PASSWORD);
      await a1.nextEvent('synced');
      // `a` now has two sessions: the first from pair() and a1.
      const r = expectOk(await a1.call('msg', [b, 'from a1']), 'msg');
      expect((await cb.nextEvent('message')).data.seq).toBe(r.data.seq);
      await a1.call('ping');
      expect(messagesIn(a1.received)).toHaveLength(0);
    });
  });

  describe('messages.store: false (benchmark only)', () => {
    const server = useServer({ config: { messages: { store: false } } });

    it('keeps the old in-memory path: offline is not_online, no history feature', async () => {
      const { b, ca, cb } = await pair(wire.endpoint(server()), true);
      expect(ca.received[0]?.data.features).toEqual([]);
      const live = expectOk(await ca.call('msg', [b, 'live']), 'msg');
      expect(live.data.delivered).toBe(true);
      expect((await cb.nextEvent('message')).data).toMatchObject({
        id: live.data.id,
        text: 'live',
      });
      cb.destroy();
      await sleep(50);
      expect(codeOf(await ca.call('msg', [b, 'gone']))).toBe('not_online');
    });
  });

  describe('messages.read_receipts: false', () => {
    const server = useServer({ config: { messages: { read_receipts: false } } });

    it('marks read without telling the other user', async () => {
      const { b, ca, cb, conv } = await pair(wire.endpoint(server()), true);
      expectOk(await ca.call('msg', [b, 'one']), 'msg');
      await cb.nextEvent('message');
      expect((await cb.call('mark_read', [conv, 1])).data).toEqual({
        conv,
        read_seq: 1,
        unread: 0,
      });
      await ca.call('ping');
      expect(ca.received.filter((f) => f.event === 'read')).toEqual([]);
      // Nor through the conversation list: no peer_read_seq while receipts are off.
      const forA = expectOk(await ca.call('conversations'), 'conversations');
      const entry = forA.data.conversations.find((x: { conv: string }) => x.conv === conv);
      expect(entry).toMatchObject({ conv, read_seq: 1 });
      expect(entry).not.toHaveProperty('peer_read_seq');
    });
  });
}
