// Time for the SDK, injected so heartbeat and timeout logic can be tested without waiting.

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Monotonic milliseconds and one-shot timers. */
export interface ClientClock {
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** A timer handle as Node (an object with unref) or a browser (a number) returns it. */
type AnyTimer = ReturnType<typeof setTimeout> | number;

/**
 * The real clock: performance.now() and timers that never keep a Node process alive
 * (unref'd). In a browser setTimeout returns a number, which has no unref: left as it is.
 */
export const systemClock: ClientClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t: AnyTimer = setTimeout(fn, ms);
    if (typeof t === 'object' && typeof t.unref === 'function') t.unref();
    return t;
  },
  clearTimer(handle) {
    clearTimeout(handle as AnyTimer);
  },
};

/** A clock a test moves by hand; timers fire in order as it advances. */
export class ManualClock implements ClientClock {
  private ms = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.ms;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    this.seq += 1;
    this.timers.set(this.seq, { at: this.ms + Math.max(0, ms), fn });
    return this.seq;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.ms = next[1].at;
      next[1].fn();
    }
    this.ms = end;
  }
}
