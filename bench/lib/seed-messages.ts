// Stored messages for the replay scenario, written into the database through the
// server's own storage class (the same append the server commits with) before it starts.
import { directKey, type NewMessage } from '../../src/storage/conversations.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import type { SyncMode } from './options.ts';
import { userName } from './seed.ts';

/** Messages per append (one transaction), about the group of a busy server turn. */
export const FILL_BATCH = 4_096;
/** Stored texts are as long as the bench's live ones; the leading 0 is a send time of none. */
const TEXT = '0 '.padEnd(64, 'x');

/**
 * Gives each of the `users` seeded users `perUser` unread messages from the next
 * user (u1 ← u2, …, uN ← u1), in the direct conversation of the two: each user
 * has exactly `perUser` pending (its own sends move its own cursor). Returns the
 * time taken and the longest single append of FILL_BATCH messages.
 */
export async function fillMessages(
  dbFile: string,
  users: number,
  perUser: number,
  sync: SyncMode,
): Promise<Record<string, number>> {
  const storage = openSqliteStorage(dbFile, sync);
  const started = performance.now();
  let longestMs = 0;
  let commits = 0;
  try {
    const ids: number[] = [];
    for (let i = 0; i < users; i++) {
      const user = await storage.findUserByName(userName(i));
      if (!user) throw new Error(`seeded user ${userName(i)} not found`);
      ids.push(user.id);
    }
    let batch: NewMessage[] = [];
    const commit = async () => {
      const t = performance.now();
      await storage.conversations.append(batch, 0);
      longestMs = Math.max(longestMs, performance.now() - t);
      commits += 1;
      batch = [];
    };
    const sentAt = Date.now();
    for (let i = 0; i < users; i++) {
      const recipient = ids[i] as number;
      const sender = ids[(i + 1) % users] as number;
      const base = { key: directKey(recipient, sender), kind: 'direct' as const };
      const members = [recipient, sender];
      for (let n = 0; n < perUser; n++) {
        batch.push({
          ...base,
          members,
          senderId: sender,
          text: TEXT,
          sentAt,
          clientId: null,
          delivered: false,
        });
        if (batch.length >= FILL_BATCH) await commit();
      }
    }
    if (batch.length > 0) await commit();
  } finally {
    await storage.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    fill_s: seconds,
    fill_per_s: (users * perUser) / seconds,
    fill_commits: commits,
    fill_commit_max_ms: longestMs,
  };
}
