// The benchmark's latency histogram: exact small values, ≤ 1% relative error,
// quantiles, and merging counts from several threads.
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../bench/lib/histogram.ts';

describe('LatencyHistogram', () => {
  it('is empty at first: NaN quantiles, no max', () => {
    const h = new LatencyHistogram();
    expect(h.total).toBe(0);
    expect(h.quantile(0.5)).toBeNaN();
  });

  it('counts values below 128 µs exactly', () => {
    const h = new LatencyHistogram();
    for (const v of [0, 1, 2, 3, 127]) h.record(v);
    expect(h.quantile(0)).toBe(0);
    expect(h.quantile(0.4)).toBe(1);
    expect(h.quantile(0.6)).toBe(2);
    expect(h.quantile(1)).toBe(127);
    expect(h.max).toBe(127);
  });

  it('keeps every value within 1% across the whole range', () => {
    for (let v = 1; v < 4e9; v = Math.ceil(v * 1.37) + 3) {
      const h = new LatencyHistogram();
      h.record(v);
      const estimate = h.quantile(0.5);
      expect(Math.abs(estimate - v) / v, `value ${v} read as ${estimate}`).toBeLessThanOrEqual(
        0.01,
      );
    }
  });

  it('answers percentiles of a uniform spread within 1%', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v);
    for (const [q, want] of [
      [0.5, 50_000],
      [0.9, 90_000],
      [0.99, 99_000],
    ] as const) {
      expect(Math.abs(h.quantile(q) - want) / want).toBeLessThanOrEqual(0.01);
    }
    expect(h.max).toBe(100_000);
    expect(h.quantile(1)).toBeLessThanOrEqual(100_000);
  });

  it('clamps negatives to 0 and huge values to the top bucket', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(1e12);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.max).toBe(2 ** 32 - 1);
    expect(Number.isFinite(h.quantile(1))).toBe(true);
  });

  it('merges by adding counts, as threads post them', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let v = 1; v <= 1000; v++) (v % 2 === 0 ? a : b).record(v * 100);
    const merged = new LatencyHistogram(structuredClone(a.toData()));
    merged.add(structuredClone(b.toData()));
    expect(merged.total).toBe(1000);
    expect(merged.max).toBe(100_000);
    expect(Math.abs(merged.quantile(0.5) - 50_000) / 50_000).toBeLessThanOrEqual(0.01);
    merged.reset();
    expect(merged.total).toBe(0);
  });
});
