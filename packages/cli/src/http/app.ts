/**
 * The Fastify application that `iso8583 gateway` and `iso8583 run` share: the connector plugin registered once per
 * named connector (with its HTTP routes where asked), `GET /stats` and `GET /metrics`, and the order of a graceful
 * stop: once stopping, the last answer owed on each connection closes it; the connectors close only after what the caller holds
 * them for (the inbound endpoints' in-flight work, the pending reversals). A request must arrive whole within the
 * longest `requestTimeout` of the connectors (request-deadline.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { failedAnswerCode, failureBody, iso8583Connector, refuseCrossSite, routeFailureOf } from '@iso8583/connector';
import type { Connector, Iso8583ConnectorPluginOptions } from '@iso8583/connector';
import { listenError } from '../args.js';
import { maskFreeText } from '@iso8583/codec';
import { requireKnownHost } from './host-check.js';
import { answerNotFound, answerRefusedBodies, badUrlAnswer } from './not-found.js';
import { refusalBody } from './refusal-body.js';
import { socketQueueHttp } from './socketqueue-http.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { DEFAULT_REQUEST_DEADLINE, answerClientError, boundRequests, capAnswers, refuseBody } from './request-deadline.js';
import { BODY_BUDGET_RETRY_AFTER, budgetBodies } from './body-budget.js';
import type { BodyBudget } from './body-budget.js';
import { shedLog } from './shed-log.js';
import type { CapFlags } from './shed-log.js';
import { lingerWhileBodyComes } from './linger-close.js';
import { DEFAULT_HTTP_BODY_BUDGET, HTTP_BODY_LIMIT } from './body-limit.js';
import { DOUBT_BUDGET_CODE, DOUBT_BUDGET_MESSAGE, capServerPipelining, refuseInDoubt } from './pipeline-cap.js';
import { closeAnswered } from './answered-close.js';
import { lingerIdleInDoubt } from './idle-doubt-close.js';
import { doubtLog } from './doubt-log.js';
import { stopAnswers } from './stop-answers.js';
import { DEFAULT_HTTP_MAX_HELD_BACK, heldBackLog } from './held-budget.js';
import { DEFAULT_HTTP_MAX_CONNECTIONS, capConnections } from './connection-cap.js';
import type { ConnectionCap } from './connection-cap.js';
import { requireToken } from '../console/access.js';
import { mountConsole } from '../console/routes.js';
import type { ConsoleOptions } from '../console/routes.js';
import type { ConsoleSessionOptions } from '../console/session.js';
import { guardReporting } from '../console/guard-report.js';
import type { SignInGuardOptions } from '../console/guard.js';
import { TrustedProxies } from './trusted-proxies.js';
import type { Logger } from 'pino';
import { defaultPerAddress } from '@iso8583/inbound/peer-key';
import { takeFailedLine, takeRefusedLine } from './refused-lines.js';

/** What `GET /stats` and `GET /metrics` show. */
export interface Monitoring {
  /** The prom-client registry of `GET /metrics`. */
  registry: Registry;
  /** The body of `GET /stats` (read at each request). */
  stats: () => Record<string, unknown>;
}

/** Mounts `GET /stats` and `GET /metrics` on `server`. */
export function addMonitoring(server: FastifyInstance, monitoring: Monitoring): void {
  server.get('/stats', async () => monitoring.stats());
  server.get('/metrics', async (_req, reply) => {
    reply.header('content-type', monitoring.registry.contentType);
    return monitoring.registry.metrics();
  });
}

