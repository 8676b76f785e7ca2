/**
 * The options, stats and events of an upstream group (upstream-group.ts): what a caller gives and gets back.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ConnectorStats } from './accounting.js';
import type { Connector } from './connector.js';
import type { ConnectorOptions } from './options.js';
import type { RouteRule } from './routing.js';

/** How a group picks among its healthy upstreams: `failover` (the first in order) or `round-robin`. */
export type UpstreamStrategy = 'failover' | 'round-robin';

/** The options of an upstream group. */
export interface UpstreamGroupOptions {
  /**
   * The upstreams, in order (the order of `failover`): connector options (each with a distinct `name`) or connectors
   * already made. Required, at least one.
   */
  upstreams: readonly (ConnectorOptions | Connector | NamedConnector)[];
  /** `failover` or `round-robin`. Default: `failover`. */
  strategy?: UpstreamStrategy;
  /** Routing rules ({@link RouteRule}); a request no rule matches goes by the strategy. Default: none. */
  routes?: readonly RouteRule[];
  /** The prom-client Registry of the group's own metrics (label `upstream`). Default: a new Registry. */
  registry?: Registry;
  /** A pino logger (upstream up and down are logged). Default: silent. */
  logger?: Logger;
  /**
   * How many originals (field 11 + 41) the group remembers, in memory, to send their reversals, advices, repeats and
   * retransmissions to the same upstream, the least recently sent forgotten first (an original sent again moves up).
   * One it does not remember (a restart, another node, older) is looked for, for a reversal, an advice or a repeat, in
   * the shared PostgreSQL store of its upstreams' journals when there is one (any node's originals, until `purgeAfter`
   * after their end; asked only when every upstream journaling in PostgreSQL does so in the same database: the same
   * `url`, or the same `pool`); not found, a reversal or advice goes by the routes, else an advice to the first
   * upstream (never to another bank by the strategy), a reversal to each upstream in turn while it answers "original
   * not found" (25), but a reversal sent with `saf: true` to the first upstream only (its queue keeps it: no turn), and
   * a repeat by the strategy. Default: 100000.
   */
  maxOriginals?: number;
}

/** A connector already made, under the upstream name the group gives it (default: the connector's own name). */
export interface NamedConnector {
  /** The upstream's name in the group. */
  name: string;
  /** The connector. */
  connector: Connector;
}

/** An upstream's state in `UpstreamGroup.stats`: `up`, `connecting` (its first connect attempt running) or `down`. */
export type UpstreamState = 'up' | 'connecting' | 'down';

/** One upstream's state and counters in `UpstreamGroup.stats`. */
export interface UpstreamStats extends ConnectorStats {
  /**
   * `up` (a connection signed on), `connecting` (no connection yet, its first connect attempt not ended: a request
   * routed to it waits for that attempt; not healthy) or `down` (a request routed to it is refused at once).
   */
  state: UpstreamState;
  /** Requests routed to it while it was down (refused). */
  unavailable: number;
  /** Times it went down. */
  downs: number;
}

/** The events of an `UpstreamGroup`. */
export interface UpstreamGroupEvents {
  /** An upstream became healthy. */
  up: [info: { upstream: string }];
  /** An upstream went down (its last connection closed; `code` is why, when it failed). */
  down: [info: { upstream: string; code: string | undefined }];
}
