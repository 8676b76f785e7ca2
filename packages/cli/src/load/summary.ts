/**
 * The results of a load run: latency percentiles, throughput and outcomes (response code of field 39, or what
 * happened instead), as numbers and as the text and JSON that `iso8583 load` prints.
 */

/** Latency statistics in milliseconds (request written to response read). */
export interface LatencySummary {
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** The slowest response. */
  max: number;
  /** The arithmetic mean. */
  mean: number;
}

/** What a load run measured. */
export interface LoadSummary {
  /** Clients (terminals) that were connected. */
  clients: number;
  /** Clients that could not connect. */
  connectFailures: number;
  /** Requests written. */
  sent: number;
  /** Requests answered by the host. */
  answered: number;
  /** Wall time of the run in milliseconds, from the first request to the last outcome. */
  durationMs: number;
  /** Answered requests per second over the run. */
  tps: number;
  /** Latency of the answered requests (all zero when none were answered). */
  latencyMs: LatencySummary;
  /**
   * Count per outcome: the response code (field 39) of each answer, `timeout` (no answer in time), `closed` (the
   * connection was lost while waiting), `error` (an answer that could not be decoded, or a write failure).
   */
  outcomes: Record<string, number>;
}

/** The value at quantile `q` (0-1) of ascending `sorted` values (nearest rank); 0 for an empty list. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Latency statistics of a list of latencies in milliseconds (sorted in place). */
export function summarizeLatency(latencies: number[]): LatencySummary {
  latencies.sort((a, b) => a - b);
  const total = latencies.reduce((sum, x) => sum + x, 0);
  return {
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.length === 0 ? 0 : (latencies[latencies.length - 1] as number),
    mean: latencies.length === 0 ? 0 : total / latencies.length,
  };
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

/** The outcomes in a stable order: response codes ascending, then `timeout`, `closed`, `error`. */
export function sortedOutcomes(outcomes: Record<string, number>): [string, number][] {
  const rank = (k: string): string => (/^[0-9A-Z]{2,3}$/.test(k) ? `0${k}` : `1${k}`);
  return Object.entries(outcomes).sort(([a], [b]) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}

/** The summary as the lines `iso8583 load` prints. */
export function formatSummary(s: LoadSummary): string {
  const outcomes = sortedOutcomes(s.outcomes).map(([k, n]) => `${k}: ${n}`).join('  ') || 'none';
  const failures = s.connectFailures > 0 ? ` (${s.connectFailures} could not connect)` : '';
  return [
    `clients       ${s.clients}${failures}`,
    `transactions  ${s.answered} answered of ${s.sent} sent in ${(s.durationMs / 1000).toFixed(2)} s`,
    `throughput    ${s.tps.toFixed(1)} tps`,
    `latency ms    p50 ${ms(s.latencyMs.p50)}  p95 ${ms(s.latencyMs.p95)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`,
    `outcomes      ${outcomes}`,
    '',
  ].join('\n');
}

/** The progress line shown while a run goes on. */
export function formatProgress(sent: number, answered: number, failed: number, elapsedMs: number): string {
  const tps = elapsedMs > 0 ? (answered * 1000) / elapsedMs : 0;
  return `load: ${(elapsedMs / 1000).toFixed(0)} s  sent ${sent}  answered ${answered}  failed ${failed}  ${tps.toFixed(0)} tps`;
}