/** Options of {@link assembleHttp}. */
export interface HttpAppOptions {
  /** The connector plugin's options, by connector name (`routes` mounts its HTTP routes). */
  connectors: Record<string, Iso8583ConnectorPluginOptions>;
  /** Mount `GET /stats` and `GET /metrics` on this app. Default: not mounted. */
  monitoring?: Monitoring;
  /** Every route asks for this token (`--http-token`; console/access.ts). Default: none asked. */
  token?: string;
  /** The console's sessions signed in with the token: lifetime, `Secure` cookie (console/session.ts). Default: its defaults. */
  sessions?: ConsoleSessionOptions;
  /**
   * How wrong tokens lock their peer out (console/guard.ts); the lockouts are logged to `logger` and counted in
   * `monitoring`'s registry. Default: its defaults (5 wrong tokens in a minute: a minute, doubling up to 15).
   */
  guard?: SignInGuardOptions;
  /**
   * The TLS-terminating proxies in front of the port, each an IP address or `ADDRESS/PREFIX` (http/trusted-proxies.ts):
   * the wrong tokens of a request from one of them are counted by the client its `X-Forwarded-For` names (the
   * right-most entry that is not a proxy), so one client behind the proxy cannot lock the others out. An entry that is
   * neither is `ISO8583_ERR_CLI_OPTION`. Default: none (every request counted by its socket's peer).
   */
  trustedProxies?: readonly string[];
  /** Mount the operator console (`/console`; console/routes.ts). Default: not mounted. */
  console?: ConsoleOptions;
  /** Log every request ({@link logRequests}). Default: no request log. */
  logger?: Logger;
  /** Every request at `info` (`--log-messages`), not only the failed ones. Default `false`. */
  logEveryRequest?: boolean;
  /**
   * SocketQueue's HTTP service (socketqueue-http.ts): a POST body read as JSON whatever its content type, on any path;
   * any other request no route takes answered 405. The value is the shape of that answer (the routes' `answers`).
   * Default: none (Fastify's 404 and 415).
   */
  socketQueue?: 'plain' | 'socketqueue';
  /**
   * Connections the port holds at once (connection-cap.ts): for a new one the oldest without a request in progress is
   * closed; only when every one is mid-request is the new one refused, 503 `ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS`.
   * Default {@link DEFAULT_HTTP_MAX_CONNECTIONS} (1000).
   */
  maxConnections?: number;
  /**
   * Connections one address (IPv6: one /64) holds at once on the port (connection-cap.ts): at it, the address's own
   * oldest without a request in progress is closed for its new one, else the new one is refused, 503
   * `ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS`. Default: `maxConnections` less a tenth ({@link defaultPerAddress}).
   */
  maxConnectionsPerAddress?: number;
  /**
   * The options that set `maxConnections` and `maxConnectionsPerAddress`, named in the shed line and the 503 answers
   * at the cap: the gateway's flags (`--http-max-connections`, `--http-max-connections-per-address`), a flow's FLOW.json
   * paths (`FLOW_HTTP_CAP_FLAGS`). Default: none named.
   */
  capFlags?: CapFlags;
  /**
   * Pipelined requests the port holds back at once across its connections (held-budget.ts): beyond it the connection
   * holding the most, with every request at the routes answered (a client that does not read its answers), is closed
   * and logged at `warn` (`ISO8583_ERR_CONSOLE_HELD_BACK`, naming `--http-max-held-back`). A value that is not an
   * integer of at least 1 is `ISO8583_ERR_CLI_OPTION`. Default {@link DEFAULT_HTTP_MAX_HELD_BACK} (16384).
   */
  maxHeldBack?: number;
  /**
   * The option that sets `maxHeldBack`, named by the log line of a connection closed over it. Default
   * `--http-max-held-back` (the gateway's flag); a flow's port: `/http/maxHeldBack`.
   */
  heldBackOption?: string;
  /**
   * Bytes of request bodies the port holds at once while they arrive, across its connections (body-budget.ts): past it
   * the body holding the most (the newcomer's too) is answered 503 `ISO8583_ERR_CONSOLE_BODY_BUDGET` with
   * `Retry-After`, its connection closed, no route run. A value that is not an integer of at least 1 is
   * `ISO8583_ERR_CLI_OPTION`. Default {@link DEFAULT_HTTP_BODY_BUDGET} (33554432, 32 MiB).
   */
  bodyBudget?: number;
  /**
   * The option that sets `bodyBudget`, named in its 503 answer, its log line and the error of a bad value: the
   * gateway's `--http-body-budget`. Default: none (a flow's port, whose budget no option sets: its texts name no flag).
   */
  bodyBudgetOption?: string;
}

/** Characters of a request's URL the log shows, at most; a longer one gets `urlLength` (its whole length) too. */
export const LOGGED_URL_CHARS = 256;

