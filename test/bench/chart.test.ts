// The sweep chart: medians per client count and a well-formed two-axis SVG.
import { describe, expect, it } from 'vitest';
import { sweepPoints } from '../../bench/chart.ts';
import type { RunRecord } from '../../bench/lib/report.ts';
import { niceStep, renderChart } from '../../bench/lib/svg-chart.ts';

function record(clients: number, delivered: number, p99: number): RunRecord {
  return {
    scenario: 'dm-throughput',
    options: { clients },
    run: 1,
    runs: 3,
    at: '2026-01-01T00:00:00.000Z',
    machine: { nproc: 2, cpuModel: 'x', totalMemoryBytes: 2 ** 30, node: 'v20', kernel: 'Linux' },
    ok: true,
    figures: { clients, delivered_per_s: delivered, latency_p99_ms: p99 },
    errors: {},
    samples: [],
    notes: [],
  };
}

describe('sweep chart', () => {
  it('takes the median of the runs at each client count, in order', () => {
    const points = sweepPoints([
      record(100, 30, 9),
      record(50, 10, 1),
      record(50, 20, 3),
      record(50, 90, 2),
    ]);
    expect(points).toEqual([
      { x: 50, left: 20, right: 2 },
      { x: 100, left: 30, right: 9 },
    ]);
  });

  it('picks round tick steps', () => {
    expect(niceStep(10_000)).toBe(2_000);
    expect(niceStep(7)).toBe(2);
    expect(niceStep(0)).toBe(1);
  });

  it('draws both series, both axes and the legend', () => {
    const svg = renderChart({
      title: 't',
      subtitle: 's & more',
      xLabel: 'clients',
      leftLabel: 'delivered messages/s',
      rightLabel: 'p99 latency (ms)',
      points: [
        { x: 50, left: 1000, right: 5 },
        { x: 1000, left: 9000, right: 80 },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('delivered messages/s (left axis)');
    expect(svg).toContain('p99 latency (ms) (right axis)');
    expect(svg).toContain('s &amp; more');
    expect(svg).toContain('(log scale)');
    expect(svg).not.toContain('NaN');
  });
});
