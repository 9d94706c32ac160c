// The one seam between metrics and HTTP: a function that renders the /metrics page.
// Whichever listener serves /metrics (the metrics listener, the HTTP listener) calls it.
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A rendered /metrics page in the Prometheus text format. */
export interface MetricsPage {
  contentType: string;
  body: string;
}

/** Renders the /metrics page of this server, a single process or the primary of several. */
export type RenderMetrics = () => Promise<MetricsPage>;

/** One registry's metrics as plain data, the form a worker sends its primary over IPC. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The page of one process's registry. */
export function renderRegistry(registry: Registry): RenderMetrics {
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() });
}

/**
 * The page of several processes' metrics merged by prom-client's AggregatorRegistry:
 * counters, histograms and most gauges summed, per their `aggregator`.
 */
export function renderMerged(collect: () => Promise<MetricsJson[]>): RenderMetrics {
  return async () => {
    const merged = AggregatorRegistry.aggregate(await collect());
    return { contentType: merged.contentType, body: await merged.metrics() };
  };
}