/**
 * The request log: method, URL ({@link safeUrl}, its first {@link LOGGED_URL_CHARS} characters, with `urlLength`
 * when it is longer), status and milliseconds for every answer; at `debug` for a success, `info` for a refused request
 * (4xx), `warn` for a failure (5xx), with the `failure` (error name and code, never its text) a route noted for an
 * unexpected one, and the `code` the failure's answer named (as its route noted it: the connector's
 * `noteFailedAnswer`; no hook reads the answers' bodies); `info` for all with `everyRequest`. The message is method,
 * status and milliseconds (the URL is logged once, in `url`). Any client can cause a refused request (a wrong path, no
 * token), and an outage fails every request, so their lines are capped (refused-lines.ts): at
 * `REFUSED_REQUEST_LINES_PER_SECOND` (20) a second for each refused status, `FAILED_REQUEST_LINES_PER_SECOND` (20) for
 * each failed status and code, the next line written saying how many were left out (`suppressed`), and for failures one
 * line once they stop being left out; `everyRequest` is not capped. The body is never logged.
 */
export function logRequests(app: FastifyInstance, logger: Logger, everyRequest = false): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'warn' : status >= 400 || everyRequest ? 'info' : 'debug';
    if (!logger.isLevelEnabled(level)) return;
    const failure = routeFailureOf(request);
    const code = status >= 500 ? (failedAnswerCode(request) ?? failure?.code) : undefined;
    const suppressed = everyRequest || status < 400 ? 0 : status >= 500 ? takeFailedLine(logger, status, code) : takeRefusedLine(logger, status);
    if (suppressed === undefined) return;
    const ms = Math.round(reply.elapsedTime * 1000) / 1000;
    const url = safeUrl(request.url);
    logger[level](
      {
        method: request.method,
        ...(url.length > LOGGED_URL_CHARS ? { url: url.slice(0, LOGGED_URL_CHARS), urlLength: request.url.length } : { url }),
        status,
        ms,
        peer: request.ip,
        ...(failure === undefined ? {} : { failure }),
        ...(code === undefined ? {} : { code }),
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      `${request.method} ${status} ${ms} ms`,
    );
  });
}

/** Percent-escapes of printable ASCII (`%34` is `4`, `%25` is `%`), decoded; any other `%` left as it is. */
const PRINTABLE_ESCAPE = /%(2[0-9A-Fa-f]|[3-6][0-9A-Fa-f]|7[0-9A-Ea-e])/g;

/** The most rounds of decoding: `%2534` is `%34` after one, `4` after two. */
const DECODE_ROUNDS = 4;

/** What a log shows for text escaped more than {@link DECODE_ROUNDS} times: nobody writes that but to hide something. */
const OVER_ESCAPED = '[escaped more than 4 times: not shown]';

/**
 * `text` with its percent-escapes of printable ASCII decoded, again while a round decoded one (an escape written
 * escaped), at most {@link DECODE_ROUNDS} times; text still holding such an escape after that is not shown at all
 * ({@link OVER_ESCAPED}: a PAN escaped five times would pass the mask). Never throws: a malformed escape (`%zz`, `%4`)
 * or one of a byte beyond ASCII stays as it is.
 */
function decodePrintable(text: string): string {
  let out = text;
  for (let round = 0; out.includes('%'); round++) {
    const next = out.replace(PRINTABLE_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (next === out) break;
    if (round === DECODE_ROUNDS) return OVER_ESCAPED;
    out = next;
  }
  return out;
}

/**
 * A request URL fit for a log: the path percent-decoded (printable ASCII: `%34%37...` is a PAN too) and masked as the
 * codec masks free text (`maskFreeText`: a PAN put in a path shows as first 6 and last 4, and one
 * written as the hex of its ASCII or EBCDIC bytes, `F4F7F6F1...`, track data after it, is hidden too), and the query
 * with every value hidden (a token, say) but a `timeout` of 1 to 7 digits, its keys decoded and masked as the path.
 */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  const path = maskFreeText(decodePrintable(q < 0 ? url : url.slice(0, q)));
  if (q < 0) return path;
  const params = url.slice(q + 1).split('&').filter((p) => p !== '');
  const shown = params.map((p) => {
    const eq = p.indexOf('=');
    const key = maskFreeText(decodePrintable(eq < 0 ? p : p.slice(0, eq)));
    return key === 'timeout' && /^timeout=[0-9]{1,7}$/.test(p) ? p : `${key}=***`;
  });
  return `${path}?${shown.join('&')}`;
}

