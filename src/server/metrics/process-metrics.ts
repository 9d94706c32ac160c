// Figures of one server process, whatever its role (single server, worker, primary):
// prom-client's default process and GC metrics, the event-loop lag histogram the
// bench reads, and `super_server_processes` (1), which adds up to the process count.
import { collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { LAG_BUCKETS_S, LagSampler } from './lag-sampler.ts';

/** The event-loop lag histogram's name (bench/lib/metrics.ts reads it). */
export const LAG_METRIC = 'super_server_eventloop_lag_seconds';

/** Registers this process's metrics in `registry` and starts the lag sampler; stop() ends it. */
export function startProcessMetrics(registry: Registry): { stop(): void } {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'super_server_processes',
    help: 'Server processes these figures add up (1, or the workers and the primary).',
    registers,
  }).set(1);
  const lag = new Histogram({
    name: LAG_METRIC,
    help: 'How late the event loop ran a 10 ms timer (sampled continuously).',
    buckets: LAG_BUCKETS_S,
    registers,
  });
  const sampler = new LagSampler((s) => lag.observe(s));
  sampler.start();
  return { stop: () => sampler.stop() };
}
