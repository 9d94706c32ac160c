import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { directKey, type NewMessage } from '../../storage/conversations.ts';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { CursorWriter } from './cursor-writer.ts';
import { Delivery } from './delivery.ts';
import { storedMessageFrame, storedMessageId } from './message-frames.ts';
import type { Session } from './sessions.ts';

const ANN = 1;
const BEN = 2;

/** A real store with a delivery on it, and a session of Ben that records what it is sent. */
async function setup() {
  const storage = openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-dlv-')), 'db.sqlite'));
  const store = storage.conversations;
  const cursors = new CursorWriter(store, pino({ level: 'silent' }));
  const frame = (convId: number, seq: number, replayed = false) =>
    storedMessageFrame(
      {
        id: storedMessageId(convId, seq),
        conv: directKey(ANN, BEN),
        seq,
        from: 'ann',
        to: 'ben',
        text: `t${seq}`,
        sent_at: new Date(seq).toISOString(),
      },
      replayed,
    );
  const delivery = new Delivery({
    store,
    frame: async (m, replayed) => frame(m.convId, m.seq, replayed),
    cursorOf: async (userId, convId) => {
      const member = await store.membership(userId, convId);
      return member && Math.max(member.deliveredSeq, cursors.peek(userId, convId) ?? 0);
    },
    flushCursors: () => cursors.flush(),
    onError: (err) => {
      throw err;
    },
  });
  const got: Array<{ seq: number; replayed: boolean } | string> = [];
  const session = {
    tokenHash: 'h',
    token: 's_t',
    user: { id: BEN, username: 'ben', level: 'basic' },
    peer: {
      id: 1,
      sendFrame: (f: string) => {
        const e = JSON.parse(f);
        got.push(
          e.event === 'message' ? { seq: e.data.seq, replayed: !!e.data.replayed } : e.event,
        );
      },
      sendEvent: (name: string) => got.push(name),
      disconnect: () => {},
    },
  } as Session;
  const send = async (n: number, from = ANN) => {
    const m: NewMessage = {
      key: directKey(ANN, BEN),
      kind: 'direct',
      members: [ANN, BEN],
      senderId: from,
      text: 'x',
      sentAt: 1,
      clientId: null,
      delivered: false,
    };
    return store.append(
      Array.from({ length: n }, () => m),
      0,
    );
  };
  // All the work is microtasks and setImmediate (no timers): a few turns settle it.
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  /** The seqs of the message frames Ben's session got, in order. */
  const seqs = () =>
    got.filter((g) => typeof g !== 'string').map((g) => (g as { seq: number }).seq);
  /** Ben's replay ran (empty) and Ann's first message reached him live; its conversation. */
  const firstMessage = async () => {
    delivery.begin(session, 100)();
    await settle();
    const [one] = await send(1);
    const conv = one?.convId as number;
    delivery.route(session, frame(conv, 1));
    await settle();
    return conv;
  };
  return {
    storage,
    store,
    cursors,
    delivery,
    session,
    got,
    frame,
    send,
    settle,
    seqs,
    firstMessage,
  };
}