/** The assembled application. */
export interface HttpApp {
  /** The Fastify instance (ready, not listening). */
  readonly app: FastifyInstance;
  /** The port's connections: held now, closed for new ones, refused (connection-cap.ts). */
  readonly connections: ConnectionCap;
  /** The request bodies held while they arrive, across the port (body-budget.ts). */
  readonly bodies: BodyBudget;
  /** The connectors the plugin made, by name. */
  readonly connectors: Record<string, Connector>;
  /** The connectors close (on `app.close()`) only once `work` has settled. */
  holdConnectorsUntil(work: Promise<unknown>): void;
  /**
   * Settles once `app.close()` has closed the HTTP server: every response written or its connection gone (an answer
   * whose client went is handed to `onUndelivered`, its reversal stored; one still at the bank then is stored when it
   * comes, while the connector closes: its close waits for its requests). Wait for it before draining the SAF queues
   * and closing connectors the app does not own.
   */
  readonly serverClosed: Promise<void>;
  /** From now on every answer closes its connection (a keep-alive connection would hold the server open). */
  stopKeepAlive(): void;
  /** Listens on `host:port`; a port that cannot be opened is `ISO8583_ERR_CLI_LISTEN` naming `flag`. */
  listen(host: string, port: number, flag: string): Promise<AddressInfo>;
}

