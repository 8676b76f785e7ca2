/**
 * The console's live figures: once a second, a snapshot of the connectors (rate, outcomes by response code,
 * connections, reversals pending, SAF depth when the stats carry it), the upstreams of a group, the inbound
 * endpoints' client connections, and the latency percentiles of the transactions seen since the last tick. The last
 * minutes of snapshots are kept, so a page that opens draws its charts at once.
 */
import type { Connector, UpstreamGroup } from '@iso8583/connector';
import type { InboundEndpoint } from '@iso8583/inbound';
import { quantile } from './recent.js';
import type { TransactionRing } from './recent.js';

/** What the figures are read from (functions: the parts are made after the HTTP app). */
export interface FigureSource {
  /** The connectors, by name. */
  connectors(): Record<string, Connector>;
  /** The upstream groups (each upstream's `up`/`connecting`/`down` state). Default: none. */
  groups?(): UpstreamGroup[];
  /** The inbound endpoints (client connections), by name. Default: none. */
  endpoints?(): Record<string, Pick<InboundEndpoint, 'stats'>>;
  /**
   * The answers the server gave its clients itself, by response code (field 39): the gateway's, when the upstream
   * could not answer (no link, a timeout, a duplicate). Default: none (the snapshot carries no `ownAnswers`).
   */
  ownAnswers?(): Readonly<Record<string, number>>;
  /**
   * Approvals a client never got that were NOT reversed since the start (their reversal could be neither stored nor
   * sent, was sent without SAF and not accepted by the host, or could not be built: the undelivered-approval book's
   * `notReversed`; those not reversed because reversal is off are counted only in
   * `iso8583_gateway_undelivered_approvals_total`, outcome `reversal-off`): money the cardholder lost that the host
   * kept. Default: none (the snapshot carries no `undeliveredNotReversed`).
   */
  undeliveredNotReversed?(): number;
}

/** One connector's line in a snapshot. */
export interface ConnectorFigures {
  /** Connections signed on, ready to carry requests (the connector's `stats().connected`). */
  connected: number;
  /** Requests written and awaiting their response, with the connector's own sign-ons and echoes in flight. */
  inFlight: number;
  /** Requests waiting for a connection or a terminal's turn. */
  pending: number;
  /** Reversals journaled and not yet answered. */
  reversalsPending: number;
  /** Store-and-forward entries waiting, when the connector's stats carry it. */
  safDepth?: number;
  /** The SAF entries waiting held in memory only (the file journal's records lost: `stats().safNotDurable`), when above 0. */
  safNotDurable?: number;
  /** The SAF entries ended in memory whose end the file journal refused (`stats().safUnrecorded`), when above 0. */
  safUnrecorded?: number;
  /** Why the connector's SAF journal stopped for good (`journalHalted()`), when it did. */
  journalHalted?: { reason: string; recordsLost: boolean };
  /**
   * `up`, `connecting` (its first connect attempt running) or `down`, for an upstream of a group: its own link's,
   * matched by connector (not by name).
   */
  state?: string;
}

