// Pipelined sends of one session reach the group commit in the order they were sent,
// even when the lookups before them finish out of order.
import type { Session } from './sessions.ts';

/** Per session, the point the last send has reached: queued for its commit or not yet. */
export class SendOrder {
  private readonly tail = new WeakMap<Session, Promise<void>>();

  /**
   * Runs `prepare` at once, then `enqueue` (which must queue the message synchronously,
   * as CommitBatcher.add does) once the session's earlier sends have queued theirs.
   */
  async run<T, R>(
    session: Session,
    prepare: () => Promise<T>,
    enqueue: (prepared: T) => Promise<R>,
  ): Promise<R> {
    const before = this.tail.get(session);
    let queued: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      queued = resolve;
    });
    this.tail.set(session, gate);
    let committing: Promise<R>;
    try {
      const prepared = await prepare();
      if (before) await before;
      committing = enqueue(prepared);
    } finally {
      queued();
      if (this.tail.get(session) === gate) this.tail.delete(session);
    }
    return committing;
  }
}
