/**
 * The gateway's figures as `GET /stats`, the stats port and SIGHUP see them: SocketQueue's figures on top under its
 * names (summed over the upstreams), ours beside them (the upstream link, the group, the POS endpoint, the transaction log, the connections), the
 * counters since the last reset.
 */
import type { Connector, FileTransactionLog, UpstreamGroup } from '@iso8583/connector';
import { PgTransactionLog } from '@iso8583/connector';
import type { InboundEndpoint } from '@iso8583/inbound';
import { ResettableStats } from '../stats.js';
import { connectionFigures } from './connection-metrics.js';
import type { PortCaps } from './connection-metrics.js';

/**
 * SocketQueue's figures as its stat server shows them, summed over the upstreams (each upstream's connector counts its
 * own): amounts, and each `faultStat` and `packetCount` entry. Amounts to the cent (a sum of major units leaves no
 * float dust).
 */
export function socketQueueTop(each: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const figures of each) {
    if (figures === null || typeof figures !== 'object') continue;
    for (const [key, value] of Object.entries(figures as Record<string, unknown>)) {
      if (typeof value === 'number') out[key] = ((out[key] as number | undefined) ?? 0) + value;
      else if (value !== null && typeof value === 'object') {
        const sum = (out[key] ??= {}) as Record<string, number>;
        for (const [k, n] of Object.entries(value as Record<string, unknown>)) if (typeof n === 'number') sum[k] = (sum[k] ?? 0) + n;
      } else out[key] = value;
    }
  }
  for (const key of ['securedAmount', 'processedAmount', 'refundAmount', 'reversalAmount']) {
    if (typeof out[key] === 'number') out[key] = Math.round((out[key] as number) * 100) / 100;
  }
  return out;
}

/** What the gateway's figures are read from. */
export interface GatewayStatsParts {
  /** The first upstream's connector. */
  connector: Connector;
  /** With several upstreams: the group. */
  group: UpstreamGroup | undefined;
  /** The POS endpoint. */
  endpoint: InboundEndpoint;
  /** The transaction log, unless `--no-transaction-log`. */
  transactions: FileTransactionLog | PgTransactionLog | undefined;
  /** Each port's connection cap. */
  caps: PortCaps;
}

/** The gateway's figures: `body()` as `GET /stats` shows them, `reset()` starts the counters over (SIGHUP). */
export function gatewayStats(parts: GatewayStatsParts): { body(): Record<string, unknown>; reset(): void } {
  const { connector, group, endpoint, transactions, caps } = parts;
  // Each upstream's counters are part of the baseline too, so that SIGHUP starts them over with the rest.
  const stats = new ResettableStats(() => ({
    upstream: connector.stats(),
    ...(group === undefined ? {} : { upstreams: group.stats() }),
    pos: endpoint.stats(),
  }));
  const body = (): Record<string, unknown> => {
    const snap = stats.snapshot();
    // SocketQueue's figures on top, under SocketQueue's names (a check written for its stat server reads them as
    // they were); ours beside them under our own.
    const { upstream: up, upstreams, ...rest } = snap.figures as { upstream: Record<string, unknown>; upstreams?: Record<string, { socketQueue?: unknown }> };
    const { socketQueue, ...ours } = up;
    // With several upstreams, every one's (the first's among them): a check of processedAmount counts what went to each.
    const top = upstreams === undefined ? [socketQueue] : Object.values(upstreams).map((u) => u.socketQueue);
    const several = group === undefined ? {} : { upstreams, healthy: group.healthy() };
    // The transaction log's own figures (since the start, not reset by SIGHUP): records lost, kept or replayed.
    const log = transactions === undefined ? {} : { transactionLog: transactions instanceof PgTransactionLog ? transactions.stats() : transactions.stats };
    return { ...socketQueueTop(top), since: snap.since, uptime: Math.round(process.uptime()), upstream: ours, ...several, ...rest, ...log,
      connections: connectionFigures(caps) };
  };
  return { body, reset: () => stats.reset() };
}