/** One tick of the figures. */
export interface Snapshot {
  /** When (ms since the epoch). */
  t: number;
  /** Outcomes (responses, timeouts, errors) per second since the last tick. */
  rate: number;
  /** Latency percentiles (ms) of the transactions of this tick; `null` when there were none. */
  p50: number | null;
  /** 95th percentile (ms). */
  p95: number | null;
  /** 99th percentile (ms). */
  p99: number | null;
  /**
   * Totals since the start: requests, responses, timeouts, errors; a request of an upstream group counted once however
   * many upstreams it was tried on (`UpstreamGroup.supersededTries`), by the outcome its caller got.
   */
  totals: { requests: number; responses: number; timeouts: number; errors: number };
  /** Responses by response code (field 39) since the start, all connectors together. */
  byResponseCode: Record<string, number>;
  /**
   * Answers the server gave its clients itself since the start, by response code (not in `byResponseCode`: no
   * upstream answered them), when the source counts them.
   */
  ownAnswers?: Record<string, number>;
  /** Each connector (each upstream, in a group). */
  connectors: Record<string, ConnectorFigures>;
  /** Client connections open now, by inbound endpoint. */
  clients: Record<string, number>;
  /** Reversals pending, all connectors together. */
  reversalsPending: number;
  /** SAF depth, all connectors together, when any connector's stats carry it. */
  safDepth?: number;
  /**
   * SAF entries abandoned (given up after their last attempt: money the host may not know of) since the start, all
   * connectors together, when any connector's stats carry `safAbandoned`.
   */
  safAbandoned?: number;
  /** SAF entries expired (given up after `saf.expireAfter`) since the start, all connectors together, when carried. */
  safExpired?: number;
  /**
   * SAF entries given up since the start (expired and abandoned together: reversals the host may never have got),
   * when any connector's stats carry them. The page's tile turns red above 0.
   */
  safGivenUp?: number;
  /**
   * The connectors whose SAF journal stopped for good (`journalHalted()`), with the entries held in memory only
   * (`safNotDurable`) and ended in memory but not recorded (`safUnrecorded`), all connectors together; present when
   * any journal stopped or either count is above 0. The page shows a red banner.
   */
  journalStopped?: { connectors: string[]; notDurable: number; unrecorded: number };
  /** Approvals a client never got that were not reversed since the start, when the source counts them (red above 0). */
  undeliveredNotReversed?: number;
}

