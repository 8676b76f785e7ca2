/**
 * The gateway: one permanent host-to-host link to the bank (the connector, multiplexed, responses matched by MTI +
 * STAN (11) + terminal id (41)), binary POS clients on an inbound endpoint whose sequence forwards each message over
 * that link, and web clients on HTTP (the connector plugin's `POST /` and `POST /raw`), with `GET /stats` and
 * `GET /metrics`.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { defaultJournalDir, iso8583Connector } from '@iso8583/connector';
import type { Connector, ConnectorOptions } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import type { InboundEndpoint, InboundOptions } from '@iso8583/inbound';
import type { GatewayConfig } from './config.js';
import { splitHostPort } from './config.js';
import { cliError } from '../args.js';
import { ResettableStats } from './stats.js';
import { failureReply } from './failure.js';

/** The addresses a running gateway listens on. */
export interface GatewayAddresses {
  /** The POS (binary ISO 8583) listener. */
  pos: AddressInfo;
  /** The HTTP listener, when HTTP is on. */
  http?: AddressInfo;
  /** The separate metrics listener, when `metrics` is set. */
  metrics?: AddressInfo;
}

/** A running gateway. */
export interface Gateway {
  /** The listening addresses. */
  readonly addresses: GatewayAddresses;
  /** The upstream connector (shared by POS and HTTP clients). */
  readonly connector: Connector;
  /** The POS inbound endpoint. */
  readonly endpoint: InboundEndpoint;
  /** The stats shown by `GET /stats` (since the last reset). */
  stats(): Record<string, unknown>;
  /** Starts the stats over (SIGHUP). */
  resetStats(): void;
  /**
   * Stops accepting (POS and HTTP), delivers the responses still in flight, waits for pending reversals, and closes
   * the upstream link; whatever is not done by `deadline` ms is aborted. Safe to call twice.
   */
  close(deadline?: number): Promise<void>;
}

/** A registry with Node's process metrics (heap, event loop, open file descriptors). */
function registry0(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** What the gateway needs besides its config. */
export interface GatewayRuntime {
  /** The process logger. */
  logger: Logger;
}

/** Reads a PEM file named by a flag; `ISO8583_ERR_CLI_FILE` naming the flag when it cannot be read. */
function pem(path: string | undefined, flag: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = String((err as { code?: unknown }).code ?? 'error');
    throw cliError('ISO8583_ERR_CLI_FILE', `${flag}: cannot read the file (${reason})`, flag);
  }
}

/** The connector options of the gateway's upstream link. */
export function upstreamOptions(config: GatewayConfig, logger: Logger, registry: Registry): ConnectorOptions {
  const { host, port } = splitHostPort(config.upstream);
  const options: ConnectorOptions = {
    name: 'upstream',
    host,
    port,
    dialect: config.dialect,
    frame: config.frame,
    lengthIncludesHeader: config.lengthIncludesHeader,
    headerBytes: config.headerBytes,
    requestTimeout: config.requestTimeout,
    mode: 'multiplex',
    pool: { min: 1, max: 1 },
    echoInterval: config.echoInterval,
    signOn: config.signOn,
    signOff: config.signOn,
    terminalQueue: { enabled: config.terminalQueue, timeout: config.requestTimeout },
    logger: logger.child({ side: 'upstream' }),
    registry,
  };
  if (!config.noReversal) {
    options.reversal = {
      enabled: true,
      journalDir: config.reversalJournal ?? defaultJournalDir(options.name ?? 'upstream'),
      retryInterval: Math.max(1, config.reversalRetryInterval),
    };
  }
  if (config.tls) {
    const tls: NonNullable<ConnectorOptions['tls']> = { rejectUnauthorized: !config.tlsInsecure };
    const ca = pem(config.tlsCa, '--tls-ca');
    const cert = pem(config.tlsCert, '--tls-cert');
    const key = pem(config.tlsKey, '--tls-key');
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined) tls.cert = cert;
    if (key !== undefined) tls.key = key;
    if (config.tlsServername !== undefined) tls.servername = config.tlsServername;
    options.tls = tls;
  }
  return options;
}

