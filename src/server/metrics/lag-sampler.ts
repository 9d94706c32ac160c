// Measures event-loop lag the way a user feels it: how late a 10 ms timer fires.
import { performance } from 'node:perf_hooks';
import { LAG_BUCKETS_S } from './metrics.ts';

const INTERVAL_MS = 10;

/** Samples event-loop lag into the LAG_BUCKETS_S histogram until stopped. */
export class LagSampler {
  /** Counts per bucket, the last slot for anything above the largest bound. */
  readonly counts: number[] = new Array(LAG_BUCKETS_S.length + 1).fill(0);
  sumS = 0;
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;

  /** Starts sampling; the timer does not keep the process alive. */
  start(): void {
    this.expected = performance.now() + INTERVAL_MS;
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Records one lag observation in seconds. */
  observe(lagS: number): void {
    let i = 0;
    while (i < LAG_BUCKETS_S.length && lagS > (LAG_BUCKETS_S[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sumS += lagS;
  }

  private tick(): void {
    const now = performance.now();
    this.observe(Math.max(0, now - this.expected) / 1000);
    this.expected = now + INTERVAL_MS;
    this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }
}
