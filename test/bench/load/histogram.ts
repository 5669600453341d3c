/**
 * A latency histogram with fixed 10 µs buckets up to 1 s (and the exact maximum), so a run of
 * millions of samples costs one array increment each and no allocation.
 */
const BUCKET_MS = 0.01;
const BUCKETS = 100_000;

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  count = 0;
  max = 0;

  record(ms: number): void {
    const value = ms < 0 ? 0 : ms;
    const bucket = Math.floor(value / BUCKET_MS);
    this.counts[bucket < BUCKETS ? bucket : BUCKETS]! += 1;
    this.count += 1;
    if (value > this.max) this.max = value;
  }

  /** The upper edge of the bucket holding the p-th percentile (the max when it falls in the last one). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket += 1) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return bucket === BUCKETS ? this.max : Math.min(this.max, (bucket + 1) * BUCKET_MS);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return { count: this.count, p50: this.percentile(50), p99: this.percentile(99), max: this.count === 0 ? NaN : this.max };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}
