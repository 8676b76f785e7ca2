/**
 * Prometheus metrics counted in plain numbers and shown to a prom-client Registry as ordinary metrics when it is
 * scraped, with the text exposition prom-client writes: counter and histogram families (a series per label set, made
 * once) and metrics read from their sources' own counts.
 */
export { CounterFamily, CounterSeries, HistogramFamily, HistogramSeries } from './families.js';
export { histogramSamples } from './exposition.js';
export type { MetricData, MetricSample, MetricType } from './exposition.js';
export { ScrapedMetric } from './scraped.js';
export { promClient } from './prom-client.js';
export { LogLimit, LogLimits } from './log-limit.js';
export { logSafely } from './safe-log.js';
export type { ReadSamples } from './scraped.js';
