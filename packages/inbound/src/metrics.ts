import type { Metric, Registry } from 'prom-client';
import { ScrapedMetric, histogramSamples, promClient } from '@iso8583/metrics';
import type { MetricType, ReadSamples } from '@iso8583/metrics';
import { inboundError } from './errors.js';

/** Counts of an endpoint since it was made (see `InboundEndpoint.stats()`). */
export interface InboundStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since the start (refused ones not included). */
  totalConnections: number;
  /** Messages received that decoded. */
  messages: number;
  /**
   * Replies written (including response code 30 and 96 replies); one cut by its connection's destroy before it left is
   * taken off again (counted `ISO8583_ERR_INBOUND_CLIENT_GONE`; the `iso8583_inbound_replies_total` counter keeps it).
   */
  replies: number;
  /** Messages being handled now (in a sequence, or waiting for a slot). */
  inFlight: number;
  /**
   * Frames read and never started (no sequence ran, no reply went): read after their connection began closing (the
   * `close()` drain, `closeAfterReply`) or was closed, or waiting for room (`maxInFlightPerConnection`, a turn of the
   * event loop) when it closed (`destroy()`, the close deadline, a closure for a timeout, a socket error). Each
   * connection says its own at its close (a capped line); this counts them all.
   */
  dropped: number;
  /** Errors by code (`ISO8583_ERR_INBOUND_*`). */
  errorsByCode: Record<string, number>;
  /** Messages received by MTI. */
  byMti: Record<string, number>;
  /** Replies by response code (field 39; `none` when the reply has none). */
  byResponseCode: Record<string, number>;
}

/** The upper bounds (seconds) of the sequence latency histogram. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The samples of a count of replies keyed `mti \0 code` (see `InboundMetrics.reply`), labelled by MTI and response code. */
function byReply(endpoint: string, counts: ReadonlyMap<string, number>): Array<{ labels: Record<string, string>; value: number }> {
  return [...counts].map(([key, value]) => {
    const [mti = '', rc = ''] = key.split('\u0000');
    return { labels: { endpoint, mti, response_code: rc }, value };
  });
}

/** The metrics' values are read from the endpoints' own counts at scrape time (`ScrapedMetric`, @iso8583/metrics). */
const DEFINITIONS: ReadonlyArray<{ name: string; help: string; type: MetricType; read: ReadSamples<InboundMetrics> }> = [
  {
    name: 'iso8583_inbound_connections',
    help: 'Inbound connections open now.',
    type: 'gauge',
    read: (m) => [{ labels: { endpoint: m.endpoint }, value: m.counts.connections }],
  },
  {
    name: 'iso8583_inbound_connections_total',
    help: 'Inbound connections accepted.',
    type: 'counter',
    read: (m) => [{ labels: { endpoint: m.endpoint }, value: m.counts.totalConnections }],
  },
  {
    name: 'iso8583_inbound_in_flight',
    help: 'Inbound messages being handled now.',
    type: 'gauge',
    read: (m) => [{ labels: { endpoint: m.endpoint }, value: m.counts.inFlight }],
  },
  {
    name: 'iso8583_inbound_dropped_total',
    help: 'Inbound frames read and never started (no sequence, no reply): read after their connection began closing, or waiting when it closed.',
    type: 'counter',
    read: (m) => [{ labels: { endpoint: m.endpoint }, value: m.counts.dropped }],
  },
  {
    name: 'iso8583_inbound_messages_total',
    help: 'Inbound messages received, by MTI.',
    type: 'counter',
    read: (m) => Object.entries(m.counts.byMti).map(([mti, value]) => ({ labels: { endpoint: m.endpoint, mti }, value })),
  },
  {
    name: 'iso8583_inbound_replies_total',
    help: 'Replies accepted for writing, by MTI and response code (field 39); one a destroy cut before it left is also in errors_total (ISO8583_ERR_INBOUND_CLIENT_GONE).',
    type: 'counter',
    read: (m) => byReply(m.endpoint, m.replies),
  },
  {
    name: 'iso8583_inbound_replies_cut_total',
    help: 'Of replies_total, those cut by their connection\'s destroy before they left (also in errors_total as ISO8583_ERR_INBOUND_CLIENT_GONE): replies_total less these reached the socket.',
    type: 'counter',
    read: (m) => byReply(m.endpoint, m.cut),
  },
  {
    name: 'iso8583_inbound_errors_total',
    help: 'Inbound errors, by code.',
    type: 'counter',
    read: (m) => Object.entries(m.counts.errorsByCode).map(([code, value]) => ({ labels: { endpoint: m.endpoint, code }, value })),
  },
  {
    name: 'iso8583_inbound_tls_cert_expiry_seconds',
    help: 'When the certificate a TLS endpoint serves expires (the earliest of its chain), in seconds since the epoch; read once at start (a new certificate needs a restart). None without TLS.',
    type: 'gauge',
    read: (m) => (m.certificateExpiry === undefined ? [] : [{ labels: { endpoint: m.endpoint }, value: m.certificateExpiry }]),
  },
  {
    name: 'iso8583_inbound_sequence_seconds',
    help: 'Time from a message decoded to its reply ready (the sequence, and onError when called).',
    type: 'histogram',
    read: (m, name) => histogramSamples([], name, LATENCY_BUCKETS, m.latencyBuckets, m.latencySum, m.latencyCount, { endpoint: m.endpoint }),
  },
];

