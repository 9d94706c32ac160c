// Delivery cursors held in memory and written in groups: an ack storm is one
// transaction per event-loop turn, however many acks it held.
import type { Logger } from 'pino';
import type { ConversationStore, CursorUpdate } from '../../storage/conversations.ts';

/** Coalesces acks per (user, conversation) and writes them once per turn. */
export class CursorWriter {
  private pending = new Map<string, CursorUpdate>();
  private scheduled = false;
  /** Transactions written so far, for tests and metrics. */
  writes = 0;

  constructor(
    private readonly store: ConversationStore,
    private readonly log: Logger,
  ) {}

  /** Records that the user's clients have everything up to `seq` in the conversation. */
  note(userId: number, convId: number, seq: number): void {
    const key = `${userId}:${convId}`;
    const known = this.pending.get(key);
    if (known && known.deliveredSeq >= seq) return;
    this.pending.set(key, { userId, convId, deliveredSeq: seq });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** The cursor noted but not yet written, if any. */
  peek(userId: number, convId: number): number | undefined {
    return this.pending.get(`${userId}:${convId}`)?.deliveredSeq;
  }

  /** Writes what is noted, in one transaction; a failed write is kept for the next. */
  async flush(): Promise<void> {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const updates = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.store.saveCursors(updates);
      this.writes++;
    } catch (err) {
      this.log.error({ err }, 'writing delivery cursors failed; retrying with the next');
      for (const u of updates) this.note(u.userId, u.convId, u.deliveredSeq);
    }
  }
}
