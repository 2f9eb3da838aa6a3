/**
 * A Prometheus histogram whose buckets a component counts itself (for example
 * tso/bucket-counts.ts): read at scrape time, like the mirrored counters, so
 * the component's hot path never touches prom-client. prom-client has no
 * histogram fed from outside, but its registry takes any metric that answers
 * get() in its format; this one answers exactly what a prom-client Histogram
 * without labels would.
 */
import type { Metric, Registry } from 'prom-client';

/** A histogram as a component keeps it: ascending upper bounds, a count per bucket (the last above every bound), sum, count. */
export interface BucketSnapshot {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

class MirroredHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => BucketSnapshot,
    /** Multiplies bounds and sum (a component counting milliseconds, a metric in seconds). */
    private readonly scale: number,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const { bounds, counts, sum, count } = this.read();
    const values: Sample[] = [];
    let cumulative = 0;
    bounds.forEach((bound, i) => {
      cumulative += counts[i] ?? 0;
      values.push({ value: cumulative, labels: { le: Number((bound * this.scale).toPrecision(12)) }, metricName: `${this.name}_bucket` });
    });
    values.push({ value: count, labels: { le: '+Inf' }, metricName: `${this.name}_bucket` });
    values.push({ value: sum * this.scale, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The counts belong to the component: a registry reset leaves them alone. */
  reset(): void {}
}

export function registerMirroredHistogram(registry: Registry, name: string, help: string, read: () => BucketSnapshot, scale = 1): void {
  // The registry only calls get() and reset() and reads name, help, type and aggregator (see the module comment).
  registry.registerMetric(new MirroredHistogram(name, help, read, scale) as unknown as Metric);
}
