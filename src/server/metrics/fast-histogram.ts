// A Prometheus histogram for hot paths (requests, group commits). prom-client's own
// labelled child builds a label object and a hash string on every observe (1.5-2.7 µs
// measured here under load); a child of this one is bound once and observes into a
// typed array (0.07-0.2 µs). It registers in a prom-client Registry like any metric,
// so /metrics and the cluster aggregation (sum) treat it as the library's histograms.
import type { Metric, Registry } from 'prom-client';

/** One label set's buckets: bind it once (FastHistogram.child), then observe freely. */
export class HistogramChild {
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value (seconds, bytes, …): no allocation. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/** What FastHistogram needs: as for prom-client's Histogram. */
export interface FastHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending; +Inf is implied. */
  buckets: readonly number[];
  registers: Registry[];
}

/** A labelled histogram whose children observe without allocating. */
export class FastHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];
  private readonly labelNames: readonly L[];
  private readonly children = new Map<string, HistogramChild>();

  constructor(options: FastHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = [...options.buckets];
    for (let i = 1; i < this.bounds.length; i++) {
      if ((this.bounds[i] as number) <= (this.bounds[i - 1] as number)) {
        throw new Error(`${this.name}: buckets must ascend`);
      }
    }
    for (const registry of options.registers) {
      registry.registerMetric(this as unknown as Metric);
    }
  }

  /** The child for these label values, created on first use; keep it and call observe on it. */
  child(values: Readonly<Record<L, string>>): HistogramChild {
    const key = this.labelNames.map((name) => values[name]).join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Record<string, string> = {};
      for (const name of this.labelNames) labels[name] = values[name];
      child = new HistogramChild(this.bounds, labels);
      this.children.set(key, child);
    }
    return child;
  }

  /** The values in prom-client's format (what Registry.metrics and getMetricsAsJSON read). */
  async get() {
    const values: Array<{
      value: number;
      labels: Record<string, string | number>;
      metricName: string;
    }> = [];
    for (const child of this.children.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += child.counts[i] as number;
        values.push({
          value: cumulative,
          labels: { le, ...child.labels },
          metricName: `${this.name}_bucket`,
        });
      });
      const inf = { le: '+Inf', ...child.labels };
      values.push({ value: child.count, labels: inf, metricName: `${this.name}_bucket` });
      values.push({
        value: child.sum,
        labels: { ...child.labels },
        metricName: `${this.name}_sum`,
      });
      values.push({
        value: child.count,
        labels: { ...child.labels },
        metricName: `${this.name}_count`,
      });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  /** Zeroes every child, which stays bound (Registry.resetMetrics). */
  reset(): void {
    for (const child of this.children.values()) {
      child.counts.fill(0);
      child.sum = 0;
      child.count = 0;
    }
  }
}