/** Builds the application: the connectors registered and ready, nothing listening yet. */
export async function assembleHttp(options: HttpAppOptions): Promise<HttpApp> {
  // Read first: an entry that is not an address is refused before anything is built.
  const proxies = new TrustedProxies(options.trustedProxies);
  // A client that stalls mid-request is answered 408 (request-deadline.ts), bounded below once the connectors exist.
  const sq = options.socketQueue === undefined ? undefined : socketQueueHttp(options.socketQueue);
  // The refusals below come before any route: with SocketQueue's HTTP service, in its shape (refusal-body.ts).
  const refusal = refusalBody(options.socketQueue);
  const app: FastifyInstance = fastify({
    logger: false,
    forceCloseConnections: 'idle',
    // Refused coded while closing (stop-answers.ts).
    return503OnClosing: false,
    // Bodies still arriving are held whole: bounded to what a message needs, not Fastify's 1 MiB (body-limit.ts).
    bodyLimit: HTTP_BODY_LIMIT,
    schemaController: lazySchemaCompilers(),
    clientErrorHandler: answerClientError,
    frameworkErrors: sq === undefined ? badUrlAnswer(options.logger, refusal) : sq.lineEnded(badUrlAnswer(options.logger, refusal)),
    ...(sq === undefined ? {} : { rewriteUrl: sq.rewriteUrl }),
  });
  // One connection's pipelined requests reach the routes a few at a time, the others' served between (pipeline-cap.ts).
  // Over the budget of requests held back across the port, the heaviest client that reads nothing goes (held-budget.ts).
  // A request on a connection in doubt past the bound of answers kept: 503 coded in the port's shape, no route run.
  const doubtRefusal = (req: IncomingMessage, res: ServerResponse): void => {
    const body = refusal(req as unknown as FastifyRequest, { code: DOUBT_BUDGET_CODE, message: DOUBT_BUDGET_MESSAGE });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    refuseInDoubt(res, sq === undefined ? text : sq.jsonLine(req.url ?? '/', text));
  };
  capServerPipelining(app.server, undefined, { max: options.maxHeldBack ?? DEFAULT_HTTP_MAX_HELD_BACK, onClose: heldBackLog(options.logger, options.heldBackOption), close: (socket) => closeAnswered(socket) }, { refuse: doubtRefusal, close: (socket) => closeAnswered(socket), onRefused: doubtLog(options.logger) });
  // At the stop, an idle connection in doubt lingers as one evicted, not destroyed at once: idle-doubt-close.ts.
  lingerIdleInDoubt(app.server);
  // A body refused before it has all come (413 past the body limit) is answered, not reset: linger-close.ts.
  app.server.prependListener('request', lingerWhileBodyComes);
  // The bodies arriving across the port are bounded together too (body-budget.ts): a hook on every route to come.
  const bodies = budgetBodies(app, {
    max: options.bodyBudget ?? DEFAULT_HTTP_BODY_BUDGET,
    refuse: refuseBody(app.server, BODY_BUDGET_RETRY_AFTER, options.bodyBudgetOption),
    logger: options.logger,
    option: options.bodyBudgetOption,
  });
  sq?.install(app);
  // A request no route takes: 404 coded (SocketQueue's 405 in its mode); a body Fastify refuses before it: coded, in the
  // port's shape (not-found.ts).
  if (sq === undefined) answerNotFound(app, refusal);
  else answerRefusedBodies(app, refusal);
  // A browser request from another site never reaches a route that changes state (the connector's cross-site.ts).
  app.addHook('onRequest', refuseCrossSite((err, request) => refusal(request, { code: err.code, message: err.message, field: err.field })));
  // The address listened on, for the Host check of a port without a token (host-check.ts), and with one, for counting a
  // browser's wrong tokens on another name apart (known-host.ts).
  let bound: string | undefined;
  if (options.token === undefined) requireKnownHost(app, () => bound, true, refusal);
  if (options.token !== undefined) {
    const guard = { ...guardReporting(options.logger, options.monitoring?.registry), ...options.guard };
    requireToken(app, options.token, refusal, options.sessions, guard, () => bound, proxies, options.logger);
  }
  if (options.console !== undefined) {
    // The workbench's sends hand an answer the page never got to the routes' handler (an approval reversed).
    const routesHandler = Object.values(options.connectors).map((c) => (c.routes === false ? undefined : c.routes?.onUndelivered)).find((h) => h !== undefined);
    const undelivered = options.console.undelivered ?? routesHandler;
    mountConsole(app, { ...options.console, signOut: options.token !== undefined, ...(undelivered === undefined ? {} : { undelivered }) }, options.logger);
  }
  if (options.logger !== undefined) logRequests(app, options.logger, options.logEveryRequest);
  if (options.monitoring !== undefined) addMonitoring(app, options.monitoring);
  for (const [name, pluginOptions] of Object.entries(options.connectors)) {
    await app.register(iso8583Connector, { ...pluginOptions, name });
  }
  let held: Promise<unknown> = Promise.resolve();
  let markServerClosed: () => void = () => undefined;
  const serverClosed = new Promise<void>((resolve) => {
    markServerClosed = resolve;
  });
  // onClose hooks run after the HTTP server has closed and, registered after the plugins, before the connectors close.
  app.addHook('onClose', async () => {
    markServerClosed();
    await held.catch(() => undefined);
  });
  // The last answer owed on a connection closes it once stopping; a request coming while the app closes is refused.
  const stopKeepAlive = stopAnswers(app, refusal);
  await app.ready();
  const decorated = (app as unknown as { iso8583?: Record<string, Connector> }).iso8583 ?? {};
  const connectors: Record<string, Connector> = {};
  for (const name of Object.keys(options.connectors)) connectors[name] = decorated[name] as Connector;
  const longest = Math.max(0, ...Object.values(connectors).map((c) => c.options.requestTimeout));
  // A 408 (and a request that is not HTTP) comes before any route too: with SocketQueue's HTTP service, in the routes'
  // shape (`failureBody`), and in SocketQueue's own a line that ends with a newline, as its answers (socketqueue-http.ts).
  const answers = options.socketQueue;
  const timeoutShape = answers === undefined ? undefined : (error: { code: string; message: string }) =>
    (answers === 'socketqueue' ? `${JSON.stringify(failureBody(answers, error))}\n` : failureBody(answers, error));
  boundRequests(app.server, longest > 0 ? longest : DEFAULT_REQUEST_DEADLINE, timeoutShape);
  // Every connection holds a file descriptor the POS listener, the upstream links and the journal share.
  const max = options.maxConnections ?? DEFAULT_HTTP_MAX_CONNECTIONS;
  const perAddress = options.maxConnectionsPerAddress ?? defaultPerAddress(max);
  const named = { ...(options.capFlags === undefined ? {} : { flags: options.capFlags }), limits: { max, perAddress } };
  const connections = capConnections(app.server, max, capAnswers(app.server, shedLog(options.logger, 'http', undefined, named), options.capFlags), perAddress);
  return {
    app,
    connections,
    bodies,
    connectors,
    holdConnectorsUntil: (work) => {
      held = work;
    },
    serverClosed,
    stopKeepAlive,
    listen: async (host, port, flag) => {
      bound = host;
      try {
        await app.listen({ host, port });
      } catch (err) {
        throw listenError(err, flag, host, port);
      }
      return app.server.address() as AddressInfo;
    },
  };
}
