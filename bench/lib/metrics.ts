// Scrapes the server's Prometheus endpoint and computes quantiles of a
// histogram between two scrapes (the delta of the cumulative bucket counts).

/** The event-loop lag histogram the server exports, in seconds. */
export const LAG_METRIC = 'super_server_eventloop_lag_seconds';

/** One cumulative bucket: how many observations were at most `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/** A Prometheus histogram: cumulative buckets sorted by `le` (the last is +Inf), sum and count. */
export interface PromHistogram {
  buckets: Bucket[];
  sum: number;
  count: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/;

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * Reads histogram `name` from Prometheus text. Series that differ only in
 * labels other than `le` (e.g. one per worker process) are added together.
 * Undefined when the text has no such histogram.
 */
export function parseHistogram(text: string, name: string): PromHistogram | undefined {
  const byLe = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let found = false;
  for (const raw of text.split('\n')) {
    const m = SAMPLE.exec(raw.trim());
    if (!m) continue;
    const [, metric, , labels = '', valueText = ''] = m;
    const value = parseValue(valueText);
    if (metric === `${name}_bucket`) {
      const le = /(?:^|,)\s*le="([^"]+)"/.exec(labels)?.[1];
      if (le === undefined) continue;
      const bound = parseValue(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
      found = true;
    } else if (metric === `${name}_sum`) {
      sum += value;
    } else if (metric === `${name}_count`) {
      count += value;
    }
  }
  if (!found) return undefined;
  const buckets = [...byLe.entries()]
    .map(([le, n]) => ({ le, count: n }))
    .sort((a, b) => a.le - b.le);
  return { buckets, sum, count };
}

/** What happened between two scrapes: `after` minus `before`, bucket by bucket. */
export function subtractHistograms(after: PromHistogram, before: PromHistogram): PromHistogram {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile (0..1) as Prometheus' histogram_quantile computes it: find
 * the bucket holding rank q*total and interpolate linearly inside it (the
 * first bucket starts at 0). A rank in the +Inf bucket answers the highest
 * finite bound. NaN when there are no observations.
 */
export function histogramQuantile(h: PromHistogram, q: number): number {
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = b.count - lowerCount;
      if (inBucket <= 0) return b.le;
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

/**
 * An upper bound of the largest observation: the bound of the highest bucket
 * that gained observations (the highest finite bound if only +Inf did).
 * NaN when there are none.
 */
export function histogramMax(h: PromHistogram): number {
  let previousCount = 0;
  let previousBound = 0;
  let max = Number.NaN;
  for (const b of h.buckets) {
    if (b.count > previousCount) max = Number.isFinite(b.le) ? b.le : previousBound;
    previousCount = b.count;
    if (Number.isFinite(b.le)) previousBound = b.le;
  }
  return max;
}

/** Fetches the metrics text from 127.0.0.1:`port`/metrics within `timeoutMs`. */
export async function scrapeMetrics(port: number, timeoutMs = 5_000): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/**
 * The sum of every series of `name` whose labels include each of `labels` (e.g.
 * `transport="ws"`), over all worker processes; NaN when there is none.
 */
export function sumSeries(text: string, name: string, labels: string[]): number {
  let total = Number.NaN;
  for (const raw of text.split('\n')) {
    const m = SAMPLE.exec(raw.trim());
    if (!m || m[1] !== name) continue;
    const own = (m[3] ?? '').split(',');
    if (!labels.every((label) => own.includes(label))) continue;
    total = (Number.isNaN(total) ? 0 : total) + parseValue(m[4] ?? '');
  }
  return total;
}
