// What one request's metrics cost: RequestMetrics.observe (the server's path, with its
// two performance.now() calls) against prom-client's own labelled child, and the two
// clock reads alone; interleaved rounds, ns per request. `npx tsx bench/metrics-cost.ts`
import { loadavg } from 'node:os';
import { Histogram, Registry } from 'prom-client';
import { ACTIONS } from '../src/server/actions/index.ts';
import { FastHistogram } from '../src/server/metrics/fast-histogram.ts';
import { RequestMetrics } from '../src/server/metrics/request-metrics.ts';
import { REQUEST_BUCKETS_S } from '../src/server/metrics/server-metrics.ts';

const N = 1_000_000;
const ROUNDS = 5;
const registry = new Registry();
const labelNames = ['action', 'outcome'] as const;
const ours = new RequestMetrics(
  new FastHistogram({
    name: 'a',
    help: 'a',
    labelNames,
    buckets: REQUEST_BUCKETS_S,
    registers: [registry],
  }),
  ACTIONS,
);
const theirs = new Histogram({
  name: 'b',
  help: 'b',
  labelNames,
  buckets: REQUEST_BUCKETS_S,
  registers: [registry],
});
const child = theirs.labels('message_user', 'ok');
const action = ACTIONS.find((a) => a.name === 'message_user');

const cases: Record<string, () => void> = {
  'RequestMetrics.observe': () => ours.observe(action, 'ok', performance.now()),
  'prom-client child': () => {
    const started = performance.now();
    child.observe((performance.now() - started) / 1000);
  },
  'clock reads only': () => {
    const started = performance.now();
    if (performance.now() < started) throw new Error('clock went back');
  },
};
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const t = performance.now();
    for (let i = 0; i < N; i++) run();
    results.set(name, [...(results.get(name) ?? []), ((performance.now() - t) * 1e6) / N]);
  }
}
for (const [name, ns] of results) {
  const median = [...ns].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN;
  console.log(
    `${name.padEnd(24)} ${median.toFixed(0).padStart(6)} ns/request (${ns.map((n) => n.toFixed(0)).join(' ')})`,
  );
}
console.log(
  `load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
