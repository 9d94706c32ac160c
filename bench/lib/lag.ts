// The server's event-loop lag over a window: the /metrics lag histogram scraped
// at the start and at the end, and the quantiles of what happened in between.
import { sleep } from './bench-client.ts';
import {
  histogramMax,
  histogramQuantile,
  LAG_METRIC,
  type PromHistogram,
  parseHistogram,
  scrapeMetrics,
  subtractHistograms,
} from './metrics.ts';

/** Pause before the closing scrape, so the last lag samples are recorded. */
const SCRAPE_DELAY_MS = 50;

/** Lag figures of a window (ms; NaN when not measured) and a note when they could not be. */
export interface LagFigures {
  lag_p99_ms: number;
  lag_max_ms: number;
  note: string | undefined;
}

async function lagHistogram(port: number | undefined): Promise<PromHistogram | undefined> {
  if (port === undefined) return undefined;
  return parseHistogram(await scrapeMetrics(port), LAG_METRIC);
}

/**
 * Scrapes the lag histogram now; stop() scrapes it again and returns the p99 and
 * the max (the upper bound of the highest bucket that gained samples) in between.
 */
export async function startLagWindow(
  metricsPort: number | undefined,
): Promise<{ stop(): Promise<LagFigures> }> {
  const before = await lagHistogram(metricsPort);
  return {
    async stop() {
      await sleep(SCRAPE_DELAY_MS);
      const after = await lagHistogram(metricsPort);
      if (before && after) {
        const lag = subtractHistograms(after, before);
        return {
          lag_p99_ms: histogramQuantile(lag, 0.99) * 1000,
          lag_max_ms: histogramMax(lag) * 1000,
          note: undefined,
        };
      }
      const note =
        metricsPort === undefined
          ? 'the server reported no metrics_port: event-loop lag not measured'
          : `no ${LAG_METRIC} histogram at /metrics: event-loop lag not measured`;
      return { lag_p99_ms: Number.NaN, lag_max_ms: Number.NaN, note };
    },
  };
}

/**
 * The lag window of several nodes: each node's histogram measured alone, then the largest
 * p99 and the largest max of them (one node's stall is the run's stall).
 */
export async function startNodesLagWindow(env: {
  nodes: Array<{ metricsPort: number | undefined }>;
}): Promise<{ stop(): Promise<LagFigures> }> {
  const windows = await Promise.all(env.nodes.map((node) => startLagWindow(node.metricsPort)));
  return {
    async stop() {
      const all = await Promise.all(windows.map((w) => w.stop()));
      const worst = (key: 'lag_p99_ms' | 'lag_max_ms') => Math.max(...all.map((f) => f[key]));
      return {
        lag_p99_ms: worst('lag_p99_ms'),
        lag_max_ms: worst('lag_max_ms'),
        note: all.find((f) => f.note !== undefined)?.note,
      };
    },
  };
}
