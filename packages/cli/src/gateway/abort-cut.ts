/**
 * The gateway abort's cut of its clients (drain.ts `AbortSteps.closeListeners`): every listener and client connection
 * closed at once, settled once the POS and HTTP connections have closed, each having reported the answers it could not
 * deliver (an approval's reversal then stored): what the links' destroy waits for.
 */
import type { FastifyInstance } from 'fastify';
import type { InboundEndpoint } from '@iso8583/inbound';
import type { HttpApp } from '../http/app.js';
import type { StatsPort } from './stats-port.js';

/** What the abort cuts: the POS endpoint, the HTTP app and its connections, the metrics app and the stats port (when on). */
export interface GatewayListeners {
  readonly endpoint: InboundEndpoint;
  readonly http: Pick<HttpApp, 'app' | 'connections' | 'holdConnectorsUntil'>;
  readonly metricsApp?: FastifyInstance | undefined;
  readonly statsPort?: StatsPort | undefined;
}

/**
 * Closes the listeners and cuts the client connections: the HTTP ones, and the POS ones (destroyed even with a stop's
 * close under way, which keeps its deadline: an approval waiting to be written to a terminal slow to read was dropped
 * by the exit, NOT reversed and not logged). A request still at the bank finds its connection closed. The HTTP app's
 * close leaves the links alone until `linksGone` (the abort's destroy of them) has settled: closed with the app, at
 * once, they refused the reversals the cut clients store as they close (`ISO8583_ERR_CONNECTOR_CLOSED`: "NOT
 * reversed"). Settles (never rejects) once the HTTP and POS connections have closed.
 */
export function cutClients(parts: GatewayListeners, linksGone: Promise<unknown>): Promise<unknown> {
  const { app, connections } = parts.http;
  parts.http.holdConnectorsUntil(linksGone);
  const httpClosed = connections.closeAll();
  const posClosed = parts.endpoint.destroy().catch(() => undefined);
  app.server.closeAllConnections();
  parts.metricsApp?.server.closeAllConnections();
  void app.close().catch(() => undefined);
  void parts.metricsApp?.close().catch(() => undefined);
  void parts.statsPort?.close();
  return Promise.all([httpClosed, posClosed]).catch(() => undefined);
}
