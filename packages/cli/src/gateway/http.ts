/**
 * The gateway's HTTP side: the Fastify app with the connector plugin's routes (`POST /`, `POST /raw`, through the
 * same link as the POS path), `GET /stats` and `GET /metrics` (or, with `metrics`, a listener of their own), the
 * `--http-token` check and the operator console. The console's recent transactions are the records the connectors'
 * transaction recorders already build (one observer of the request path, not a wrapper of its own): each recorder
 * hands the console's ring every record it writes, or, with `--no-transaction-log`, the ring is the connectors'
 * transaction log (the last records, in memory; clients.ts). Loaded only with HTTP on or `--metrics` (clients.ts).
 */
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { consoleDialects } from './dialects.js';
import type { Connector, ConnectorOptions, RouteTarget, UndeliveredAnswerHandler, UpstreamGroup } from '@iso8583/connector';
import type { InboundEndpoint } from '@iso8583/inbound';
import { defaultPerAddress } from '@iso8583/inbound/peer-key';
import { listenError } from '../args.js';
import { addMonitoring, assembleHttp } from '../http/app.js';
import { requireKnownHost } from '../http/host-check.js';
import { answerNotFound, badUrlAnswer } from '../http/not-found.js';
import { HTTP_BODY_LIMIT } from '../http/body-limit.js';
import { answerClientError, boundRequests, capAnswers, refuseBody } from '../http/request-deadline.js';
import { BODY_BUDGET_RETRY_AFTER, budgetBodies } from '../http/body-budget.js';
import { capFlags, shedLog } from '../http/shed-log.js';
import type { ConnectionCap } from '../http/connection-cap.js';
import { capConnections } from '../http/connection-cap.js';
import { lazySchemaCompilers } from '../http/schema-compilers.js';
import type { HttpApp, Monitoring } from '../http/app.js';
import type { TransactionRing } from '../console/recent.js';
import { gatewayTrustedProxyList } from '../http/trusted-proxies.js';
import type { GatewayConfig } from './config.js';

/** The gateway's parts the HTTP side reads once they exist (the app is assembled before them). */
export interface GatewayParts {
  /** Every connector by upstream name. */
  connectors(): Record<string, Connector>;
  /** The upstream group, with several upstreams. */
  group(): UpstreamGroup | undefined;
  /** The POS endpoint, once it listens. */
  endpoint(): InboundEndpoint | undefined;
  /** What the HTTP routes and the console's workbench send through (the POS path's link). */
  through(): RouteTarget | undefined;
  /** What an HTTP answer that never reached its client goes to (an approval is reversed: the connector's undeliveredApproval). */
  undelivered(): UndeliveredAnswerHandler | undefined;
  /** The answers the gateway gave POS clients itself (the upstream could not), by response code (own-answer.ts). */
  ownAnswers(): Readonly<Record<string, number>>;
  /** Approvals a client never got and that were not reversed since the start (the undelivered-approval book's). */
  undeliveredNotReversed(): number;
  /** `link` whose requests a stop gives up at its deadline, each answered (stop-abort.ts): the console's per-upstream sends. */
  stopWrap<T extends object>(link: T): T;
}

/** Options of {@link gatewayHttp}. */
export interface GatewayHttpOptions {
  config: GatewayConfig;
  logger: Logger;
  /** The first upstream's connector options (the plugin makes that connector). */
  upstream: ConnectorOptions;
  /** `GET /stats` and `GET /metrics`. */
  monitoring: Monitoring;
  /** `--http-token`, read. Default: none asked. */
  token?: string;
  /** The console's ring (clients.ts `consoleRing`). Default: no console. */
  ring?: TransactionRing;
  parts: GatewayParts;
}

