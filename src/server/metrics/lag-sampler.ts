// Measures event-loop lag the way a user feels it: how late a 10 ms timer fires.
import { performance } from 'node:perf_hooks';

const INTERVAL_MS = 10;

/** Upper bounds (seconds) of the event-loop lag histogram buckets; +Inf is implied. */
export const LAG_BUCKETS_S = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5,
  1, 2.5,
];

/** Hands each lag observation (seconds) to `observe` until stopped. */
export class LagSampler {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;

  constructor(private readonly observe: (lagS: number) => void) {}

  /** Starts sampling; the timer does not keep the process alive. */
  start(): void {
    this.expected = performance.now() + INTERVAL_MS;
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    this.observe(Math.max(0, now - this.expected) / 1000);
    this.expected = now + INTERVAL_MS;
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }
}
