// Delivery cursors held in memory and written in groups: an ack storm is one
// transaction per event-loop turn, however many acks it held. One write runs at a
// time: acks that come while it is on its way (an asynchronous store) wait and go
// into the next, so a loaded node writes few large updates, not one per turn. While
// messages are being committed, acks wait for the next message commit, which carries them
// in its own transaction (carry); they are written alone only when no commit follows.
import type { Logger } from 'pino';
import type { ConversationStore, CursorUpdate } from '../../storage/conversations.ts';

/** How long acks whose write failed wait before they are tried alone again (ms). */
const RETRY_MS = 1_000;

/** Coalesces acks per (user, conversation) and writes them once per turn. */
export class CursorWriter {
  private pending = new Map<string, CursorUpdate>();
  /** What the write on its way holds (peek still sees it), and that write. */
  private inFlight = new Map<string, CursorUpdate>();
  private writing: Promise<void> | undefined;
  private scheduled = false;
  /** The pause after a failed write (the store is down: not a try every turn). */
  private retry: NodeJS.Timeout | undefined;
  /** Transactions written so far, for tests and metrics. */
  writes = 0;

  constructor(
    private readonly store: ConversationStore,
    private readonly log: Logger,
    /** True while a message commit runs or waits: the next one will carry what is noted. */
    private readonly committing: () => boolean = () => false,
  ) {}

  /** Records that the user's clients have everything up to `seq` in the conversation. */
  note(userId: number, convId: number, seq: number): void {
    if (this.keep(userId, convId, seq)) this.schedule();
  }

  /** Adds a cursor to what is noted; false when a higher one is noted already. */
  private keep(userId: number, convId: number, seq: number): boolean {
    const key = `${userId}:${convId}`;
    const known = this.pending.get(key);
    if (known && known.deliveredSeq >= seq) return false;
    this.pending.set(key, { userId, convId, deliveredSeq: seq });
    return true;
  }

  /** Writes what is noted at the end of the turn, unless a message commit will carry it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      if (this.committing()) this.scheduled = false;
      else void this.flush();
    });
  }

  /** The cursor noted but not yet written, if any. */
  peek(userId: number, convId: number): number | undefined {
    const key = `${userId}:${convId}`;
    const noted = this.pending.get(key)?.deliveredSeq;
    const writing = this.inFlight.get(key)?.deliveredSeq;
    if (noted === undefined) return writing;
    return writing === undefined ? noted : Math.max(noted, writing);
  }

  /**
   * Writes what is noted, after the write on its way if there is one; resolves once what
   * was noted before the call is written. A failed write is kept for the next.
   */
  async flush(): Promise<void> {
    this.scheduled = false;
    while (this.writing !== undefined) await this.writing;
    if (this.pending.size === 0) return;
    this.inFlight = this.pending;
    this.pending = new Map();
    this.writing = this.write([...this.inFlight.values()]).then((ok) => this.settle(ok));
    await this.writing;
  }

  /**
   * Runs `commit` with what is noted (after the write on its way) as this writer's write:
   * peek sees the cursors until it settles, and they are noted again if it throws.
   */
  async carry<T>(commit: (updates: readonly CursorUpdate[]) => Promise<T>): Promise<T> {
    this.scheduled = false;
    while (this.writing !== undefined) await this.writing;
    this.inFlight = this.pending;
    this.pending = new Map();
    const updates = [...this.inFlight.values()];
    const done = commit(updates);
    this.writing = done.then(
      () => this.settle(true),
      () => this.settle(true),
    );
    try {
      const result = await done;
      if (updates.length > 0) this.writes++;
      return result;
    } catch (err) {
      for (const u of updates) this.note(u.userId, u.convId, u.deliveredSeq);
      throw err;
    }
  }

  private settle(written: boolean): void {
    this.writing = undefined;
    this.inFlight = new Map();
    // Acks noted during the write: the next commit carries them, or they go alone.
    if (written && this.pending.size > 0) this.schedule();
  }

  /** Writes `updates` alone; false (and kept for a commit or a try a second later) if it failed. */
  private async write(updates: CursorUpdate[]): Promise<boolean> {
    try {
      await this.store.saveCursors(updates);
      this.writes++;
      return true;
    } catch (err) {
      this.log.error({ err }, 'writing delivery cursors failed; retrying in a second');
      for (const u of updates) this.keep(u.userId, u.convId, u.deliveredSeq);
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        this.schedule();
      }, RETRY_MS).unref();
      return false;
    }
  }
}
