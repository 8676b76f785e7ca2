/**
 * The gateway's web side and what records for it: with HTTP on, the Fastify app of http.ts (the connector plugin's
 * routes, `GET /stats`, `GET /metrics`, the console), which makes the first upstream's connector; with HTTP off
 * (`--no-http`, or SocketQueue's defaults without `--http`), that connector alone, made, started and closed as the
 * plugin does, and neither Fastify nor the HTTP side loaded (a start without HTTP costs much less CPU; the startup-modules
 * test checks it). Also the gateway's Registry, the console's ring and the connectors' transaction log, which either
 * side records with.
 */
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { holdConnector } from '@iso8583/connector';
import type { Connector, ConnectorOptions, TransactionLog } from '@iso8583/connector';
import { mainDialect } from './dialects.js';
import { TransactionRing } from '../console/recent.js';
import type { ConnectionCap } from '../http/connection-cap.js';
import type { HttpApp } from '../http/app.js';
import type { GatewayConfig } from './config.js';
import type { GatewayHttpOptions } from './http.js';

/** A registry with Node's process metrics (heap, event loop, open file descriptors): the gateway's. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The console's ring of recent transactions, unless the console is off (`--no-console`) or has no port to be read on
 * (HTTP off: `--no-http`, or SocketQueue's names without `--http`): none then, so nothing keeps records no one reads
 * (with `--no-transaction-log` too, the connectors then have no recorder at all).
 */
export function consoleRing(config: GatewayConfig): TransactionRing | undefined {
  return config.noConsole || !config.httpEnabled ? undefined : new TransactionRing({ approvals: mainDialect(config) });
}

/**
 * The transaction log the connectors record to: the gateway's (`transactions`), else the console's ring (records kept
 * in memory only), else none (`false`: no recorder, nothing on the request path).
 */
export function connectorTransactionLog(transactions: TransactionLog | undefined, ring: TransactionRing | undefined): TransactionLog | false {
  return transactions ?? ring ?? false;
}

/** Has every connector's recorder hand `ring` the records it writes, unless the ring is already their log. */
export function feedRing(ring: TransactionRing | undefined, connectors: readonly Connector[]): void {
  if (ring === undefined) return;
  for (const c of connectors) {
    const recorder = c.transactions;
    if (recorder !== undefined && recorder.log !== ring) recorder.observe((record) => ring.add(record));
  }
}

/**
 * The gateway's side besides the POS port, as its start and stop use it: the HTTP app's parts (http/app.ts `HttpApp`),
 * those of a server absent with HTTP off.
 */
export interface GatewayClients extends Pick<HttpApp, 'connectors' | 'holdConnectorsUntil' | 'serverClosed' | 'stopKeepAlive'> {
  /** The Fastify app; none with HTTP off. */
  readonly app?: FastifyInstance | undefined;
  /** The HTTP port's connections (connection-cap.ts); none with HTTP off. */
  readonly connections?: ConnectionCap | undefined;
  /** Listens on the HTTP port (`HttpApp.listen`); none with HTTP off. */
  readonly listen?: HttpApp['listen'] | undefined;
  /**
   * Closes the HTTP server (none with HTTP off), then, once what {@link holdConnectorsUntil} was given has settled,
   * the first upstream's connector. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * The gateway's HTTP app when `config.httpEnabled` (http.ts `gatewayHttp`, loaded then only), else the first
 * upstream's connector alone ({@link connectorAlone}).
 */
export async function gatewayClients(options: GatewayHttpOptions): Promise<GatewayClients> {
  if (!options.config.httpEnabled) return connectorAlone(options.upstream);
  const { gatewayHttp } = await import('./http.js');
  const http = await gatewayHttp(options);
  return { ...http, close: async () => void (await http.app.close()) };
}

/**
 * The first upstream's connector without an HTTP app, held as the connector plugin holds it (held-connector.ts): named
 * `upstream`, its journal opened before this resolves (one in use, or unreadable, is the start's error), then
 * connecting (and retrying) on its own; closed once what it is held for has settled.
 */
async function connectorAlone(options: ConnectorOptions): Promise<GatewayClients> {
  const held = holdConnector({ ...options, name: 'upstream' });
  await held.start();
  held.connect();
  let markClosed: () => void = () => undefined;
  const serverClosed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return {
    connectors: { upstream: held.connector },
    holdConnectorsUntil: (work) => held.holdUntil(work),
    serverClosed,
    stopKeepAlive: () => undefined,
    close: () => {
      markClosed();
      return held.close();
    },
  };
}
