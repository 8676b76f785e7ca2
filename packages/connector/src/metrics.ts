/**
 * The connector's prom-client metrics (one Registry per connector unless one is given): requests by MTI and response
 * code, latency, in-flight, pool size, reconnects, reversals pending, SAF depth, ended and stranded entries, and SocketQueue's
 * amounts (processed, secured, refund, reversal) in minor units of the transaction currency (field 4). Every metric has a `connector` label.
 * Several connectors may share one Registry (a flow with several connectors): the metrics are made once per Registry
 * and each connector's figures are the series of its label (give each live connector its own `name`: two of one name
 * write the same series). A closed connector is released ({@link ConnectorMetrics.release}): its series leave the
 * Registry, so one made again under the same name starts its counters over (a counter reset, as a process restart). A connector given no Registry counts in plain numbers and
 * makes its own when `registry` is first read: prom-client (and the OpenTelemetry API it imports) loads only then.
 */
import type { Registry } from 'prom-client';
import { CounterFamily, HistogramFamily, promClient } from '@iso8583/metrics';
import type { CounterSeries, HistogramSeries } from '@iso8583/metrics';

/** Live values read when the registry is scraped. */
export interface MetricsSource {
  inFlight(): number;
  /** Connections signed on, ready to carry requests (the connector's `stats().connected`). */
  poolSize(): number;
  reversalsPending(): number;
  /** Entries waiting in the SAF queue (reversals and advices). */
  safDepth(): number;
  /** How SAF entries ended since the start. */
  safEnded(): SafEnded;
  /**
   * SAF entries pending under store keys no running node claims, where this connector reports its store's figure (one
   * connector per store in a process: store.ts `reportedStranded`), else 0. Optional: 0 without it.
   */
  safStranded?(): number;
  /**
   * This connector's store keys recorded for another bank (PostgreSQL store, `iso8583_saf_upstream`, as its last lease
   * renewal read them: `PgJournal.keysAtOtherBank`): their entries are neither claimed, sent nor added. Optional: 0
   * without it.
   */
  safOtherBank?(): number;
  /**
   * Reversals that undid nothing forgotten before their window closed, since the start (`ConnectorStats.safOvertakenDropped`).
   * Optional: 0 without it.
   */
  safOvertakenDropped?(): number;
}

/** How SAF entries ended: delivered, expired, abandoned. */
type SafEnded = { delivered: number; expired: number; abandoned: number };

const SAF_OUTCOMES = ['delivered', 'expired', 'abandoned'] as const;

/** The kinds of amount totals (SocketQueue's counters). */
export type AmountKind = 'processed' | 'secured' | 'refund' | 'reversal';

/** The counter of reversals that undid nothing forgotten early (`MetricsSource.safOvertakenDropped`). */
const OVERTAKEN_DROPPED = 'iso8583_connector_saf_overtaken_dropped_total';

/** The gauges read from the sources when scraped (label `connector` only). */
const GAUGES = ['iso8583_connector_in_flight', 'iso8583_connector_pool_size', 'iso8583_connector_reversals_pending', 'iso8583_connector_saf_stranded', 'iso8583_connector_saf_other_bank', 'iso8583_connector_saf_depth'];

/** The metrics made once per Registry, and the live sources of every connector that reports to them. */
interface Shared {
  sources: { connector: string; source: MetricsSource }[];
  requests: CounterFamily;
  failures: CounterFamily;
  latency: HistogramFamily;
  reconnects: CounterFamily;
  amounts: CounterFamily;
}

const shared = new WeakMap<Registry, Shared>();

function gauge(name: string, help: string, registry: Registry, sources: Shared['sources'], read: (s: MetricsSource) => number): void {
  new (promClient().Gauge)({
    name,
    help,
    labelNames: ['connector'],
    registers: [registry],
    collect() {
      for (const { connector, source } of sources) this.set({ connector }, read(source));
    },
  });
}

