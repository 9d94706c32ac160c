// What the SDK remembers about conversation positions: the highest seq handed to the
// application per conversation (to drop duplicates) and the acks waiting to be sent.

/** Per-conversation high-water marks for one store epoch, and the pending ack batch. */
export class Positions {
  private epoch: string | undefined;
  /** conv → highest seq handed over; oldest-touched first, so eviction drops the stalest */
  private readonly high = new Map<string, number>();
  /** conv → highest seq to ack in the next batch */
  private readonly acks = new Map<string, number>();

  constructor(private readonly maxConversations = 10_000) {}

  /** A hello's epoch: positions kept for another store are dropped. */
  setEpoch(epoch: string | undefined): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.high.clear();
    this.acks.clear();
  }

  /** True when (conv, seq) is new and so handed over; false for a duplicate. */
  accept(conv: string, seq: number): boolean {
    const high = this.high.get(conv);
    if (high !== undefined && seq <= high) return false;
    this.high.delete(conv);
    this.high.set(conv, seq);
    if (this.high.size > this.maxConversations) {
      const stalest = this.high.keys().next().value as string;
      this.high.delete(stalest); // a message of it may then come twice: at least once
    }
    return true;
  }

  /** The highest seq handed over in `conv`, if any. */
  highest(conv: string): number | undefined {
    return this.high.get(conv);
  }

  /** Forgets everything about `conv` (a deleted group: a new one may take its name). */
  forget(conv: string): void {
    this.high.delete(conv);
    this.acks.delete(conv);
  }

  /** Notes that `conv` is to be acked up to `seq` in the next batch. */
  noteAck(conv: string, seq: number): void {
    if ((this.acks.get(conv) ?? 0) < seq) this.acks.set(conv, seq);
  }

  /** The pending acks, one per conversation, and empties the batch. */
  takeAcks(): Array<[string, number]> {
    const batch = [...this.acks];
    this.acks.clear();
    return batch;
  }

  /** Forgets the pending acks (the connection they were for is gone). */
  dropAcks(): void {
    this.acks.clear();
  }
}