/**
 * The endpoint's counters: a plain {@link InboundStats}, exposed to prom-client as the `iso8583_inbound_*` metrics
 * (label `endpoint` on each, so several endpoints may share one Registry). Labels are MTIs, response codes and error
 * codes: never card data.
 */
export class InboundMetrics {
  #registry: Registry | undefined;
  /** Closed, its series kept for what the sequences given up on count (`retire`). */
  #retiring = false;
  /** Retiring, what it waits for has settled: the next scrape is its last. */
  #lastRead = false;
  #releaseQueued = false;
  #retireTimer: NodeJS.Timeout | undefined;
  readonly counts: InboundStats = {
    connections: 0,
    totalConnections: 0,
    messages: 0,
    replies: 0,
    inFlight: 0,
    dropped: 0,
    errorsByCode: {},
    byMti: {},
    /** Left empty here: {@link InboundMetrics.snapshot} sums it from {@link InboundMetrics.replies}. */
    byResponseCode: {},
  };
  /** Replies accepted for writing by MTI and response code (`mti \0 code`): the counter, only ever going up. */
  readonly replies = new Map<string, number>();
  /**
   * Of {@link InboundMetrics.replies}, those cut before they left ({@link InboundMetrics.unsent}): not in `stats()`;
   * the `iso8583_inbound_replies_cut_total` counter.
   */
  readonly cut = new Map<string, number>();
  /** Sequence latency observations per bucket of {@link LATENCY_BUCKETS} (not cumulative; +Inf is the rest). */
  readonly latencyBuckets = new Float64Array(LATENCY_BUCKETS.length);
  latencySum = 0;
  latencyCount = 0;
  /** When the served TLS certificate expires, seconds since the epoch (set at start); undefined without TLS. */
  certificateExpiry: number | undefined;

  /**
   * Throws `ISO8583_ERR_INBOUND_OPTIONS` (field `registry`) when the registry holds another metric of the same name,
   * and (field `name`) when it already holds an endpoint named `endpoint`: the two would write the same series.
   */
  constructor(readonly endpoint: string, registry?: Registry) {
    if (registry !== undefined) this.register(registry);
  }

  /**
   * The Registry holding the metrics: the one given, else the endpoint's own, made when first asked for (prom-client
   * loads then). The metrics read the counts when scraped, so the counts made before are all in it.
   */
  get registry(): Registry {
    return this.#registry ?? this.register(new (promClient().Registry)());
  }

