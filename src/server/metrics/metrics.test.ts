import { describe, expect, it } from 'vitest';
import { LagSampler } from './lag-sampler.ts';
import { emptySnapshot, LAG_BUCKETS_S, mergeSnapshots, renderPrometheus } from './metrics.ts';

describe('LagSampler.observe', () => {
  it('puts a value in the first bucket whose bound is at or above it, else +Inf', () => {
    const s = new LagSampler();
    s.observe(0);
    s.observe(0.001);
    s.observe(0.0011);
    s.observe(99);
    expect(s.counts[0]).toBe(1);
    expect(s.counts[LAG_BUCKETS_S.indexOf(0.001)]).toBe(1);
    expect(s.counts[LAG_BUCKETS_S.indexOf(0.002)]).toBe(1);
    expect(s.counts[LAG_BUCKETS_S.length]).toBe(1);
    expect(s.sumS).toBeCloseTo(99.0021, 6);
  });
});

describe('snapshots', () => {
  it('add up field by field across processes', () => {
    const a = { ...emptySnapshot(), sessions: 2, messagesDelivered: 5, processes: 1 };
    const b = { ...emptySnapshot(), sessions: 3, messagesDelivered: 1, processes: 1 };
    a.lagCounts[0] = 4;
    b.lagCounts[0] = 1;
    b.lagCounts[3] = 2;
    const total = mergeSnapshots([a, b]);
    expect(total.sessions).toBe(5);
    expect(total.messagesDelivered).toBe(6);
    expect(total.processes).toBe(2);
    expect(total.lagCounts.slice(0, 4)).toEqual([5, 0, 0, 2]);
  });

  it('render cumulative histogram buckets ending in +Inf and the count', () => {
    const s = emptySnapshot();
    s.lagCounts[0] = 3;
    s.lagCounts[2] = 1;
    s.lagCounts[LAG_BUCKETS_S.length] = 1;
    const text = renderPrometheus(s);
    expect(text).toContain('super_server_eventloop_lag_seconds_bucket{le="0.0005"} 3\n');
    expect(text).toContain('super_server_eventloop_lag_seconds_bucket{le="0.001"} 3\n');
    expect(text).toContain('super_server_eventloop_lag_seconds_bucket{le="0.002"} 4\n');
    expect(text).toContain('super_server_eventloop_lag_seconds_bucket{le="+Inf"} 5\n');
    expect(text).toContain('super_server_eventloop_lag_seconds_count 5\n');
    expect(text).toContain('# TYPE super_server_messages_delivered_total counter\n');
  });
});
