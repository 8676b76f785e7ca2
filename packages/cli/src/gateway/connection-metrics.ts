/**
 * The gateway's figures of its capped ports (http/connection-cap.ts): the HTTP port, the `--metrics` port and the stats
 * port, each with its connections held now, closed to make room for new ones (`evicted`), refused at the cap
 * (`refused`) and refused at their address's share (`refusedFromAddress`). In `GET /stats`
 * under `connections` (since the start: SIGHUP does not reset them, as the transaction log's), and in `GET /metrics` as
 * `iso8583_gateway_connections` and `iso8583_gateway_connections_shed_total`.
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ConnectionCap } from '../http/connection-cap.js';

/** The caps of the gateway's ports, by port name; a port not listening has none. */
export interface PortCaps {
  /** The HTTP port (`--http`); none with HTTP off (`--no-http`). */
  http?: ConnectionCap | undefined;
  /** The `--metrics` port. */
  metrics?: ConnectionCap;
  /** The `--stats-port`. */
  statsPort?: ConnectionCap;
}

/** What a capped port did, as {@link connectionFigures} shows it. */
export interface PortFigures {
  /** Connections held now. */
  held: number;
  /** Closed to make room for a new one. */
  evicted: number;
  /** Refused at the port's cap. */
  refused: number;
  /** Refused at their address's share of the port. */
  refusedFromAddress: number;
}

/** The figures of each port of `caps` by port name. */
export function connectionFigures(caps: PortCaps): Record<string, PortFigures> {
  const out: Record<string, PortFigures> = {};
  for (const [port, cap] of Object.entries(caps) as [string, ConnectionCap | undefined][]) {
    if (cap !== undefined) out[port] = { held: cap.held, evicted: cap.evicted, refused: cap.refused, refusedFromAddress: cap.refusedFromAddress };
  }
  return out;
}

/** Registers the figures of `caps` (read at each scrape) in `registry`. */
export function countConnections(registry: Registry, caps: PortCaps): void {
  new Gauge({
    name: 'iso8583_gateway_connections',
    help: 'Connections each capped port of the gateway holds now (http, metrics, statsPort).',
    labelNames: ['port'],
    registers: [registry],
    collect() {
      for (const [port, figures] of Object.entries(connectionFigures(caps))) this.set({ port }, figures.held);
    },
  });
  // Read from the caps' own counts at each scrape (as the inbound endpoints' counters are): the totals since the start,
  // those `GET /stats` shows. `registry.resetMetrics()` leaves them (a counter that went back to 0 and then added only
  // what was shed since the last scrape fell short of them, for good).
  const outcomes = ['evicted', 'refused', 'refusedFromAddress'] as const;
  const shed = {
    name: 'iso8583_gateway_connections_shed_total',
    help: 'Connections a capped port of the gateway did not keep: evicted (closed to make room for a new one: idle, or its request not arrived whole), refused (503: every one held was busy) or refusedFromAddress (503: every one its address held at its share was busy).',
    type: 'counter',
    aggregator: 'sum',
    get: () => {
      const values: { labels: Record<string, string>; value: number }[] = [];
      for (const [port, now] of Object.entries(connectionFigures(caps))) {
        for (const outcome of outcomes) values.push({ labels: { port, outcome }, value: now[outcome] });
      }
      return Promise.resolve({ name: shed.name, help: shed.help, type: shed.type, values, aggregator: shed.aggregator });
    },
    // The counts are the caps' own.
    reset: () => undefined,
  };
  registry.registerMetric(shed as never);
}
