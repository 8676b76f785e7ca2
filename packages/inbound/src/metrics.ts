import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metric } from 'prom-client';

/** Counts of an endpoint since it was made (see `InboundEndpoint.stats()`). */
export interface InboundStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since the start (refused ones not included). */
  totalConnections: number;
  /** Messages received that decoded. */
  messages: number;
  /** Replies written (including response code 30 and 96 replies). */
  replies: number;
  /** Messages being handled now (in a sequence, or waiting for a slot). */
  inFlight: number;
  /** Errors by code (`ISO8583_ERR_INBOUND_*`). */
  errorsByCode: Record<string, number>;
  /** Messages received by MTI. */
  byMti: Record<string, number>;
  /** Replies by response code (field 39; `none` when the reply has none). */
  byResponseCode: Record<string, number>;
}

interface Inc {
  inc(value?: number): void;
}

function metric<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The endpoint's counters: a plain {@link InboundStats} and the prom-client metrics (label `endpoint` on each, so
 * several endpoints may share one Registry). Labels are MTIs, response codes and error codes: never card data.
 */
export class InboundMetrics {
  readonly registry: Registry;
  private readonly counts: InboundStats = {
    connections: 0,
    totalConnections: 0,
    messages: 0,
    replies: 0,
    inFlight: 0,
    errorsByCode: {},
    byMti: {},
    byResponseCode: {},
  };
  private readonly connectionsGauge: Gauge;
  private readonly inFlightGauge: Gauge;
  private readonly connectionsTotal: Counter;
  private readonly messagesTotal: Counter;
  private readonly repliesTotal: Counter;
  private readonly errorsTotal: Counter;
  private readonly sequenceSeconds: Histogram;
  private readonly byMtiChild = new Map<string, Inc>();
  private readonly byReplyChild = new Map<string, Inc>();
  private readonly byErrorChild = new Map<string, Inc>();
  private readonly latency: { observe(value: number): void };
  private readonly connectionsChild: { inc(v?: number): void; dec(v?: number): void };
  private readonly inFlightChild: { inc(v?: number): void };
  private readonly connectionsTotalChild: Inc;

  constructor(private readonly endpoint: string, registry?: Registry) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry];
    this.connectionsGauge = metric(this.registry, 'iso8583_inbound_connections', () => new Gauge({
      name: 'iso8583_inbound_connections', help: 'Inbound connections open now.', labelNames: ['endpoint'], registers,
    }));
    this.inFlightGauge = metric(this.registry, 'iso8583_inbound_in_flight', () => new Gauge({
      name: 'iso8583_inbound_in_flight', help: 'Inbound messages being handled now.', labelNames: ['endpoint'], registers,
    }));
    this.connectionsTotal = metric(this.registry, 'iso8583_inbound_connections_total', () => new Counter({
      name: 'iso8583_inbound_connections_total', help: 'Inbound connections accepted.', labelNames: ['endpoint'], registers,
    }));
    this.messagesTotal = metric(this.registry, 'iso8583_inbound_messages_total', () => new Counter({
      name: 'iso8583_inbound_messages_total', help: 'Inbound messages received, by MTI.', labelNames: ['endpoint', 'mti'], registers,
    }));
    this.repliesTotal = metric(this.registry, 'iso8583_inbound_replies_total', () => new Counter({
      name: 'iso8583_inbound_replies_total',
      help: 'Replies written, by MTI and response code (field 39).',
      labelNames: ['endpoint', 'mti', 'response_code'],
      registers,
    }));
    this.errorsTotal = metric(this.registry, 'iso8583_inbound_errors_total', () => new Counter({
      name: 'iso8583_inbound_errors_total', help: 'Inbound errors, by code.', labelNames: ['endpoint', 'code'], registers,
    }));
    this.sequenceSeconds = metric(this.registry, 'iso8583_inbound_sequence_seconds', () => new Histogram({
      name: 'iso8583_inbound_sequence_seconds',
      help: 'Time from a message decoded to its reply ready (the sequence, and onError when called).',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }));
    this.latency = this.sequenceSeconds.labels({ endpoint });
    this.connectionsChild = this.connectionsGauge.labels({ endpoint });
    this.inFlightChild = this.inFlightGauge.labels({ endpoint });
    this.connectionsTotalChild = this.connectionsTotal.labels({ endpoint });
    // Make the series visible at zero from the start.
    this.connectionsGauge.labels({ endpoint }).set(0);
    this.inFlightGauge.labels({ endpoint }).set(0);
    this.connectionsTotalChild.inc(0);
  }

  connectionOpened(): void {
    this.counts.connections++;
    this.counts.totalConnections++;
    this.connectionsChild.inc();
    this.connectionsTotalChild.inc();
  }

  connectionClosed(): void {
    this.counts.connections--;
    this.connectionsChild.dec();
  }

  message(mti: string): void {
    this.counts.messages++;
    this.counts.byMti[mti] = (this.counts.byMti[mti] ?? 0) + 1;
    let child = this.byMtiChild.get(mti);
    if (child === undefined) {
      child = this.messagesTotal.labels({ endpoint: this.endpoint, mti });
      this.byMtiChild.set(mti, child);
    }
    child.inc();
  }

  inFlight(delta: number): void {
    this.counts.inFlight += delta;
    this.inFlightChild.inc(delta);
  }

  reply(mti: string, responseCode: string): void {
    this.counts.replies++;
    this.counts.byResponseCode[responseCode] = (this.counts.byResponseCode[responseCode] ?? 0) + 1;
    const key = `${mti}\u0000${responseCode}`;
    let child = this.byReplyChild.get(key);
    if (child === undefined) {
      child = this.repliesTotal.labels({ endpoint: this.endpoint, mti, response_code: responseCode });
      this.byReplyChild.set(key, child);
    }
    child.inc();
  }

  error(code: string): void {
    this.counts.errorsByCode[code] = (this.counts.errorsByCode[code] ?? 0) + 1;
    let child = this.byErrorChild.get(code);
    if (child === undefined) {
      child = this.errorsTotal.labels({ endpoint: this.endpoint, code });
      this.byErrorChild.set(code, child);
    }
    child.inc();
  }

  sequenceLatency(seconds: number): void {
    this.latency.observe(seconds);
  }

  /** A copy of the counts. */
  snapshot(): InboundStats {
    return {
      ...this.counts,
      errorsByCode: { ...this.counts.errorsByCode },
      byMti: { ...this.counts.byMti },
      byResponseCode: { ...this.counts.byResponseCode },
    };
  }
}
