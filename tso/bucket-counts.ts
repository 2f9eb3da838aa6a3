/**
 * A histogram counted in place: fixed upper bounds, one counter per bucket, a
 * sum and a count. Observing is a short scan of the bounds with no allocation,
 * so a hot path can afford it per caller; the node's metrics mirror it into
 * Prometheus at scrape time (server/metrics/node-metrics.ts).
 */
export class BucketCounts {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one counts those above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    if (bounds.length === 0 || bounds.some((bound, i) => i > 0 && !(bound > bounds[i - 1]!))) {
      throw new RangeError('histogram bounds must be non-empty and ascend');
    }
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}
