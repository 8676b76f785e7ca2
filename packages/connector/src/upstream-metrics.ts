/**
 * The prom-client metrics of an upstream group, one series per upstream (label `upstream`): whether it is up, its
 * requests in flight, its SAF depth, its outcomes, how often it went down, and the requests routed to it while it was
 * down. Several groups may share one Registry (a flow with several groups): the metrics are made once per Registry and every
 * group's upstreams are series of them. prom-client loads when a group is made (promClient), not with the import.
 */
import type { Counter, Registry } from 'prom-client';
import { CounterFamily, promClient } from '@iso8583/metrics';
import type { CounterSeries } from '@iso8583/metrics';

/** How a request settled on an upstream (the `outcome` label of `iso8583_upstream_requests_total`). */
export type UpstreamOutcome = 'answered' | 'timeout' | 'failed';

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
  outcomes: CounterFamily;
  downs: Counter<'upstream'>;
  unavailable: Counter<'upstream'>;
}

const shared = new WeakMap<Registry, Shared>();

function makeShared(registry: Registry): Shared {
  const sources: UpstreamSource[] = [];
  const registers = [registry];
  new (promClient().Gauge)({
    name: 'iso8583_upstream_up',
    help: 'Whether the upstream is healthy (a connection up and signed on): 1 or 0.',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const s of sources) this.set({ upstream: s.name }, s.up() ? 1 : 0);
    },
  });
  new (promClient().Gauge)({
    name: 'iso8583_upstream_in_flight',
    help: 'Requests the group has handed to the upstream and not yet settled.',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const s of sources) this.set({ upstream: s.name }, s.inFlight());
    },
  });
  new (promClient().Gauge)({
    name: 'iso8583_upstream_saf_depth',
    help: 'Entries waiting in the upstream\'s store-and-forward queue (reversals and advices journaled, not yet ended).',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const s of sources) this.set({ upstream: s.name }, s.safDepth());
    },
  });
  return {
    sources,
    // Counted on every request: in plain numbers (@iso8583/metrics).
    outcomes: new CounterFamily(
      'iso8583_upstream_requests_total',
      'Requests settled by the upstream: answered, timeout, or failed (any other error).',
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
    metrics.sources.push(...sources);
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

  /** `upstream` went down. */
  down(upstream: string): void {
    this.downs.inc({ upstream });
  }

  /** A request was routed to `upstream` while it was down. */
  refused(upstream: string): void {
    this.unavailable.inc({ upstream });
  }
}
