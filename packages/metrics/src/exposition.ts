/**
 * What a prom-client Registry reads from a metric it has registered (`get()`), and the histogram's samples in the
 * shape prom-client writes them: one `_bucket` per upper bound (cumulative, `le` first), `+Inf`, `_sum`, `_count`.
 */

/** The Prometheus types these metrics take. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One value of a metric, with its labels; `metricName` names a histogram's `_bucket`, `_sum` or `_count` line. */
export interface MetricSample {
  /** The value. */
  value: number;
  /** Label name -> value, written in this order. */
  labels: Record<string, string | number>;
  /** The line's name when it is not the metric's own (a histogram's `NAME_bucket`, `NAME_sum`, `NAME_count`). */
  metricName?: string;
}

/** A metric as the Registry reads it when scraped. */
export interface MetricData {
  /** The metric's name. */
  name: string;
  /** Its HELP text. */
  help: string;
  /** Its TYPE. */
  type: MetricType;
  /** Its values. */
  values: MetricSample[];
  /** How prom-client's cluster aggregation combines workers' values: always `sum`. */
  aggregator: 'sum';
}

/**
 * Appends to `out` the samples of one histogram series named `name`: `counts[i]` observations in bucket `i` (not
 * cumulative; entries past `bounds.length` are ignored, the `+Inf` bucket being `count`), their `sum` and `count`,
 * under `labels` (after `le`).
 */
export function histogramSamples(
  out: MetricSample[],
  name: string,
  bounds: readonly number[],
  counts: ArrayLike<number>,
  sum: number,
  count: number,
  labels: Record<string, string | number>,
): MetricSample[] {
  const bucket = `${name}_bucket`;
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i] as number;
    out.push({ value: cumulative, labels: { le: String(bounds[i]), ...labels }, metricName: bucket });
  }
  out.push({ value: count, labels: { le: '+Inf', ...labels }, metricName: bucket });
  out.push({ value: sum, labels, metricName: `${name}_sum` });
  out.push({ value: count, labels, metricName: `${name}_count` });
  return out;
}
