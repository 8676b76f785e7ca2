/**
 * The connector's prom-client metrics (one Registry per connector unless one is given): requests by MTI and response
 * code, latency, in-flight, pool size, reconnects, reversals pending, and SocketQueue's amounts (processed, secured,
 * refund, reversal) in minor units of the transaction currency (field 4). Every metric has a `connector` label.
 * Several connectors may share one Registry (a flow with several connectors): the metrics are made once per Registry
 * and each connector's figures are the series of its label.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Live values read when the registry is scraped. */
export interface MetricsSource {
  inFlight(): number;
  poolSize(): number;
  reversalsPending(): number;
}

/** The kinds of amount totals (SocketQueue's counters). */
export type AmountKind = 'processed' | 'secured' | 'refund' | 'reversal';

/** The metrics made once per Registry, and the live sources of every connector that reports to them. */
interface Shared {
  sources: { connector: string; source: MetricsSource }[];
  requests: Counter<'connector' | 'mti' | 'response_code'>;
  failures: Counter<'connector' | 'mti' | 'code'>;
  latency: Histogram<'connector'>;
  reconnects: Counter<'connector'>;
  amounts: Counter<'connector' | 'kind'>;
}

const shared = new WeakMap<Registry, Shared>();

function gauge(name: string, help: string, registry: Registry, sources: Shared['sources'], read: (s: MetricsSource) => number): void {
  new Gauge({
    name,
    help,
    labelNames: ['connector'],
    registers: [registry],
    collect() {
      for (const { connector, source } of sources) this.set({ connector }, read(source));
    },
  });
}

function makeShared(registry: Registry): Shared {
  const registers = [registry];
  const sources: Shared['sources'] = [];
  gauge('iso8583_connector_in_flight', 'Requests written and awaiting their response.', registry, sources, (s) => s.inFlight());
  gauge('iso8583_connector_pool_size', 'Open connections to the host.', registry, sources, (s) => s.poolSize());
  gauge('iso8583_connector_reversals_pending', 'Reversals written to the journal and not yet answered.', registry, sources, (s) => s.reversalsPending());
  return {
    sources,
    requests: new Counter({
      name: 'iso8583_connector_requests_total',
      help: 'Requests answered by the host, by request MTI and response code (field 39).',
      labelNames: ['connector', 'mti', 'response_code'],
      registers,
    }),
    failures: new Counter({
      name: 'iso8583_connector_failures_total',
      help: 'Requests that ended without a response, by request MTI and error code.',
      labelNames: ['connector', 'mti', 'code'],
      registers,
    }),
    latency: new Histogram({
      name: 'iso8583_connector_latency_seconds',
      help: 'Time from writing a request to its response.',
      labelNames: ['connector'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    reconnects: new Counter({
      name: 'iso8583_connector_reconnects_total',
      help: 'Connections lost or failed and opened again.',
      labelNames: ['connector'],
      registers,
    }),
    amounts: new Counter({
      name: 'iso8583_connector_amount_total',
      help: 'Sums of request field 4 (minor units): processed (answered 0100/0200), secured (of those, approved: 39 one of the dialect approvalCodes, 00 by default), refund (approved with processing code 20xxxx), reversal (answered 0400/0401/0420/0421).',
      labelNames: ['connector', 'kind'],
      registers,
    }),
  };
}

/** The connector's metrics. */
export class ConnectorMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'connector' | 'mti' | 'response_code'>;
  private readonly failures: Counter<'connector' | 'mti' | 'code'>;
  private readonly reconnectCounter: Counter<'connector'>;
  private readonly amounts: Counter<'connector' | 'kind'>;
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly amountChildren = new Map<AmountKind, { inc(v: number): void }>();
  private readonly latencyChild: { observe(v: number): void };

  constructor(
    readonly connector: string,
    source: MetricsSource,
    registry?: Registry,
  ) {
    this.registry = registry ?? new Registry();
    let metrics = shared.get(this.registry);
    if (metrics === undefined) {
      metrics = makeShared(this.registry);
      shared.set(this.registry, metrics);
    }
    metrics.sources.push({ connector, source });
    this.requests = metrics.requests;
    this.failures = metrics.failures;
    this.reconnectCounter = metrics.reconnects;
    this.amounts = metrics.amounts;
    this.latencyChild = metrics.latency.labels(connector);
  }

  /** Counts an answered request and its latency. */
  answered(mti: string, responseCode: string, seconds: number): void {
    const key = mti + '|' + responseCode;
    let child = this.requestChildren.get(key);
    if (child === undefined) {
      child = this.requests.labels(this.connector, mti, responseCode);
      this.requestChildren.set(key, child);
    }
    child.inc();
    this.latencyChild.observe(seconds);
  }

  /** Counts a request that ended in an error. */
  failed(mti: string, code: string): void {
    this.failures.labels(this.connector, mti, code).inc();
  }

  /** Counts a reconnection. */
  reconnected(): void {
    this.reconnectCounter.labels(this.connector).inc();
  }

  /** Adds to an amount total. */
  amount(kind: AmountKind, minorUnits: number): void {
    let child = this.amountChildren.get(kind);
    if (child === undefined) {
      child = this.amounts.labels(this.connector, kind);
      this.amountChildren.set(kind, child);
    }
    child.inc(minorUnits);
  }
}