/** A count a connector's stats carry under `key`, when they do. */
function countOf(stats: unknown, key: string): number | undefined {
  const v = (stats as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

/** The SAF depth a connector's stats carry, under whichever name they give it. */
function safDepthOf(stats: Record<string, unknown>): number | undefined {
  for (const key of ['safDepth', 'safPending', 'saf']) {
    const v = stats[key];
    if (typeof v === 'number') return v;
    if (v !== null && typeof v === 'object' && typeof (v as { depth?: unknown }).depth === 'number') return (v as { depth: number }).depth;
  }
  return undefined;
}

/**
 * The `up`/`connecting`/`down` state of each upstream of `groups`, by its connector, not by its name: two groups may
 * each have an upstream of one name (two links, each its own state). A connector that two groups hold is `down` when
 * either says so.
 */
function upstreamStates(groups: readonly UpstreamGroup[]): Map<Connector, string> {
  const states = new Map<Connector, string>();
  for (const group of groups) {
    const stats = group.stats();
    for (const [name, connector] of group.connectors) {
      const state = stats[name]?.state;
      if (state !== undefined && states.get(connector) !== 'down') states.set(connector, state);
    }
  }
  return states;
}

/** Keeps the snapshots of the last `keep` ticks and makes a new one each `interval` ms. */
export class Figures {
  private readonly history: Snapshot[] = [];
  private last: { t: number; outcomes: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(s: Snapshot) => void>();

  /** `keep`: how many snapshots are kept (default 300: five minutes at one a second). */
  constructor(
    private readonly source: FigureSource,
    private readonly ring: TransactionRing,
    private readonly keep = 300,
  ) {}

  /** Starts ticking every `interval` ms (the timer does not hold the process open). */
  start(interval = 1000): void {
    if (this.timer !== undefined) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  /** Stops ticking. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The snapshots kept, oldest first. */
  all(): Snapshot[] {
    return [...this.history];
  }

  /** The newest snapshot kept (`undefined` before the first tick): a new one each tick. */
  latest(): Snapshot | undefined {
    return this.history[this.history.length - 1];
  }

  /** Calls `listener` with every new snapshot; returns the function that stops it. */
  subscribe(listener: (s: Snapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes a snapshot now (and hands it to the subscribers). */
  tick(): Snapshot {
    const snap = this.read();
    this.history.push(snap);
    if (this.history.length > this.keep) this.history.shift();
    for (const l of this.listeners) l(snap);
    return snap;
  }

  private read(): Snapshot {
    const t = Date.now();
    const connectors: Record<string, ConnectorFigures> = {};
    const totals = { requests: 0, responses: 0, timeouts: 0, errors: 0 };
    const byResponseCode: Record<string, number> = {};
    let reversalsPending = 0;
    let safDepth: number | undefined;
    let safAbandoned: number | undefined;
    let safExpired: number | undefined;
    const stopped = { connectors: [] as string[], notDurable: 0, unrecorded: 0 };
    const groups = this.source.groups?.() ?? [];
    const states = upstreamStates(groups);
    for (const [name, connector] of Object.entries(this.source.connectors())) {
      const s = connector.stats();
      totals.requests += s.requests;
      totals.responses += s.responses;
      totals.timeouts += s.timeouts;
      totals.errors += s.errors;
      for (const [rc, n] of Object.entries(s.byResponseCode)) byResponseCode[rc] = (byResponseCode[rc] ?? 0) + n;
      reversalsPending += s.reversalsPending;
      const line: ConnectorFigures = { connected: s.connected, inFlight: s.inFlight, pending: s.pending, reversalsPending: s.reversalsPending };
      const saf = safDepthOf(s as unknown as Record<string, unknown>);
      if (saf !== undefined) {
        line.safDepth = saf;
        safDepth = (safDepth ?? 0) + saf;
      }
      const abandoned = countOf(s, 'safAbandoned');
      if (abandoned !== undefined) safAbandoned = (safAbandoned ?? 0) + abandoned;
      const expired = countOf(s, 'safExpired');
      if (expired !== undefined) safExpired = (safExpired ?? 0) + expired;
      const notDurable = countOf(s, 'safNotDurable') ?? 0;
      const unrecorded = countOf(s, 'safUnrecorded') ?? 0;
      if (notDurable > 0) line.safNotDurable = notDurable;
      if (unrecorded > 0) line.safUnrecorded = unrecorded;
      const halt = typeof connector.journalHalted === 'function' ? connector.journalHalted() : undefined;
      if (halt !== undefined) line.journalHalted = { reason: halt.reason, recordsLost: halt.recordsLost };
      if (halt !== undefined || notDurable > 0 || unrecorded > 0) stopped.connectors.push(name);
      stopped.notDurable += notDurable;
      stopped.unrecorded += unrecorded;
      const state = states.get(connector);
      if (state !== undefined) line.state = state;
      connectors[name] = line;
    }
    // A group's request tried on several upstreams is counted by each (a request and an error per try): the tries
    // whose outcome its caller did not get are taken off, so each request counts once, by its outcome.
    for (const group of groups) {
      const x = group.supersededTries();
      totals.requests -= x.requests;
      totals.timeouts -= x.timeouts;
      totals.errors -= x.errors;
    }
    const clients: Record<string, number> = {};
    for (const [name, endpoint] of Object.entries(this.source.endpoints?.() ?? {})) clients[name] = endpoint.stats().connections;
    const outcomes = totals.responses + totals.timeouts + totals.errors;
    const seconds = this.last === undefined ? 0 : (t - this.last.t) / 1000;
    const rate = seconds > 0 && this.last !== undefined ? Math.max(0, (outcomes - this.last.outcomes) / seconds) : 0;
    this.last = { t, outcomes };
    // A typed array sorts numerically without a comparator call per comparison (a second's latencies at 20k/s are
    // 20,000 samples: the comparator cost about 5 ms a tick).
    const sorted = Float64Array.from(this.ring.takeLatencies()).sort();
    const round = (v: number | undefined): number | null => (v === undefined ? null : Math.round(v * 100) / 100);
    const snap: Snapshot = {
      t,
      rate: Math.round(rate * 10) / 10,
      p50: round(quantile(sorted, 0.5)),
      p95: round(quantile(sorted, 0.95)),
      p99: round(quantile(sorted, 0.99)),
      totals,
      byResponseCode,
      connectors,
      clients,
      reversalsPending,
    };
    if (safDepth !== undefined) snap.safDepth = safDepth;
    if (safAbandoned !== undefined) snap.safAbandoned = safAbandoned;
    if (safExpired !== undefined) snap.safExpired = safExpired;
    if (safAbandoned !== undefined || safExpired !== undefined) snap.safGivenUp = (safAbandoned ?? 0) + (safExpired ?? 0);
    if (stopped.connectors.length > 0) snap.journalStopped = stopped;
    const notReversed = this.source.undeliveredNotReversed?.();
    if (notReversed !== undefined) snap.undeliveredNotReversed = notReversed;
    const own = this.source.ownAnswers?.();
    if (own !== undefined) snap.ownAnswers = { ...own };
    return snap;
  }
}
