// Keeps a session alive and notices a dead one: pings when idle, gives up when the server is silent.
import type { ClientClock, TimerHandle } from './clock.ts';

/** What the heartbeat needs: its intervals, a clock, and what to do. */
export interface HeartbeatOptions {
  /** Send a ping when nothing was sent for this long. */
  intervalMs: number;
  /** Declare the connection dead when nothing arrived for this long. */
  timeoutMs: number;
  clock: ClientClock;
  sendPing(): void;
  onDead(): void;
  /**
   * True while the server is expected to be silent: a request it answers only when something
   * outside happens (oidc_wait) holds back the replies after it. Pings still go out (the
   * server counts what it receives), but silence does not count as a dead connection.
   */
  expectSilence?: () => boolean;
}

/**
 * One timer per connection, re-armed lazily: sends and receives only record a time, and the
 * timer, when it fires, works out what is due (so a busy client pays no timer churn).
 */
export class Heartbeat {
  private lastSent: number;
  private lastReceived: number;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: HeartbeatOptions) {
    const now = opts.clock.now();
    this.lastSent = now;
    this.lastReceived = now;
    this.schedule(now);
  }

  /** Records that a frame was sent. */
  sent(): void {
    this.lastSent = this.opts.clock.now();
  }

  /** Records that a frame arrived. */
  received(): void {
    this.lastReceived = this.opts.clock.now();
  }

  /** Cancels the timer for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(now: number): void {
    const { intervalMs, timeoutMs, clock } = this.opts;
    const due = Math.min(this.lastSent + intervalMs, this.lastReceived + timeoutMs);
    this.timer = clock.setTimer(() => this.tick(), Math.max(1, due - now));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.opts.clock.now();
    if (this.opts.expectSilence?.()) this.lastReceived = now;
    if (now - this.lastReceived >= this.opts.timeoutMs) {
      this.stop();
      this.opts.onDead();
      return;
    }
    if (now - this.lastSent >= this.opts.intervalMs) {
      this.lastSent = now;
      this.opts.sendPing();
      if (this.stopped) return;
    }
    this.schedule(now);
  }
}