describe('Delivery', () => {
  it('sends a non-member nothing of a group, and a new member only what follows its join', async () => {
    const t = await setup();
    const group = await t.storage.groups.create('lab', 'public', ANN, 0, 10);
    const post = () =>
      t.store.append(
        [
          {
            key: '#lab',
            kind: 'group',
            members: [],
            senderId: ANN,
            text: 'x',
            sentAt: 1,
            clientId: null,
            delivered: false,
          },
        ],
        0,
      );
    t.delivery.begin(t.session, 100)();
    await t.settle();
    for (let i = 0; i < 3; i++) await post();
    // A frame reaching a session of someone who is no member fills no gap from storage.
    t.delivery.route(t.session, t.frame(group.convId, 3));
    await t.settle();
    expect(t.got).toEqual(['synced']);
    await t.storage.groups.join(group.convId, BEN, null);
    await post();
    t.delivery.route(t.session, t.frame(group.convId, 4));
    await t.settle();
    expect(t.got).toEqual(['synced', { seq: 4, replayed: false }]);
    await t.storage.close();
  });

  it('holds live frames behind the replay, then sends each once, in order', async () => {
    const t = await setup();
    const [r] = await t.send(3);
    const conv = r?.convId as number;
    // A live frame that arrives before the replay ran waits behind it.
    t.delivery.route(t.session, t.frame(conv, 3));
    t.delivery.begin(t.session, 100)();
    await t.settle();
    expect(t.got).toEqual([
      { seq: 1, replayed: true },
      { seq: 2, replayed: true },
      { seq: 3, replayed: true },
      'synced',
    ]);
    await t.send(1);
    t.delivery.route(t.session, t.frame(conv, 4));
    t.delivery.route(t.session, t.frame(conv, 4));
    expect(t.got.slice(4)).toEqual([{ seq: 4, replayed: false }]);
    await t.storage.close();
  });

  it('fills a gap from storage before a frame that skips ahead, and drops the late one', async () => {
    const t = await setup();
    t.delivery.begin(t.session, 100)();
    await t.settle();
    const [r] = await t.send(5);
    const conv = r?.convId as number;
    t.delivery.route(t.session, t.frame(conv, 1));
    t.delivery.route(t.session, t.frame(conv, 4));
    t.delivery.route(t.session, t.frame(conv, 5));
    await t.settle();
    t.delivery.route(t.session, t.frame(conv, 2));
    t.delivery.route(t.session, t.frame(conv, 3));
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5]);
    await t.storage.close();
  });

  it("starts a conversation new to the session at the user's acknowledged cursor", async () => {
    const t = await setup();
    const [r] = await t.send(6);
    const conv = r?.convId as number;
    t.cursors.note(BEN, conv, 6);
    t.delivery.begin(t.session, 100)();
    await t.settle();
    expect(t.got).toEqual(['synced']);
    await t.send(1);
    t.delivery.route(t.session, t.frame(conv, 7));
    await t.settle();
    expect(t.got).toEqual(['synced', { seq: 7, replayed: false }]);
    await t.storage.close();
  });

  it('never sends the sending session its own message, also inside a filled gap', async () => {
    const t = await setup();
    t.delivery.begin(t.session, 100)();
    await t.settle();
    const [one] = await t.send(1);
    const conv = one?.convId as number;
    t.delivery.route(t.session, t.frame(conv, 1));
    // Ben sends 3 while Ann's 2 is still on its way to him.
    await t.send(1);
    await t.send(1, BEN);
    t.delivery.noteSent(t.session, conv, 3);
    await t.send(1);
    t.delivery.route(t.session, t.frame(conv, 4));
    await t.settle();
    expect(t.seqs()).toEqual([1, 2, 4]);
    await t.storage.close();
  });

  it('passes its own message without reading storage when a partner message crossed it', async () => {
    const t = await setup();
    const conv = await t.firstMessage();
    // Ann's 2 and Ben's 3 cross: Ben's reply (3) comes before Ann's 2 reaches him.
    await t.send(1);
    await t.send(1, BEN);
    t.delivery.noteSent(t.session, conv, 3);
    await t.send(1);
    const range = vi.spyOn(t.store, 'range');
    t.delivery.route(t.session, t.frame(conv, 2));
    t.delivery.route(t.session, t.frame(conv, 4));
    await t.settle();
    expect(t.seqs()).toEqual([1, 2, 4]);
    expect(range).not.toHaveBeenCalled();
    // His own message is never sent to him, even when storage hands it over later.
    t.delivery.route(t.session, t.frame(conv, 3));
    await t.settle();
    expect(t.seqs()).toEqual([1, 2, 4]);
    await t.storage.close();
  });

  it('keeps passing its own messages when it sends on and on after a crossing', async () => {
    const t = await setup();
    const conv = await t.firstMessage();
    // Ann's 2 and Ben's 3 cross; then Ben sends far more than a session keeps aside, alone.
    await t.send(1);
    await t.send(1, BEN);
    t.delivery.noteSent(t.session, conv, 3);
    t.delivery.route(t.session, t.frame(conv, 2));
    await t.settle();
    const many = await t.send(1_100, BEN);
    for (const r of many) t.delivery.noteSent(t.session, conv, r.seq);
    const [next] = await t.send(1);
    t.delivery.route(t.session, t.frame(conv, next?.seq as number));
    await t.settle();
    expect(t.seqs()).toEqual([1, 2, next?.seq]);
    await t.storage.close();
  });

  it("never sends its own message noted while a gap's read is on its way (an async store)", async () => {
    const t = await setup();
    const conv = await t.firstMessage();
    await t.send(1, BEN);
    await t.send(1);
    // Ann's 3 comes first: the gap fill starts reading 2 (Ben's own) from storage ...
    t.delivery.route(t.session, t.frame(conv, 3));
    // ... and the reply to Ben's send of 2 is handled before that read returns.
    t.delivery.noteSent(t.session, conv, 2);
    await t.settle();
    expect(t.seqs()).toEqual([1, 3]);
    await t.storage.close();
  });
});

describe('CursorWriter', () => {
  it('writes an ack storm as one transaction per turn, keeping the highest', async () => {
    const t = await setup();
    const [r] = await t.send(100);
    const conv = r?.convId as number;
    for (let seq = 1; seq <= 100; seq++) t.cursors.note(BEN, conv, seq);
    t.cursors.note(BEN, conv, 50);
    expect(t.cursors.peek(BEN, conv)).toBe(100);
    await t.settle();
    expect(t.cursors.writes).toBe(1);
    expect((await t.store.membership(BEN, conv))?.deliveredSeq).toBe(100);
    await t.storage.close();
  });
  it('writes one update at a time: acks during a slow write go into one next write', async () => {
    const t = await setup();
    const [r] = await t.send(10);
    const conv = r?.convId as number;
    // The real store behind a gate, as PostgreSQL's round trips would be.
    const saved: number[][] = [];
    const gates: Array<() => void> = [];
    const slow = Object.create(t.store) as typeof t.store;
    slow.saveCursors = async (updates) => {
      saved.push(updates.map((u) => u.deliveredSeq));
      await new Promise<void>((resolve) => gates.push(resolve));
      return t.store.saveCursors(updates);
    };
    const cursors = new CursorWriter(slow, pino({ level: 'silent' }));
    cursors.note(BEN, conv, 2);
    const first = cursors.flush();
    for (const seq of [5, 7]) {
      cursors.note(BEN, conv, seq);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(saved).toEqual([[2]]);
    expect(cursors.peek(BEN, conv)).toBe(7);
    gates.shift()?.();
    await first;
    const second = cursors.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(saved).toEqual([[2], [7]]);
    // Still seen while its write is on its way.
    expect(cursors.peek(BEN, conv)).toBe(7);
    gates.shift()?.();
    await second;
    expect(cursors.writes).toBe(2);
    expect((await t.store.membership(BEN, conv))?.deliveredSeq).toBe(7);
    await t.storage.close();
  });
});
