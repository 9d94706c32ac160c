import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseHistogram } from '../../../bench/lib/metrics.ts';
import { ACTIONS } from '../actions/index.ts';
import { FastHistogram } from './fast-histogram.ts';
import { LAG_BUCKETS_S } from './lag-sampler.ts';
import { renderMerged, renderRegistry } from './render.ts';
import { RequestMetrics, UNKNOWN_ACTION } from './request-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1];

function fast(registry: Registry) {
  return new FastHistogram({
    name: 'test_seconds',
    help: 'A test histogram.',
    labelNames: ['action', 'outcome'],
    buckets: BUCKETS,
    registers: [registry],
  });
}

describe('FastHistogram', () => {
  it('renders what prom-client renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const child = fast(ours).child({ action: 'ping', outcome: 'ok' });
    const reference = new Histogram({
      name: 'test_seconds',
      help: 'A test histogram.',
      labelNames: ['action', 'outcome'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    // On a bound (counted in it), between bounds, above every bound.
    for (const v of [0, 0.001, 0.0011, 0.05, 0.1, 7]) {
      child.observe(v);
      reference.labels('ping', 'ok').observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    const text = await ours.metrics();
    expect(text).toContain('test_seconds_bucket{le="0.001",action="ping",outcome="ok"} 2\n');
    expect(text).toContain('test_seconds_bucket{le="0.01",action="ping",outcome="ok"} 3\n');
    expect(text).toContain('test_seconds_bucket{le="+Inf",action="ping",outcome="ok"} 6\n');
    expect(text).toContain('test_seconds_count{action="ping",outcome="ok"} 6\n');
  });

  it('hands out one child per label set, still bound after a reset', async () => {
    const registry = new Registry();
    const h = fast(registry);
    const a = h.child({ action: 'ping', outcome: 'ok' });
    expect(h.child({ action: 'ping', outcome: 'ok' })).toBe(a);
    expect(h.child({ action: 'ping', outcome: 'internal' })).not.toBe(a);
    a.observe(0.5);
    registry.resetMetrics();
    a.observe(0.5);
    expect(await registry.metrics()).toContain(
      'test_seconds_count{action="ping",outcome="ok"} 1\n',
    );
  });

  it('refuses buckets that do not ascend', () => {
    expect(
      () =>
        new FastHistogram({
          name: 'bad',
          help: 'x',
          labelNames: [],
          buckets: [0.1, 0.01],
          registers: [],
        }),
    ).toThrow(/ascend/);
  });
});

describe('RequestMetrics', () => {
  it('labels by the action name (an alias counts as its action) and unknown otherwise', async () => {
    const registry = new Registry();
    const requests = new RequestMetrics(fast(registry), ACTIONS);
    const msg = ACTIONS.find((a) => a.aliases.includes('msg'));
    if (!msg) throw new Error('no action with alias msg');
    const t = performance.now();
    requests.observe(msg, 'ok', t);
    requests.observe(msg, 'ok', t);
    requests.observe(msg, 'not_found', t);
    requests.observe(undefined, 'unknown_action', t);
    const text = await registry.metrics();
    expect(text).toContain(`test_seconds_count{action="${msg.name}",outcome="ok"} 2\n`);
    expect(text).toContain(`test_seconds_count{action="${msg.name}",outcome="not_found"} 1\n`);
    expect(text).toContain(
      `test_seconds_count{action="${UNKNOWN_ACTION}",outcome="unknown_action"} 1\n`,
    );
    expect(text).not.toContain('action="msg"');
  });
});

describe('merged pages (--workers)', () => {
  it('sum histograms bucket by bucket, and the bench reads the sum', async () => {
    const parts = [new Registry(), new Registry()];
    const lags = parts.map(
      (r) =>
        new Histogram({ name: 'lag_seconds', help: 'x', buckets: LAG_BUCKETS_S, registers: [r] }),
    );
    lags[0]?.observe(0.0001);
    lags[0]?.observe(0.004);
    lags[1]?.observe(0.004);
    lags[1]?.observe(9);
    const page = await renderMerged(async () =>
      Promise.all(parts.map((r) => r.getMetricsAsJSON())),
    )();
    expect(page.contentType).toContain('text/plain');
    const h = parseHistogram(page.body, 'lag_seconds');
    expect(h?.count).toBe(4);
    expect(h?.buckets.find((b) => b.le === 0.0005)?.count).toBe(1);
    expect(h?.buckets.find((b) => b.le === 0.005)?.count).toBe(3);
    expect(h?.buckets.find((b) => b.le === 2.5)?.count).toBe(3);
    expect(h?.buckets.at(-1)).toEqual({ le: Infinity, count: 4 });
    const single = await renderRegistry(parts[0] as Registry)();
    expect(parseHistogram(single.body, 'lag_seconds')?.count).toBe(2);
  });
});
