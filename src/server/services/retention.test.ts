import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { directKey, type NewMessage } from '../../storage/conversations.ts';
import { openSqliteStorage } from '../../storage/sqlite/sqlite-storage.ts';
import { ManualClock } from '../clock.ts';
import { purgeMessagesBefore, RetentionJob } from './retention.ts';

const DAY = 86_400_000;

function message(at: number, clientId: string | null = null): NewMessage {
  return {
    key: directKey(1, 2),
    kind: 'direct',
    members: [1, 2],
    senderId: 1,
    text: `at ${at}`,
    sentAt: at,
    clientId,
    delivered: false,
  };
}

const open = () => openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'ss-ret-')), 'db.sqlite'));

describe('retention', () => {
  it('deletes messages older than retention_days and expired client_ids, keeping the rest', async () => {
    const storage = open();
    const c = storage.conversations;
    const clock = new ManualClock(100 * DAY);
    const old = Array.from({ length: 1_200 }, (_, i) => message(i, `old-${i}`));
    await c.append([...old, message(99 * DAY + 1, 'fresh')], 0);
    const job = new RetentionJob(c, clock, pino({ level: 'silent' }), {
      retentionDays: 30,
      dedupWindowS: 86_400,
    });
    await job.runOnce();
    const conv = (await c.findConversation(directKey(1, 2)))?.id as number;
    const left = await c.history(conv, null, 50);
    expect(left.messages.map((m) => m.seq)).toEqual([1_201]);
    // The old client_ids are forgotten: reusing one stores a new message.
    const [again] = await c.append([message(100 * DAY, 'old-5')], 99 * DAY);
    expect(again).toMatchObject({ duplicate: false, seq: 1_202 });
    const [dup] = await c.append([message(100 * DAY, 'fresh')], 99 * DAY);
    expect(dup).toMatchObject({ duplicate: true, seq: 1_201 });
    await job.stop();
    await storage.close();
  });

  it('keeps everything with retention off, and purges by hand in bounded batches', async () => {
    const storage = open();
    const c = storage.conversations;
    await c.append(
      Array.from({ length: 50 }, (_, i) => message(i * 10)),
      0,
    );
    const job = new RetentionJob(c, new ManualClock(1_000 * DAY), pino({ level: 'silent' }), {
      retentionDays: 0,
      dedupWindowS: 60,
    });
    await job.runOnce();
    const conv = (await c.findConversation(directKey(1, 2)))?.id as number;
    expect((await c.history(conv, null, 100)).messages).toHaveLength(50);
    let pauses = 0;
    const n = await purgeMessagesBefore(c, 250, 7, async () => {
      pauses++;
    });
    expect(n).toBe(25);
    expect(pauses).toBeGreaterThan(3);
    expect((await c.history(conv, null, 100)).messages[0]?.seq).toBe(26);
    await storage.close();
  });
});
