/**
 * A metric whose values are read from its sources when the Registry is scraped: each source counts in its own plain
 * numbers (a `++` per event, no label lookup or hashing in prom-client), and `read` turns one source's counts into
 * samples. Several sources (e.g. several endpoints sharing one Registry, each under its own label) feed one metric.
 */
import type { MetricData, MetricSample, MetricType } from './exposition.js';
import { checkNames } from './families.js';

/** Reads one source's samples of the metric named `name`. */
export type ReadSamples<S> = (source: S, name: string) => MetricSample[];

/** A metric read from its sources at scrape time; register it with `registry.registerMetric(metric as never)`. */
export class ScrapedMetric<S> {
  /** How prom-client's cluster aggregation combines workers' values. */
  readonly aggregator = 'sum';
  /** The sources read on every scrape, in the order added. */
  readonly sources = new Set<S>();

  /**
   * @param name the metric's name (one the text exposition can carry, else a `TypeError`, as prom-client refuses it)
   * @param help its HELP text
   * @param type its TYPE
   * @param read one source's samples
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: ReadSamples<S>,
  ) {
    checkNames(name, []);
  }

  /** Read by the Registry when scraped: every source's samples. */
  get(): Promise<MetricData> {
    const values: MetricSample[] = [];
    for (const source of this.sources) values.push(...this.read(source, this.name));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** The counts belong to the sources: `registry.resetMetrics()` leaves them. */
  reset(): void {}
}
