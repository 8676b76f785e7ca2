/**
 * The prom-client metrics of an upstream group, one series per upstream (label `upstream`): whether it is up, its
 * requests in flight, its SAF depth, its outcomes, how often it went down, and the requests routed to it while it was
 * down. Several groups may share one Registry (a flow with several groups): the metrics are made once per Registry and every
 * group's upstreams are series of them. One connector in several groups (a flow allows it) is one upstream, as long as
 * it has the same name in each: its in-flight is the sum of the groups' requests handed to it, its down is counted
 * once per outage (each group's link reports it), its up and SAF depth are the connector's. A group closed is released
 * ({@link UpstreamMetrics.release}): its upstreams no longer reported by another group leave the Registry.
 * prom-client loads when a group is made (promClient), not with the import.
 */
import type { Counter, Registry } from 'prom-client';
import { CounterFamily, promClient } from '@iso8583/metrics';
import type { CounterSeries } from '@iso8583/metrics';
import { REFUSED_FOR_ITSELF } from './upstream-group-failover.js';

/** How a request settled on an upstream (the `outcome` label of `iso8583_upstream_requests_total`). */
export type UpstreamOutcome = 'answered' | 'timeout' | 'failed';

/**
 * The outcome on its upstream of a try that failed with `err`: `timeout`, `failed` (any other error, a connection that
 * could not be had included), or `undefined` (not counted) for a request refused before the wire for itself: one the
 * codec cannot pack (an unknown field, a bad value: a code not the connector's), or a connector refusal of
 * {@link REFUSED_FOR_ITSELF} (upstream-group-failover.ts: a caller gone included). Such a request never reached the upstream: counted there, bad clients would make it look
 * failing (`iso8583_connector_failures_total` counts it by code).
 */
export function failedOutcome(err: { code?: unknown; sent?: unknown } | undefined): UpstreamOutcome | undefined {
  const code = String(err?.code ?? '');
  if (code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') return 'timeout';
  if (err?.sent === 'maybe') return 'failed';
  const refused = code.startsWith('ISO8583_ERR_') && (!code.startsWith('ISO8583_ERR_CONNECTOR_') || REFUSED_FOR_ITSELF.has(code));
  return refused ? undefined : 'failed';
}

/** The live values of one upstream, read when the registry is scraped. */
export interface UpstreamSource {
  name: string;
  up(): boolean;
  inFlight(): number;
  /** Entries waiting in the upstream's SAF queue. */
  safDepth(): number;
}

/** The metrics made once per Registry, and the upstreams of every group that reports to them. */
interface Shared {
  sources: UpstreamSource[];
  gauges: { remove(labels: { upstream: string }): void }[];
  outcomes: CounterFamily;
  downs: Counter<'upstream'>;
  unavailable: Counter<'upstream'>;
  /** By upstream name: the groups that reported its current outage (the first one counted it). */
  outage: Map<string, Set<UpstreamMetrics>>;
}

/** One value per upstream name from the sources of that name (the same connector in several groups). */
function byName(sources: readonly UpstreamSource[], read: (s: UpstreamSource) => number, combine: (a: number, b: number) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sources) {
    const was = out.get(s.name);
    out.set(s.name, was === undefined ? read(s) : combine(was, read(s)));
  }
  return out;
}

const shared = new WeakMap<Registry, Shared>();

