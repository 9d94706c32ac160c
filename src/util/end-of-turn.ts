// Batching by event-loop turn: output gathered while a turn runs leaves once,
// at its end (setImmediate), after every request that arrived in it was handled.
// The socket transport, the broker's IPC outbox and the workers' direct links use it.

/** Calls `flush(item)` once for each item marked during a turn, when that turn ends. */
export class EndOfTurn<T> {
  private due = new Set<T>();
  private scheduled = false;

  constructor(private readonly flush: (item: T) => void) {}

  /** Marks `item` to be flushed at the end of the current turn (once, however often marked). */
  mark(item: T): void {
    this.due.add(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  /** Forgets a mark, e.g. when the item was flushed early because it closed. */
  unmark(item: T): void {
    this.due.delete(item);
  }

  private run(): void {
    this.scheduled = false;
    const items = this.due;
    this.due = new Set();
    for (const item of items) this.flush(item);
  }
}