  /** Registers the metrics in `registry` (see the constructor for what is refused) and returns it. */
  private register(registry: Registry): Registry {
    this.#registry = registry;
    const held = registry.getSingleMetric(DEFINITIONS[0]!.name) as unknown;
    const named = held instanceof ScrapedMetric ? [...(held as ScrapedMetric<InboundMetrics>).sources].find((s) => s.endpoint === this.endpoint) : undefined;
    // A closed endpoint's series kept for its late counts (`retire`): the new endpoint of its name takes them over.
    if (named?.retiring === true) named.release();
    else if (named !== undefined) {
      const reason = `the registry already holds an inbound endpoint named "${this.endpoint}" (give each endpoint its own name)`;
      throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `invalid inbound options: ${reason}`, {
        field: 'name',
        problems: [{ field: 'name', code: 'ISO8583_ERR_INBOUND_OPTIONS', reason }],
      });
    }
    for (const definition of DEFINITIONS) {
      const existing = registry.getSingleMetric(definition.name) as unknown;
      let metric: ScrapedMetric<InboundMetrics>;
      if (existing instanceof ScrapedMetric) metric = existing as ScrapedMetric<InboundMetrics>;
      else {
        metric = new ScrapedMetric(definition.name, definition.help, definition.type, (m: InboundMetrics, name) => {
          m.#scraped();
          return definition.read(m, name);
        });
        if (existing !== undefined) {
          throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `invalid inbound options: registry already holds another metric named ${definition.name}`, {
            field: 'registry',
            problems: [{ field: 'registry', code: 'ISO8583_ERR_INBOUND_OPTIONS', reason: `holds another metric named ${definition.name}` }],
          });
        }
        registry.registerMetric(metric as unknown as Metric);
      }
      metric.sources.add(this);
    }
    return registry;
  }

  /**
   * Takes the endpoint off its Registry (on close): its series are no longer shown and its name may be given to another
   * endpoint on the same Registry. Counting after it is harmless (the counts stay in `stats()`). Safe to call twice.
   */
  release(): void {
    this.#retiring = false;
    clearTimeout(this.#retireTimer);
    const registry = this.#registry;
    if (registry === undefined) return;
    for (const definition of DEFINITIONS) {
      const held = registry.getSingleMetric(definition.name) as unknown;
      if (held instanceof ScrapedMetric) (held as ScrapedMetric<InboundMetrics>).sources.delete(this);
    }
  }

  /** Closed, its series kept until {@link InboundMetrics.retire} releases them; another endpoint may take its name. */
  get retiring(): boolean {
    return this.#retiring;
  }

  /**
   * Takes the endpoint off its Registry once the sequences its close gave up on have settled (`settled`; or `boundMs`
   * passed: one that never settles) and a scrape has read what they counted after the close (a client-gone approval,
   * a late reply): released on the next scrape, or `boundMs` later if none comes. Released at once before, their
   * counts landed on series no scrape would read. Meanwhile an endpoint of the same name may register (it takes over).
   */
  retire(settled: Promise<void>, boundMs: number): void {
    this.#retiring = true;
    const last = (): void => {
      if (!this.#retiring || this.#lastRead) return;
      this.#lastRead = true;
      this.#bound(boundMs);
    };
    this.#bound(boundMs, last);
    void settled.then(last);
  }

  /** Arms the retirement's one timer: `then` (by default the release) after `ms`, not holding the process open. */
  #bound(ms: number, then: () => void = () => this.release()): void {
    clearTimeout(this.#retireTimer);
    this.#retireTimer = setTimeout(then, ms);
    this.#retireTimer.unref();
  }

  /** A scrape reads the series: the last one of a retiring endpoint's is released once the scrape has ended. */
  #scraped(): void {
    if (!this.#lastRead || !this.#retiring || this.#releaseQueued) return;
    this.#releaseQueued = true;
    setImmediate(() => {
      this.#releaseQueued = false;
      if (this.#retiring) this.release();
    });
  }

  connectionOpened(): void {
    this.counts.connections++;
    this.counts.totalConnections++;
  }

  connectionClosed(): void {
    this.counts.connections--;
  }

  message(mti: string): void {
    this.counts.messages++;
    this.counts.byMti[mti] = (this.counts.byMti[mti] ?? 0) + 1;
  }

  inFlight(delta: number): void {
    this.counts.inFlight += delta;
  }

  /** `n` frames read and never started (see {@link InboundStats.dropped}). */
  dropped(n: number): void {
    this.counts.dropped += n;
  }

  reply(mti: string, responseCode: string): void {
    // One map update per reply: keyed by fresh strings (a reply read from XML), a record's keys would each be
    // looked up in the string table; `byResponseCode` is summed from this map when the counts are read.
    this.counts.replies++;
    const key = `${mti}\u0000${responseCode}`;
    this.replies.set(key, (this.replies.get(key) ?? 0) + 1);
  }

  /**
   * A reply counted by {@link InboundMetrics.reply} when it was accepted for writing that never left (the connection
   * was destroyed with it still in the socket: undelivered.ts `droppedLater`): taken off `stats()` (`replies`,
   * `byResponseCode`) only. The `iso8583_inbound_replies_total` counter keeps it (a Prometheus counter never goes
   * down: a drop reads as a reset); the caller counts it in `errors_total` as `ISO8583_ERR_INBOUND_CLIENT_GONE`.
   */
  unsent(mti: string, responseCode: string): void {
    const key = `${mti}\u0000${responseCode}`;
    const counted = this.replies.get(key) ?? 0;
    const cut = this.cut.get(key) ?? 0;
    if (cut >= counted) return;
    this.counts.replies--;
    this.cut.set(key, cut + 1);
  }

  error(code: string): void {
    this.counts.errorsByCode[code] = (this.counts.errorsByCode[code] ?? 0) + 1;
  }

  sequenceLatency(seconds: number): void {
    this.latencySum += seconds;
    this.latencyCount++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        this.latencyBuckets[i]!++;
        return;
      }
    }
  }

  /** A copy of the counts. */
  /** Replies by response code, summed over MTIs. */
  private byResponseCode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, value] of this.replies) {
      const sent = value - (this.cut.get(key) ?? 0);
      if (sent === 0) continue;
      const rc = key.slice(key.indexOf('\u0000') + 1);
      out[rc] = (out[rc] ?? 0) + sent;
    }
    return out;
  }

  snapshot(): InboundStats {
    return {
      ...this.counts,
      errorsByCode: { ...this.counts.errorsByCode },
      byMti: { ...this.counts.byMti },
      byResponseCode: this.byResponseCode(),
    };
  }
}