/** The metrics counted in plain numbers (@iso8583/metrics), registered nowhere yet. */
function makeShared(): Shared {
  return {
    sources: [],
    requests: new CounterFamily('iso8583_connector_requests_total', 'Requests answered by the host, by request MTI and response code (field 39).', [
      'connector',
      'mti',
      'response_code',
    ]),
    failures: new CounterFamily('iso8583_connector_failures_total', 'Requests that ended without a response, by request MTI and error code.', ['connector', 'mti', 'code']),
    latency: new HistogramFamily(
      'iso8583_connector_latency_seconds',
      'Time from writing a request to its response.',
      ['connector'],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    reconnects: new CounterFamily('iso8583_connector_reconnects_total', 'Connections lost or failed and opened again.', ['connector']),
    amounts: new CounterFamily(
      'iso8583_connector_amount_total',
      'Sums of request field 4 (minor units): processed (answered 0100/0200), secured (of those, approved: 39 one of the dialect approvalCodes, 00 by default), refund (approved with processing code 20xxxx), reversal (0400/0401/0420/0421 whose answer accepts it: an approval code, or 400 to a 1420; a 96 or a decline adds nothing).',
      ['connector', 'kind'],
    ),
  };
}

/** Registers `metrics` in `registry`, with the metrics read from the sources when scraped, in the order they are shown. */
function register(metrics: Shared, registry: Registry): void {
  const { sources } = metrics;
  gauge('iso8583_connector_in_flight', 'Requests written and awaiting their response (with sign-ons and echoes in flight).', registry, sources, (s) => s.inFlight());
  gauge('iso8583_connector_pool_size', 'Connections to the host signed on (ready to carry requests).', registry, sources, (s) => s.poolSize());
  gauge('iso8583_connector_reversals_pending', 'Reversals written to the journal and not yet answered.', registry, sources, (s) => s.reversalsPending());
  gauge('iso8583_connector_saf_stranded', 'Store-and-forward entries pending under store keys no running node claims (PostgreSQL store, counted once a minute; one connector per store reports it, the others 0): nothing sends them.', registry, sources, (s) => s.safStranded?.() ?? 0);
  gauge('iso8583_connector_saf_other_bank', 'Store keys of this connector recorded for another bank (PostgreSQL store, iso8583_saf_upstream, read at each lease renewal; ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK): their store-and-forward entries are neither claimed, sent nor added here.', registry, sources, (s) => s.safOtherBank?.() ?? 0);
  gauge('iso8583_connector_saf_depth', 'Entries waiting in the store-and-forward queue (reversals and advices journaled and not yet ended).', registry, sources, (s) => s.safDepth());
  // A counter of figures the SAF queue keeps: each scrape adds what ended since the last one.
  // The baseline is kept per source, not per name: a connector closed and another made under its name do not read
  // each other's figures as progress (the counter would grow by the first's total at every scrape).
  const seen = new WeakMap<MetricsSource, SafEnded>();
  new (promClient().Counter)({
    name: 'iso8583_connector_saf_ended_total',
    help: 'Store-and-forward entries ended: delivered (answered with an ending code), expired (saf.expireAfter), abandoned (saf.maxAttempts).',
    labelNames: ['connector', 'outcome'],
    registers: [registry],
    collect() {
      for (const { connector, source } of sources) {
        const now = source.safEnded();
        const was = seen.get(source) ?? { delivered: 0, expired: 0, abandoned: 0 };
        for (const outcome of SAF_OUTCOMES) this.inc({ connector, outcome }, Math.max(0, now[outcome] - was[outcome]));
        seen.set(source, { ...now });
      }
    },
  });
  // The same for the reversals forgotten early, by source.
  const dropped = new WeakMap<MetricsSource, number>();
  new (promClient().Counter)({
    name: OVERTAKEN_DROPPED,
    help: 'Reversals answered with a code that undid nothing (25) forgotten before their original\'s late approval could come (past OVERTAKEN_MAX, the oldest first; ISO8583_WARN_SAF_OVERTAKEN_DROPPED): should such an original be approved late, it is NOT reversed.',
    labelNames: ['connector'],
    registers: [registry],
    collect() {
      for (const { connector, source } of sources) {
        const now = source.safOvertakenDropped?.() ?? 0;
        this.inc({ connector }, Math.max(0, now - (dropped.get(source) ?? 0)));
        dropped.set(source, now);
      }
    },
  });
  for (const family of [metrics.requests, metrics.failures, metrics.latency, metrics.reconnects, metrics.amounts]) family.register(registry);
  shared.set(registry, metrics);
}

/** The connector's metrics. */
export class ConnectorMetrics {
  #registry: Registry | undefined;
  readonly #shared: Shared;
  private readonly requests: CounterFamily;
  private readonly failures: CounterFamily;
  private readonly reconnects: CounterFamily;
  private readonly amounts: CounterFamily;
  private readonly requestSeries = new Map<string, CounterSeries>();
  private readonly amountSeries = new Map<AmountKind, CounterSeries>();
  private readonly latencySeries: HistogramSeries;
  readonly #source: MetricsSource;
  /** Its series were dropped ({@link release}): what it counts after (a destroyed request's failure) is not counted. */
  #dropped = false;

  constructor(
    readonly connector: string,
    source: MetricsSource,
    registry?: Registry,
  ) {
    let metrics = registry === undefined ? undefined : shared.get(registry);
    if (metrics === undefined) {
      metrics = makeShared();
      if (registry !== undefined) register(metrics, registry);
    }
    this.#registry = registry;
    this.#shared = metrics;
    this.#source = source;
    metrics.sources.push({ connector, source });
    this.requests = metrics.requests;
    this.failures = metrics.failures;
    this.reconnects = metrics.reconnects;
    this.amounts = metrics.amounts;
    this.latencySeries = metrics.latency.of(connector);
  }

  /** The Registry holding the metrics: the one given, else the connector's own, made (prom-client loaded) when first read. */
  get registry(): Registry {
    if (this.#registry === undefined) {
      this.#registry = new (promClient().Registry)();
      register(this.#shared, this.#registry);
    }
    return this.#registry;
  }

  /**
   * Takes the connector off the Registry (on close or destroy): its live values are no longer read and its series
   * (those of its `connector` label, when no other live connector of the same name reports to the Registry) are
   * removed, so connectors made and closed one after the other on one Registry leave no series and no memory behind.
   * What it counts after its series were removed (a request destroyed on the wire, failing after the release) makes
   * no series again. Safe to call twice.
   */
  release(): void {
    const { sources } = this.#shared;
    const at = sources.findIndex((s) => s.source === this.#source);
    if (at < 0) return;
    sources.splice(at, 1);
    if (sources.some((s) => s.connector === this.connector)) return;
    this.#dropped = true;
    for (const family of [this.#shared.requests, this.#shared.failures, this.#shared.latency, this.#shared.reconnects, this.#shared.amounts]) {
      family.drop(this.connector);
    }
    const registry = this.#registry;
    if (registry === undefined) return;
    for (const name of GAUGES) (registry.getSingleMetric(name) as { remove?(labels: Record<string, string>): void } | undefined)?.remove?.({ connector: this.connector });
    const ended = registry.getSingleMetric('iso8583_connector_saf_ended_total') as { remove?(labels: Record<string, string>): void } | undefined;
    for (const outcome of SAF_OUTCOMES) ended?.remove?.({ connector: this.connector, outcome });
    (registry.getSingleMetric(OVERTAKEN_DROPPED) as { remove?(labels: Record<string, string>): void } | undefined)?.remove?.({ connector: this.connector });
  }

  /** Counts an answered request and its latency. */
  answered(mti: string, responseCode: string, seconds: number): void {
    if (this.#dropped) return;
    const key = mti + '|' + responseCode;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      series = this.requests.of(this.connector, mti, responseCode);
      this.requestSeries.set(key, series);
    }
    series.inc();
    this.latencySeries.observe(seconds);
  }

  /** Counts a request that ended in an error. */
  failed(mti: string, code: string): void {
    if (this.#dropped) return;
    this.failures.of(this.connector, mti, code).inc();
  }

  /** Counts a reconnection. */
  reconnected(): void {
    if (this.#dropped) return;
    this.reconnects.of(this.connector).inc();
  }

  /** Adds to an amount total. */
  amount(kind: AmountKind, minorUnits: number): void {
    if (this.#dropped) return;
    let series = this.amountSeries.get(kind);
    if (series === undefined) {
      series = this.amounts.of(this.connector, kind);
      this.amountSeries.set(kind, series);
    }
    series.inc(minorUnits);
  }
}