/** Starts a gateway; resolves once every listener is up (the upstream link connects and reconnects on its own). */
export async function startGateway(config: GatewayConfig, runtime: GatewayRuntime): Promise<Gateway> {
  const { logger } = runtime;
  // Every file first: a missing certificate stops the start before any socket opens.
  const upstream = upstreamOptions(config, logger, registry0());
  let posTls: InboundOptions['tls'];
  if (config.clientTlsCert !== undefined) {
    posTls = {
      cert: pem(config.clientTlsCert, '--client-tls-cert') as string,
      key: pem(config.clientTlsKey, '--client-tls-key') as string,
    };
    const ca = pem(config.clientTlsCa, '--client-tls-ca');
    if (ca !== undefined) {
      posTls.ca = ca;
      posTls.requestCert = true;
    }
  }
  const registry = upstream.registry as Registry;
  const ownAnswers = new Counter({
    name: 'iso8583_gateway_own_answers_total',
    help: 'Answers the gateway gave POS clients itself because the upstream could not, by response code (field 39).',
    labelNames: ['response_code'],
    registers: [registry],
  });

  // Late-bound: the routes are declared before the app is ready, the parts they read are made after.
  let statsBody: () => Record<string, unknown> = () => ({});
  let beforeConnectorClose: Promise<void> = Promise.resolve();
  const addMonitoring = (server: FastifyInstance): void => {
    server.get('/stats', async () => statsBody());
    server.get('/metrics', async (_req, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  };

  const app: FastifyInstance = fastify({ logger: false, forceCloseConnections: 'idle' });
  addMonitoring(app);
  await app.register(iso8583Connector, { ...upstream, routes: { prefix: '' } });
  // onClose hooks run after the HTTP server has closed and, registered after the plugin, before the connector closes.
  app.addHook('onClose', async () => {
    await beforeConnectorClose;
  });
  // Once stopping, every answer closes its connection: a keep-alive connection would hold the server open.
  let stopping = false;
  app.addHook('onSend', async (_request, reply) => {
    if (stopping) reply.header('connection', 'close');
  });
  await app.ready();
  const connector = (app as unknown as { iso8583: Record<string, Connector> }).iso8583.upstream as Connector;

  const posOptions: InboundOptions = {
    name: 'pos',
    host: config.bind,
    port: config.listen,
    dialect: config.clientDialect ?? config.dialect,
    frame: config.clientFrame ?? config.frame,
    lengthIncludesHeader: config.lengthIncludesHeader,
    headerBytes: config.clientHeaderBytes ?? config.headerBytes,
    maxConnections: config.maxConnections,
    idleTimeout: config.idleTimeout,
    // Longer than anything the connector can take (queue wait + bank answer), so the connector's own failure, with
    // its response code, is what the terminal gets.
    sequenceTimeout: (config.terminalQueue ? 2 : 1) * config.requestTimeout + 5_000,
    connectors: { upstream: connector },
    logger: logger.child({ side: 'pos' }),
    registry,
    // Forward the POS message as it is; the connector matches the answer by MTI + 11 + 41, so clients with clashing
    // STANs on different terminals each get their own. A failure becomes an answer with a response code.
    sequence: async (message) => {
      try {
        return await connector.request(message.fields);
      } catch (err) {
        const reply = failureReply(message.fields, err);
        ownAnswers.inc({ response_code: String(reply['39']) });
        logger.warn({ code: (err as { code?: unknown }).code, mti: message.mti, responseCode: reply['39'] }, 'answered by the gateway');
        return reply;
      }
    },
  };
  if (posTls !== undefined) posOptions.tls = posTls;
  let created: InboundEndpoint | undefined;
  const addresses = {} as GatewayAddresses;
  let metricsApp: FastifyInstance | undefined;
  try {
    created = createInboundEndpoint(posOptions);
    addresses.pos = await created.start();
    if (config.httpEnabled) {
      await app.listen({ host: config.bind, port: config.http });
      addresses.http = app.server.address() as AddressInfo;
    }
    if (config.metrics !== undefined) {
      metricsApp = fastify({ logger: false, forceCloseConnections: true });
      addMonitoring(metricsApp);
      await metricsApp.listen({ host: config.bind, port: config.metrics });
      addresses.metrics = metricsApp.server.address() as AddressInfo;
    }
  } catch (err) {
    // A port in use, say: undo what started, so that the process can exit with the error.
    await Promise.allSettled([created?.close({ deadline: 0 }), metricsApp?.close(), app.close()]);
    throw err;
  }
  const endpoint: InboundEndpoint = created;

  const stats = new ResettableStats(() => ({ upstream: connector.stats(), pos: endpoint.stats() }));
  statsBody = () => {
    const snap = stats.snapshot();
    return { since: snap.since, uptime: Math.round(process.uptime()), ...(snap.figures as Record<string, unknown>) };
  };

  let closing: Promise<void> | undefined;
  const close = (deadline = config.shutdownDeadline): Promise<void> => {
    closing ??= shutdown(deadline);
    return closing;
  };

  async function waitForReversals(until: number): Promise<void> {
    while (Number(connector.stats().reversalsPending) > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function shutdown(deadline: number): Promise<void> {
    const until = Date.now() + deadline;
    logger.info({ deadline }, 'gateway stopping: no new clients, finishing the work in flight');
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), deadline + 1_000);
    });
    // POS and HTTP stop accepting at once; each delivers what it has in flight. Then the reversals still pending are
    // sent while the link is up, and only then does the connector close (drain, sign off).
    stopping = true;
    const posClosed = endpoint.close({ deadline });
    beforeConnectorClose = posClosed.then(() => waitForReversals(until), () => waitForReversals(until));
    const orderly = Promise.all([posClosed, app.close(), metricsApp?.close()]).then(() => 'done' as const);
    const outcome = await Promise.race([orderly, expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      logger.warn('gateway shutdown deadline passed: aborting what is left');
      app.server.closeAllConnections();
      metricsApp?.server.closeAllConnections();
      await connector.destroy();
    }
    logger.info({ reversalsPending: connector.stats().reversalsPending }, 'gateway stopped');
  }

  return {
    addresses,
    connector,
    endpoint,
    stats: statsBody,
    resetStats: () => stats.reset(),
    close,
  };
}