/** Assembles the HTTP app (nothing listening yet); the connector plugin makes the first upstream's connector. */
export async function gatewayHttp(options: GatewayHttpOptions): Promise<HttpApp> {
  const { config, ring, parts } = options;
  // The workbench sends through the POS path's link, or, with several upstreams, by name through each one's connector:
  // all of them record (the connector's recorder), so the ring sees the workbench's sends too.
  const targets = (): Record<string, RouteTarget> => {
    const through = parts.through();
    if (through === undefined) return {};
    const group = parts.group();
    return group === undefined ? { upstream: through } : { routed: through, ...Object.fromEntries([...group.connectors].map(([name, c]) => [name, parts.stopWrap(c)])) };
  };
  return assembleHttp({
    connectors: {
      upstream: {
        ...options.upstream,
        routes: {
          prefix: '',
          answers: config.socketqueueAnswers ? 'socketqueue' : 'plain',
          via: () => parts.through(),
          onUndelivered: (request, answer, upstream, reason) => parts.undelivered()?.(request, answer, upstream, reason),
        },
      },
    },
    // With a metrics port, /stats and /metrics live there only: the client-facing port does not show them.
    ...(config.metrics === undefined ? { monitoring: options.monitoring } : {}),
    ...(options.token === undefined ? {} : { token: options.token }),
    sessions: { lifetime: config.consoleSessionLifetime * 60_000, secureCookie: config.consoleSecureCookie },
    ...(config.httpTrustedProxy === undefined ? {} : { trustedProxies: gatewayTrustedProxyList(config.httpTrustedProxy) }),
    logger: options.logger.child({ side: 'http' }),
    logEveryRequest: config.logMessages,
    maxConnections: config.httpMaxConnections,
    maxHeldBack: config.httpMaxHeldBack,
    bodyBudget: config.httpBodyBudget,
    bodyBudgetOption: '--http-body-budget',
    ...(config.httpMaxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: config.httpMaxConnectionsPerAddress }),
    capFlags: capFlags('http'),
    // With SocketQueue's names, its HTTP service: any content type read as JSON, any path, other methods 405.
    ...(config.socketqueue ? { socketQueue: config.socketqueueAnswers ? 'socketqueue' : 'plain' } as const : {}),
    ...(ring === undefined
      ? {}
      : {
          console: {
            ring,
            source: {
              connectors: () => parts.connectors(),
              groups: () => {
                const group = parts.group();
                return group === undefined ? [] : [group];
              },
              endpoints: (): Record<string, InboundEndpoint> => {
                const endpoint = parts.endpoint();
                return endpoint === undefined ? {} : { pos: endpoint };
              },
              ownAnswers: () => parts.ownAnswers(),
              undeliveredNotReversed: () => parts.undeliveredNotReversed(),
            },
            dialects: consoleDialects(config),
            send: config.consoleSend,
            targets,
          },
        }),
  });
}

/**
 * The `--metrics` listener (`GET /stats`, `GET /metrics`) on `metricsHost`; a port in use names `--metrics`. It asks for
 * no token, so a `Host` naming another machine (a DNS-rebinding page) is refused with 421 as on the HTTP port without
 * one (http/host-check.ts). A request must arrive whole within `requestTimeout` (http/request-deadline.ts), the bodies
 * arriving across the port are bounded by `httpBodyBudget` (http/body-budget.ts). `made` gets the
 * server and its connection cap; `logger` the cap's shed lines (http/shed-log.ts).
 */
export async function startMetrics(config: GatewayConfig, monitoring: Monitoring, made: (server: FastifyInstance, connections: ConnectionCap) => void,
  logger?: Logger): Promise<AddressInfo> {
  // Bodies still arriving are held whole: the HTTP port's bound, not Fastify's 1 MiB (http/body-limit.ts).
  const server = fastify({ logger: false, forceCloseConnections: true, bodyLimit: HTTP_BODY_LIMIT, schemaController: lazySchemaCompilers(), clientErrorHandler: answerClientError, frameworkErrors: badUrlAnswer() });
  boundRequests(server.server, config.requestTimeout);
  // The bodies arriving across the port, bounded together (http/body-budget.ts): before any route.
  budgetBodies(server, { max: config.httpBodyBudget, refuse: refuseBody(server.server, BODY_BUDGET_RETRY_AFTER, '--http-body-budget'), logger, option: '--http-body-budget' });
  const max = config.metricsMaxConnections;
  const perAddress = config.metricsMaxConnectionsPerAddress ?? defaultPerAddress(max);
  const flags = capFlags('metrics');
  made(server, capConnections(server.server, max, capAnswers(server.server, shedLog(logger, 'metrics', undefined, { flags, limits: { max, perAddress } }), flags), perAddress));
  requireKnownHost(server, () => config.metricsHost, false);
  addMonitoring(server, monitoring);
  answerNotFound(server);
  try {
    await server.listen({ host: config.metricsHost, port: config.metrics });
  } catch (err) {
    throw listenError(err, '--metrics', config.metricsHost, config.metrics as number);
  }
  return server.server.address() as AddressInfo;
}
