// The login storm's event-loop lag figures: parsing Prometheus text, the delta
// between two scrapes, and histogram_quantile-style interpolation.
import { describe, expect, it } from 'vitest';
import {
  histogramMax,
  histogramQuantile,
  LAG_METRIC,
  parseHistogram,
  subtractHistograms,
} from '../../bench/lib/metrics.ts';

/** A scrape in the server's format, with the cumulative bucket counts given. */
function scrape(counts: [string, number][], sum: number): string {
  const lines = [
    `# HELP ${LAG_METRIC} How late a 10 ms timer fires.`,
    `# TYPE ${LAG_METRIC} histogram`,
    ...counts.map(([le, n]) => `${LAG_METRIC}_bucket{le="${le}"} ${n}`),
    `${LAG_METRIC}_sum ${sum}`,
    `${LAG_METRIC}_count ${counts.at(-1)?.[1] ?? 0}`,
    '# TYPE super_server_sessions gauge',
    'super_server_sessions 3',
  ];
  return `${lines.join('\n')}\n`;
}

const BEFORE = scrape(
  [
    ['0.001', 100],
    ['0.005', 100],
    ['0.01', 100],
    ['0.1', 100],
    ['+Inf', 100],
  ],
  0.05,
);
const AFTER = scrape(
  [
    ['0.001', 150],
    ['0.005', 170],
    ['0.01', 190],
    ['0.1', 200],
    ['+Inf', 200],
  ],
  1.5,
);

describe('Prometheus histogram parsing', () => {
  it('reads the buckets in order, with sum and count', () => {
    const h = parseHistogram(AFTER, LAG_METRIC);
    expect(h?.buckets.map((b) => b.le)).toEqual([0.001, 0.005, 0.01, 0.1, Infinity]);
    expect(h?.buckets.map((b) => b.count)).toEqual([150, 170, 190, 200, 200]);
    expect(h?.sum).toBe(1.5);
    expect(h?.count).toBe(200);
  });

  it('is undefined when the metric is absent', () => {
    expect(parseHistogram('super_server_sessions 3\n', LAG_METRIC)).toBeUndefined();
  });

  it('adds series that differ in other labels (one per worker process)', () => {
    const text = [
      `${LAG_METRIC}_bucket{worker="1",le="0.01"} 3`,
      `${LAG_METRIC}_bucket{worker="2",le="0.01"} 4`,
      `${LAG_METRIC}_bucket{le="+Inf",worker="1"} 5`,
      `${LAG_METRIC}_bucket{le="+Inf",worker="2"} 6`,
    ].join('\n');
    expect(parseHistogram(text, LAG_METRIC)?.buckets).toEqual([
      { le: 0.01, count: 7 },
      { le: Infinity, count: 11 },
    ]);
  });
});

describe('quantiles of the delta between two scrapes', () => {
  const before = parseHistogram(BEFORE, LAG_METRIC);
  const after = parseHistogram(AFTER, LAG_METRIC);
  if (!before || !after) throw new Error('sample did not parse');
  const delta = subtractHistograms(after, before);

  it('subtracts bucket by bucket', () => {
    expect(delta.buckets.map((b) => b.count)).toEqual([50, 70, 90, 100, 100]);
    expect(delta.count).toBe(100);
    expect(delta.sum).toBeCloseTo(1.45);
  });

  it('interpolates linearly inside the bucket holding the rank', () => {
    // rank 50 is the last of the first bucket [0, 0.001].
    expect(histogramQuantile(delta, 0.5)).toBeCloseTo(0.001);
    // rank 25: halfway through [0, 0.001].
    expect(histogramQuantile(delta, 0.25)).toBeCloseTo(0.0005);
    // rank 60: half of the 20 in (0.001, 0.005].
    expect(histogramQuantile(delta, 0.6)).toBeCloseTo(0.003);
    // rank 99: 9 of the 10 in (0.01, 0.1].
    expect(histogramQuantile(delta, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.9);
  });

  it('gives the highest bound that gained observations as the max', () => {
    expect(histogramMax(delta)).toBe(0.1);
  });

  it('answers the highest finite bound for ranks in +Inf', () => {
    const h = parseHistogram(
      scrape(
        [
          ['0.01', 1],
          ['0.1', 1],
          ['+Inf', 10],
        ],
        30,
      ),
      LAG_METRIC,
    );
    if (!h) throw new Error('sample did not parse');
    expect(histogramQuantile(h, 0.99)).toBe(0.1);
    expect(histogramMax(h)).toBe(0.1);
  });

  it('is NaN with no observations in between', () => {
    const none = subtractHistograms(after, after);
    expect(histogramQuantile(none, 0.99)).toBeNaN();
    expect(histogramMax(none)).toBeNaN();
  });
});
