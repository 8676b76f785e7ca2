/**
 * Counters and histograms for the request path, counted in plain numbers and shown to a prom-client Registry as
 * ordinary metrics when it is scraped. prom-client's own `Counter` and `Histogram` hash and check their labels on every
 * `inc`/`observe`, even through a child made by `labels()`: measured at 1.1-1.5 us per counter `inc` and 2.3-2.5 us per
 * histogram `observe` on the benchmark machine, several microseconds of a request that costs about ten. Here a series
 * is an object made once per label set, and counting is an addition; the text exposition (names, label order, `le`
 * buckets, `_sum`, `_count`) is the one prom-client writes for the same metric.
 */
import type { Registry } from 'prom-client';
import { histogramSamples } from './exposition.js';
import type { MetricData, MetricSample } from './exposition.js';

/** A label set: label name -> value, in the order of the family's label names. */
type Labels = Record<string, string>;

/** A Prometheus metric name (the text exposition's, as prom-client checks it). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** A Prometheus label name. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Refuses, as prom-client refuses it for its own metrics, a name or label name the text exposition cannot carry (a
 * scraper would drop the whole scrape): a `TypeError` naming the family and the option.
 */
export function checkNames(name: string, labelNames: readonly string[]): void {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new TypeError(`metric name ${JSON.stringify(name)}: letters, digits, _ and : only, not starting with a digit`);
  }
  for (const label of labelNames) {
    if (typeof label !== 'string' || !LABEL_NAME.test(label)) {
      throw new TypeError(`${name}: label name ${JSON.stringify(label)}: letters, digits and _ only, not starting with a digit`);
    }
  }
}

/** What both families share: a name, a help text, label names, and registration in a Registry. */
abstract class Family<S> {
  protected readonly series = new Map<string, { labels: Labels; series: S }>();

  /**
   * Registers the family in `registry` when one is given (prom-client refuses a name it already holds).
   * @param name the metric's name
   * @param help its HELP text
   * @param labelNames the label names, in the order `of()` takes their values
   * @param registry where it is scraped; default none: counted until {@link Family.register} names one
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry?: Registry,
  ) {
    checkNames(name, labelNames);
    if (registry !== undefined) this.register(registry);
  }

  /** Registers the family in `registry`, to be scraped there with every count made so far. */
  register(registry: Registry): void {
    registry.registerMetric(this as never);
  }

  /**
   * Drops every series whose first label has the value `value` (a connector or an upstream gone: its series leave
   * the scrape, and its memory). A series taken by `of()` before stays usable, counted no more in the scrape.
   */
  drop(value: string): void {
    const label = this.labelNames[0];
    if (label === undefined) return;
    for (const [key, entry] of this.series) if (entry.labels[label] === value) this.series.delete(key);
  }

  /**
   * The series of `values` (one per label name, in order), made on first use. Another number of values than of label
   * names is refused (a `TypeError` naming the family and its label names, never the values, as prom-client's
   * `labels()` refuses it): a value past the last label was dropped, and two series with the same labels written, which
   * a scraper refuses with the whole scrape; a missing one was written as an empty label.
   */
  of(...values: string[]): S {
    if (values.length !== this.labelNames.length) {
      throw new TypeError(`${this.name}: ${values.length} label values for ${this.labelNames.length} label names (${this.labelNames.join(', ')})`);
    }
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] as string));
      entry = { labels, series: this.make() };
      this.series.set(key, entry);
    }
    return entry.series;
  }

  /** Read by the Registry when scraped. */
  abstract get(): Promise<MetricData>;

  /** `registry.resetMetrics()`: every series starts again from zero (and stays listed). */
  abstract reset(): void;

  protected abstract make(): S;
}

/** A counter series: `inc` adds (default 1). */
export class CounterSeries {
  /** The count so far. */
  value = 0;

  /**
   * Adds `by` (default 1). A counter never goes down: a negative, infinite or NaN `by` is refused (a `TypeError`, as
   * prom-client's `Counter.inc` refuses it) and nothing is added.
   */
  inc(by = 1): void {
    if (!(by >= 0 && by !== Infinity)) throw new TypeError(`counter inc(${String(by)}): a counter only grows, by a finite number of at least 0`);
    this.value += by;
  }
}

/** A monotonic counter family (type `counter`). */
export class CounterFamily extends Family<CounterSeries> {
  /** Read by the Registry when scraped. */
  get(): Promise<MetricData> {
    const values: MetricSample[] = [];
    for (const { labels, series } of this.series.values()) values.push({ value: series.value, labels });
    return Promise.resolve({ name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' });
  }

  /** `registry.resetMetrics()`: every series starts again from zero. */
  reset(): void {
    for (const { series } of this.series.values()) series.value = 0;
  }

  protected make(): CounterSeries {
    return new CounterSeries();
  }
}

/** A histogram series: `observe` counts a value in the first bucket whose upper bound it does not exceed. */
export class HistogramSeries {
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  /** The sum of the values observed. */
  sum = 0;
  /** How many values were observed. */
  count = 0;

  /** @param bounds the buckets' upper bounds, ascending */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts `value`; one that is not a finite number is refused (a `TypeError`, as prom-client's `observe`), nothing counted. */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`histogram observe(${String(value)}): not a finite number`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A histogram family (type `histogram`) with fixed bucket upper bounds. */
export class HistogramFamily extends Family<HistogramSeries> {
  /**
   * Registers the family in `registry` when one is given. A label named `le` (the buckets' own), or buckets that are
   * not finite numbers in strictly ascending order, are refused with a `TypeError` naming the family (the buckets
   * would not be cumulative).
   * @param buckets the buckets' upper bounds, ascending (`+Inf` is added)
   */
  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[], registry?: Registry) {
    if (labelNames.includes('le')) throw new TypeError(`${name}: label name "le" is the buckets' own`);
    buckets.forEach((bound, i) => {
      if (!Number.isFinite(bound) || (i > 0 && !(bound > (buckets[i - 1] as number)))) {
        throw new TypeError(`${name}: buckets: finite upper bounds in strictly ascending order (${String(bound)} at ${i})`);
      }
    });
    super(name, help, labelNames, registry);
  }

  /** Read by the Registry when scraped. */
  get(): Promise<MetricData> {
    const values: MetricSample[] = [];
    for (const { labels, series } of this.series.values()) histogramSamples(values, this.name, this.buckets, series.counts, series.sum, series.count, labels);
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }

  /** `registry.resetMetrics()`: every series starts again from zero. */
  reset(): void {
    for (const { series } of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  protected make(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }
}