function makeShared(registry: Registry): Shared {
  const sources: UpstreamSource[] = [];
  const registers = [registry];
  const up = new (promClient().Gauge)({
    name: 'iso8583_upstream_up',
    help: 'Whether the upstream is healthy (a connection up and signed on): 1 or 0.',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const [upstream, v] of byName(sources, (s) => (s.up() ? 1 : 0), Math.max)) this.set({ upstream }, v);
    },
  });
  const inFlight = new (promClient().Gauge)({
    name: 'iso8583_upstream_in_flight',
    help: 'Requests the group has handed to the upstream and not yet settled.',
    labelNames: ['upstream'],
    registers,
    collect() {
      // Each group counts the requests it handed to the upstream: one connector in two groups carries both.
      for (const [upstream, v] of byName(sources, (s) => s.inFlight(), (a, b) => a + b)) this.set({ upstream }, v);
    },
  });
  const safDepth = new (promClient().Gauge)({
    name: 'iso8583_upstream_saf_depth',
    help: 'Entries waiting in the upstream\'s store-and-forward queue (reversals and advices journaled, not yet ended).',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const [upstream, v] of byName(sources, (s) => s.safDepth(), Math.max)) this.set({ upstream }, v);
    },
  });
  return {
    sources,
    gauges: [up, inFlight, safDepth],
    outage: new Map(),
    // Counted on every request: in plain numbers (@iso8583/metrics).
    outcomes: new CounterFamily(
      'iso8583_upstream_requests_total',
      'Requests settled by the upstream: answered, timeout, or failed (any other error, no connection included); a request refused before the wire for itself (the codec, bad input, a duplicate key) is not counted.',
      ['upstream', 'outcome'],
      registry,
    ),
    downs: new (promClient().Counter)({
      name: 'iso8583_upstream_down_total',
      help: 'Times the upstream went down (its last connection closed); it comes back when it reconnects.',
      labelNames: ['upstream'],
      registers,
    }),
    unavailable: new (promClient().Counter)({
      name: 'iso8583_upstream_unavailable_total',
      help: 'Requests a routing rule sent to the upstream while it was down (refused with ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN).',
      labelNames: ['upstream'],
      registers,
    }),
  };
}

/** The group's metrics. */
export class UpstreamMetrics {
  readonly registry: Registry;
  readonly #shared: Shared;
  readonly #sources: readonly UpstreamSource[];
  private readonly outcomes: CounterFamily;
  private readonly downs: Counter<'upstream'>;
  private readonly unavailable: Counter<'upstream'>;
  /** The outcome series by upstream. */
  private readonly outcomeSeries = new Map<string, Record<UpstreamOutcome, CounterSeries>>();

  constructor(sources: readonly UpstreamSource[], registry?: Registry) {
    this.registry = registry ?? new (promClient().Registry)();
    let metrics = shared.get(this.registry);
    if (metrics === undefined) {
      metrics = makeShared(this.registry);
      shared.set(this.registry, metrics);
    }
    this.#shared = metrics;
    this.#sources = [...sources];
    metrics.sources.push(...this.#sources);
    this.outcomes = metrics.outcomes;
    this.downs = metrics.downs;
    this.unavailable = metrics.unavailable;
    for (const s of sources) {
      this.outcomeSeries.set(s.name, {
        answered: this.outcomes.of(s.name, 'answered'),
        timeout: this.outcomes.of(s.name, 'timeout'),
        failed: this.outcomes.of(s.name, 'failed'),
      });
      this.downs.inc({ upstream: s.name }, 0);
      this.unavailable.inc({ upstream: s.name }, 0);
    }
  }

  /** A request settled on `upstream`. */
  settled(upstream: string, outcome: UpstreamOutcome): void {
    this.outcomeSeries.get(upstream)?.[outcome].inc();
  }

  /**
   * `upstream` went down. Counted once per outage when the same upstream (connector) is in several groups on the
   * Registry: a group's report counts unless another group already reported this outage (a group reporting again is a
   * new outage: its link came up in between).
   */
  down(upstream: string): void {
    const reported = this.#shared.outage.get(upstream);
    if (reported !== undefined && !reported.has(this)) {
      reported.add(this);
      return;
    }
    this.#shared.outage.set(upstream, new Set([this]));
    this.downs.inc({ upstream });
  }

  /**
   * Takes the group's upstreams off the Registry (on close or destroy): each one no other group on the Registry reports
   * leaves it (its series removed), so groups made and closed one after the other leave nothing behind. Safe to call twice.
   */
  release(): void {
    const shared = this.#shared;
    const mine = new Set(this.#sources);
    if (!shared.sources.some((s) => mine.has(s))) return;
    // In place: the gauges read this very array.
    for (let i = shared.sources.length - 1; i >= 0; i--) if (mine.has(shared.sources[i] as UpstreamSource)) shared.sources.splice(i, 1);
    for (const reported of shared.outage.values()) reported.delete(this);
    for (const { name } of this.#sources) {
      if (shared.sources.some((s) => s.name === name)) continue;
      for (const gauge of shared.gauges) gauge.remove({ upstream: name });
      shared.outcomes.drop(name);
      this.downs.remove({ upstream: name });
      this.unavailable.remove({ upstream: name });
      shared.outage.delete(name);
    }
  }

  /** A request was routed to `upstream` while it was down. */
  refused(upstream: string): void {
    this.unavailable.inc({ upstream });
  }
}
