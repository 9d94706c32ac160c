// CursorWriter on a real SQLite store: acks noted in a turn with a message commit go into
// that commit (carry), not into a write of their own; a failed commit keeps them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { directKey, type NewMessage } from '../../storage/conversations.ts';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { CursorWriter } from './cursor-writer.ts';

const ANN = 1;
const BEN = 2;
const message = (from: number, text: string): NewMessage => ({
  key: directKey(ANN, BEN),
  kind: 'direct',
  members: [ANN, BEN],
  senderId: from,
  text,
  sentAt: 1,
  clientId: null,
  delivered: true,
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function setup(commitComing: () => boolean) {
  const storage = openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-cur-')), 'db.sqlite'));
  const store = storage.conversations;
  const [first] = await store.append([message(ANN, 'a1'), message(ANN, 'a2')], 0);
  const convId = first?.convId as number;
  const cursors = new CursorWriter(store, pino({ level: 'silent' }), commitComing);
  const saved = vi.spyOn(store, 'saveCursors');
  const cursorOf = async () => (await store.membership(BEN, convId))?.deliveredSeq;
  return { store, cursors, convId, saved, cursorOf };
}

describe('CursorWriter', () => {
  it('writes acks alone when no commit comes, and leaves them to a commit that does', async () => {
    let coming = false;
    const t = await setup(() => coming);
    t.cursors.note(BEN, t.convId, 1);
    await turn();
    await t.cursors.flush();
    expect(t.saved).toHaveBeenCalledTimes(1);
    expect(await t.cursorOf()).toBe(1);

    coming = true;
    t.cursors.note(BEN, t.convId, 2);
    await turn();
    expect(t.saved).toHaveBeenCalledTimes(1);
    expect(t.cursors.peek(BEN, t.convId)).toBe(2);
    // The commit carries the ack: Ben's cursor is at 2 when its own message 3 is stored.
    const results = await t.cursors.carry((acks) => t.store.append([message(BEN, 'b1')], 0, acks));
    expect(results[0]?.seq).toBe(3);
    expect(t.saved).toHaveBeenCalledTimes(1);
    expect(await t.cursorOf()).toBe(3);
    expect(t.cursors.peek(BEN, t.convId)).toBeUndefined();
  });

  it('writes the acks noted during a commit after it, alone when no commit follows', async () => {
    let committing = true;
    const t = await setup(() => committing);
    let finish: () => void = () => {};
    const running = t.cursors.carry(
      (acks) =>
        new Promise<void>((resolve) => {
          expect(acks).toEqual([]);
          finish = resolve;
        }),
    );
    t.cursors.note(BEN, t.convId, 2);
    await turn();
    expect(t.saved).not.toHaveBeenCalled();
    committing = false;
    finish();
    await running;
    // Nobody flushes: the writer does, at the end of the turn after the commit.
    await turn();
    await turn();
    expect(t.saved).toHaveBeenCalledTimes(1);
    expect(await t.cursorOf()).toBe(2);
  });

  it('keeps the acks of a commit that failed, and writes them with the next', async () => {
    const t = await setup(() => true);
    t.cursors.note(BEN, t.convId, 2);
    await expect(
      t.cursors.carry(async (acks) => {
        expect(acks).toEqual([{ userId: BEN, convId: t.convId, deliveredSeq: 2 }]);
        throw new Error('the store is down');
      }),
    ).rejects.toThrow(/down/);
    expect(t.cursors.peek(BEN, t.convId)).toBe(2);
    await t.cursors.carry((acks) => t.store.append([message(ANN, 'a3')], 0, acks));
    expect(await t.cursorOf()).toBe(2);
    expect(t.saved).not.toHaveBeenCalled();
  });

  it('tries a failed write again after a pause, not every turn', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const t = await setup(() => false);
      t.saved.mockRejectedValueOnce(new Error('the store is down'));
      t.cursors.note(BEN, t.convId, 2);
      for (let i = 0; i < 5; i++) await turn();
      expect(t.saved).toHaveBeenCalledTimes(1);
      expect(t.cursors.peek(BEN, t.convId)).toBe(2);
      await vi.advanceTimersByTimeAsync(1_000);
      for (let i = 0; i < 3; i++) await turn();
      expect(t.saved).toHaveBeenCalledTimes(2);
      expect(await t.cursorOf()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
