// Figures of the adversarial suite: the server's memory (RSS from /proc) with its
// bounds, ping round trips under attack, and how both are reported.
import fs from 'node:fs';
import { expect } from 'vitest';
import type { TestClient } from '../protocol/client.ts';
import { sleep } from '../protocol/util.ts';

/** Growth of the server's RSS every test must stay under (generous on purpose). */
export const MEMORY_LIMIT_KIB = 100 * 1024;

/**
 * The limit for attacks that make the server hash passwords: argon2id takes
 * 19 MiB per running hash by design, and up to limits.hash_concurrency (at most 4) run at
 * once, so up to ~76 MiB of working memory comes on top of whatever the attack costs.
 */
export const HASHING_MEMORY_LIMIT_KIB = 150 * 1024;

/** The resident set size of process `pid` in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** RSS before, at its sampled peak, and after an attack, in KiB. */
export interface MemoryFigures {
  beforeKiB: number;
  peakKiB: number;
  afterKiB: number;
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
export class MemoryWatch {
  private readonly beforeKiB: number;
  private peakKiB: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.beforeKiB = rssKiB(pid);
    this.peakKiB = this.beforeKiB;
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  /** Takes one reading now (also called by the timer); returns it. */
  sample(): number {
    try {
      const now = rssKiB(this.pid);
      this.peakKiB = Math.max(this.peakKiB, now);
      return now;
    } catch {
      return 0;
    }
  }

  /** Stops sampling and returns the figures. */
  stop(): MemoryFigures {
    clearInterval(this.timer);
    const afterKiB = this.sample();
    return { beforeKiB: this.beforeKiB, peakKiB: this.peakKiB, afterKiB };
  }
}

/** Stops `watch`, records its figures under `label` and asserts growth below `limitKiB`. */
export function expectBoundedMemory(
  watch: MemoryWatch,
  label: string,
  limitKiB = MEMORY_LIMIT_KIB,
): MemoryFigures {
  const m = watch.stop();
  record(label, {
    rss_before_MiB: mib(m.beforeKiB),
    rss_peak_MiB: mib(m.peakKiB),
    rss_after_MiB: mib(m.afterKiB),
  });
  expect(m.peakKiB - m.beforeKiB, `${label}: RSS growth in KiB`).toBeLessThan(limitKiB);
  return m;
}

/** KiB as MiB with one decimal. */
export function mib(kib: number): number {
  return Math.round((kib / 1024) * 10) / 10;
}

/** Prints one short line of measured figures. */
export function record(label: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  console.log(`[adversarial] ${label}: ${parts.join(' ')}`);
}

/** Measures ping round trips on a session client until stopped. */
export class Pinger {
  private running = true;
  private readonly rtts: number[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly client: TestClient,
    everyMs = 25,
    maxMs = 60_000,
  ) {
    this.done = this.loop(everyMs, Date.now() + maxMs);
  }

  private async loop(everyMs: number, deadline: number): Promise<void> {
    while (this.running && Date.now() < deadline && this.rtts.length < 100_000) {
      const t0 = performance.now();
      const r = await this.client.call('ping', [], 10_000);
      if (r.ok !== true) throw new Error(`control ping failed: ${JSON.stringify(r)}`);
      this.rtts.push(performance.now() - t0);
      await sleep(everyMs);
    }
  }

  /** Stops and returns the count and the maximum and median round trips in ms. */
  async stop(): Promise<{ count: number; maxMs: number; medianMs: number }> {
    this.running = false;
    await this.done;
    const sorted = [...this.rtts].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      count: sorted.length,
      maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
      medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN),
    };
  }
}
