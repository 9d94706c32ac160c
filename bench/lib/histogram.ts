// A fixed-bucket log-linear histogram of microsecond latencies. Worker threads
// post their counts to the main thread, which merges them by adding counts.

/** Values below this are counted exactly; above it every power of two gets this many buckets. */
const SUB_BUCKETS = 128;
const SUB_BITS = 7;
/** Largest value kept (about 71 minutes in µs); anything larger counts as this. */
const MAX_VALUE = 2 ** 32 - 1;
/** 128 exact buckets, then 128 per power of two from 2^7 to 2^31. */
const BUCKETS = SUB_BUCKETS + (32 - SUB_BITS) * SUB_BUCKETS;

/** The plain-data form of a histogram, as it crosses postMessage. */
export interface HistogramData {
  counts: Float64Array;
  total: number;
  max: number;
}

/** Bucket index of a non-negative integer value. */
function indexOf(value: number): number {
  if (value < SUB_BUCKETS) return value;
  const shift = 31 - Math.clz32(value) - SUB_BITS;
  return SUB_BUCKETS + shift * SUB_BUCKETS + ((value >>> shift) - SUB_BUCKETS);
}

/** The smallest value and the width of bucket `index`. */
function bucketRange(index: number): { low: number; width: number } {
  if (index < SUB_BUCKETS) return { low: index, width: 1 };
  const shift = Math.floor((index - SUB_BUCKETS) / SUB_BUCKETS);
  const mantissa = SUB_BUCKETS + ((index - SUB_BUCKETS) % SUB_BUCKETS);
  return { low: mantissa * 2 ** shift, width: 2 ** shift };
}

/** Latency histogram with at most 1/256 (0.4%) relative error per recorded value. */
export class LatencyHistogram {
  readonly counts: Float64Array;
  total = 0;
  max = 0;

  constructor(data?: HistogramData) {
    this.counts = new Float64Array(BUCKETS);
    if (data) this.add(data);
  }

  /** Counts one value (µs); negatives count as 0, fractions are truncated. */
  record(value: number): void {
    const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.trunc(value);
    const index = indexOf(v);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    if (v > this.max) this.max = v;
  }

  /** Adds another histogram's counts into this one. */
  add(other: HistogramData): void {
    for (let i = 0; i < BUCKETS; i++)
      this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
  }

  /** Empties the histogram. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = 0;
  }

  /** The value at quantile q (0..1): the middle of the bucket holding that rank, at most max. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        const { low, width } = bucketRange(i);
        return Math.min(this.max, low + (width - 1) / 2);
      }
    }
    return this.max;
  }

  /** A copy as plain data, for postMessage. */
  toData(): HistogramData {
    return { counts: this.counts.slice(), total: this.total, max: this.max };
  }
}
