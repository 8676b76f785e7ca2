/**
 * The gateway: one permanent host-to-host link to the bank (the connector, multiplexed, responses matched by MTI +
 * STAN (11) + terminal id (41)), binary POS clients on an inbound endpoint whose sequence forwards each message over
 * that link, and web clients on HTTP (the connector plugin's `POST /` and `POST /raw`), with `GET /stats` and
 * `GET /metrics` (on a listener of their own, bound to `metricsHost`, when `metrics` is set), and `GET /transactions`
 * from the transaction log that every upstream records to (transaction-retention.ts prunes it). The HTTP side and the
 * console are assembled in http.ts, the POS endpoint's relay in pos-relay.ts, the figures in gateway-stats.ts; the
 * start and the ordered shutdown of every part stay here, in one function, so that each step's order reads in one place.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { FileTransactionLog, PgTransactionLog, createUpstreamGroup, httpUndelivered, undeliveredApproval } from '@iso8583/connector';
import type { Connector, UndeliveredAnswerHandler, UpstreamGroup } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound/endpoint';
import type { InboundEndpoint } from '@iso8583/inbound';
import type { GatewayConfig } from './config.js';
import { listening } from '../args.js';
import { ABORT_LOG_WAIT, abortConnectors, abortStoreWait, cutThenDestroy, logStopped, notStoredOf, waitForSaf } from '../drain.js';
import type { AbortSteps } from '../drain.js';
import { approvalFitWarnings } from './approval-fit.js';
import { GATEWAY_TOKEN_NAMES, readHttpToken } from '../console/access.js';
import { closeOwnAnswersBy } from '../http/own-answer-close.js';
import { gatewayTrustedProxyList } from '../http/trusted-proxies.js';
import { ownAnswer } from './own-answer.js';
import { groupUpstreams, journalDirOf } from './upstream-options.js';
import { keptIn, lostJournals } from '../journal-lost.js';
import { stopFailure } from '../stop-failure.js';
import { posTlsOptions } from './tls.js';
import { checkedPosDialect, mainDialect } from './dialects.js';
import { connectorTransactionLog, consoleRing, feedRing, gatewayClients, processRegistry } from './clients.js';
import { httpBindOf, rawDialectsWarning, warnOpenGatewayHttp } from './http-warnings.js';
import { countConnections } from './connection-metrics.js';
import type { PortCaps } from './connection-metrics.js';
import { keepTransactions } from './transaction-retention.js';
import type { TransactionRetention } from './transaction-retention.js';
import { createTracer } from '../trace.js';
import type { StatsPort } from './stats-port.js';
import { gatewayStats } from './gateway-stats.js';
import { posEndpointOptions } from './pos-relay.js';
import { undoKeeping } from './undo-start.js';
import { refuseStrandedJournals } from './journal-stranded.js';
import { refuseOtherUpstreams } from './journal-upstreams.js';
import { closeLinksAfter, linkOptions, otherUpstreams } from './upstream-links.js';
import { settleAll } from '../settle-all.js';
import { deadlinePassedLine, warningFields } from '../warning-fields.js';
import { STOP_ANSWER_GRACE, StopAbort } from './stop-abort.js';
import { ClientsCut } from '../abort-cut.js';

/** The addresses a running gateway listens on. */
export interface GatewayAddresses {
  /** The POS (binary ISO 8583) listener. */
  pos: AddressInfo;
  /** The HTTP listener, when HTTP is on. */
  http?: AddressInfo;
  /** The separate metrics listener, when `metrics` is set. */
  metrics?: AddressInfo;
  /** The raw TCP stats port, when `statsPort` is set. */
  stats?: AddressInfo;
}

/** A running gateway. */
export interface Gateway {
  /** The listening addresses. */
  readonly addresses: GatewayAddresses;
  /** The upstream connector (shared by POS and HTTP clients); with several upstreams, the first one's. */
  readonly connector: Connector;
  /** With several upstreams (or routes): the group POS clients go through. Default: none. */
  readonly group: UpstreamGroup | undefined;
  /** The POS inbound endpoint. */
  readonly endpoint: InboundEndpoint;
  /** The stats shown by `GET /stats` (since the last reset). */
  stats(): Record<string, unknown>;
  /** Starts the stats over (SIGHUP). */
  resetStats(): void;
  /**
   * Stops accepting (POS and HTTP), delivers the responses still in flight, waits for pending reversals, and closes
   * the upstream link. At `deadline` ms (default `shutdownDeadline`) the requests still at the bank are given up, each
   * client answered (68, 504) and each request reversed (stop-abort.ts); what is not done a second later is aborted.
   * Safe to call twice.
   */
  close(deadline?: number): Promise<void>;
  /**
   * Aborts (a second SIGTERM), within drain.ts `ABORT_MAX_WAIT` (8 s; about a second with nothing to store): every
   * listener and connection is closed, the upstream link destroyed; requests in flight get no answer, their reversals
   * stay in the journal for the next start. Safe to call twice, and during `close()`.
   */
  abort(): Promise<void>;
}

/** What the gateway needs besides its config. */
export interface GatewayRuntime {
  /** The process logger. */
  logger: Logger;
}

/** Starts a gateway; resolves once every listener is up (the upstream link connects and reconnects on its own). */
export async function startGateway(config: GatewayConfig, runtime: GatewayRuntime): Promise<Gateway> {
  const { logger } = runtime;
  // Every file first: a missing certificate stops the start before any socket opens.
  const named = groupUpstreams(config);
  for (const line of refuseStrandedJournals(config)) logger.warn(warningFields(line), line); // its code a field too
  refuseOtherUpstreams(config); // a journal owing entries recorded for another upstream (journal-upstreams.ts)
  // The POS dialect, loaded once before any socket opens (a 4-wide field 39 may be refused: dialects.ts `checkedPosDialect`).
  const posDialect = checkedPosDialect(config);
  // Read by the HTTP app (http.ts); checked here too, so that a start with HTTP off refuses what --check-config does.
  gatewayTrustedProxyList(config.httpTrustedProxy);
  // One transaction log for every upstream: in the journal folder (a folder in use stops the start here), or, with a
  // PostgreSQL --store, in the database every node shares (any node answers for all of them).
  const transactionLogger = logger.child({ side: 'transactions' });
  const transactions = config.noTransactionLog
    ? undefined
    : config.store !== undefined
      ? // What close cannot store (the database away) is kept in the journal folder for the next start.
        new PgTransactionLog({ connectionString: config.store, logger: transactionLogger, spillDir: journalDirOf(config) })
      : new FileTransactionLog(journalDirOf(config), { logger: transactionLogger });
  // The console's recent transactions are the records the connectors build; with no log, the ring is their log.
  const ring = consoleRing(config);
  const recordTo = connectorTransactionLog(transactions, ring);
  const gatewayRegistry = processRegistry();
  // Each link records its upstream before it connects; the others are on the gateway's Registry too (upstream-links.ts).
  const upstream = linkOptions(config, logger, gatewayRegistry, named?.[0], recordTo);
  const otherLinks = otherUpstreams(config, logger, gatewayRegistry, named, recordTo);
  const others = otherLinks.map((h) => h.connector);
  const posTls = posTlsOptions(config);
  const token = readHttpToken(config.httpToken, config.httpTokenFile, GATEWAY_TOKEN_NAMES);
  const registry = upstream.registry as Registry;
  const ownAnswers = new Counter({
    name: 'iso8583_gateway_own_answers_total',
    help: 'Answers the gateway gave POS clients itself because the upstream could not, by response code (field 39).',
    labelNames: ['response_code'],
    registers: [registry],
  });
  const answerOwn = ownAnswer(logger, ownAnswers);

  // Late-bound: the routes are declared before the app is ready, the parts they read are made after.
  let statsBody: () => Record<string, unknown> = () => ({});
  const monitoring = { registry, stats: () => statsBody() };
  // The HTTP routes go through the group (made below, once the first connector exists) like the POS path.
  let group: UpstreamGroup | undefined = undefined;
  // Made after the app, read by it: the POS endpoint and the link the POS path and the HTTP routes send through.
  // The stop's give-up of what is still at the bank (stop-abort.ts), for the POS path, the HTTP routes and the console.
  const stopAbort = new StopAbort();
  const made: { endpoint?: InboundEndpoint; through?: Connector | UpstreamGroup; undelivered?: UndeliveredAnswerHandler; notReversed?: () => number } = {};
  const http = await gatewayClients({
    config,
    logger,
    upstream,
    monitoring,
    ...(token === undefined ? {} : { token }),
    ...(ring === undefined ? {} : { ring }),
    parts: {
      connectors: () => ({ [named?.[0]?.name ?? 'upstream']: connector, ...Object.fromEntries(others.map((c, i) => [named?.[i + 1]?.name ?? String(i + 1), c])) }),
      group: () => group,
      endpoint: () => made.endpoint,
      through: () => made.through,
      undelivered: () => made.undelivered,
      ownAnswers: () => answerOwn.byResponseCode,
      undeliveredNotReversed: () => made.notReversed?.() ?? 0,
      stopWrap: (link) => stopAbort.wrap(link),
    },
  });
  // Each port's connection cap, for `GET /stats` and `GET /metrics` (connection-metrics.ts).
  const caps: PortCaps = { http: http.connections };
  countConnections(registry, caps);
  const connector = http.connectors.upstream as Connector;
  let created: InboundEndpoint | undefined;
  let metricsApp: FastifyInstance | undefined;
  let statsPort: StatsPort | undefined;
  let retention: TransactionRetention | undefined;
  // A start that fails part way (a later upstream's journal in use, a port in use) releases what it took, in reverse
  // order, so that the process exits with the error: the listeners, then every upstream link, the last started first
  // (destroyed: none has accepted a request; what its journal holds, a reversal pending included, stays there for the
  // next start), then the HTTP app, then the transaction log (flushed and released). A failure of these is logged, and
  // the start's own error is the one thrown (undo-start.ts).
  const undoStart = async (): Promise<void> => {
    await Promise.allSettled([statsPort?.close(), metricsApp?.close(), created?.close({ deadline: 0 })]);
    for (const c of [...others].reverse()) await c.destroy().catch(() => undefined);
    await connector.destroy().catch(() => undefined);
    await http.close().catch(() => undefined);
    await retention?.close();
  };
  try {
    // Opened by the first connector once its journal is (a journal in use is the error a second gateway reports);
    // pruned once the ports are open (startPruning below).
    retention = transactions === undefined ? undefined : await keepTransactions(transactions, config.transactionRetention, logger);
  } catch (err) {
    throw await undoKeeping(err, undoStart, logger);
  }
  group =
    named === undefined
      ? undefined
      : createUpstreamGroup({
          upstreams: [{ name: named[0]?.name ?? 'upstream', connector }, ...others],
          strategy: config.upstreamStrategy,
          routes: config.routes ?? [],
          registry,
          logger: logger.child({ side: 'upstream' }),
        });
  // Ready means every durable store is open and locked: the first's journal opened with the HTTP app, the others' here,
  // before any listener opens (a journal in use stops the start, as the first's does). Each then connects, retrying
  // with backoff until it is up.
  try {
    await Promise.all(otherLinks.map((h) => h.start()));
  } catch (err) {
    throw await undoKeeping(err, undoStart, logger);
  }
  for (const h of otherLinks) h.connect();
  const everyConnector: Connector[] = [connector, ...others];
  feedRing(ring, everyConnector);
  // Named as --check-config names them: by upstream name (the first connector's own name is the plugin's).
  const upstreamDialects = everyConnector.map((c, i) => ({ name: named?.[i]?.name ?? c.name, dialect: c.codec.dialect }));
  for (const line of approvalFitWarnings(upstreamDialects, posDialect)) logger.warn(line);
  const rawRefused = rawDialectsWarning(config, upstreamDialects);
  if (rawRefused !== undefined) logger.warn(rawRefused);
  // Message traces (--log-messages; debug, trace): each message named and masked by the dialect of its link (the POS
  // dialect; the upstream it went to, which a group tells: trace.ts), and by the marks of every dialect it crosses too,
  // one list for both sides (the POS dialect and each upstream's own: a field one marks as CVV may be free text to another).
  const crossed = [posDialect, ...upstreamDialects.map((u) => u.dialect)];
  const tracer = createTracer({ logger, dialect: mainDialect(config), logMessages: config.logMessages, alsoMaskedBy: crossed });
  const posTracer = config.clientDialect === undefined ? tracer : createTracer({ logger, dialect: posDialect, logMessages: config.logMessages, alsoMaskedBy: crossed });
  // What the POS path and the HTTP routes send through (traced when traces are on; otherwise the link itself). Each
  // connector's recorder records every request once, and the console's ring sees those records.
  // A stop gives up what is still at the bank at its deadline, its clients still there to be answered (stop-abort.ts).
  const link: Connector | UpstreamGroup = group ?? connector;
  const relayThrough = stopAbort.wrap(tracer.wrap('upstream', named === undefined ? config.upstream : 'group', link));
  made.through = relayThrough;
  // An approval the client never got (after the POS timeout, or its POS or HTTP connection gone): reversed.
  // Judged, built and sent for the upstream that answered (the routes and the relay say which).
  const reverseUndelivered = undeliveredApproval({ connector, logger, registry });
  made.undelivered = httpUndelivered(reverseUndelivered);
  made.notReversed = () => reverseUndelivered.notReversed();
  const posOptions = posEndpointOptions(config, {
    tls: posTls,
    dialect: posDialect,
    tracer: posTracer,
    connector,
    group,
    through: relayThrough,
    answerOwn,
    reverseUndelivered,
    logger,
    registry,
  });
  const addresses = {} as GatewayAddresses;
  try {
    created = createInboundEndpoint(posOptions);
    addresses.pos = await listening('--listen', config.bind, config.listen, () => (created as InboundEndpoint).start());
    if (http.listen !== undefined) {
      addresses.http = await http.listen(httpBindOf(config), config.http, '--http');
      warnOpenGatewayHttp(config, token, logger);
    }
    if (config.metrics !== undefined) {
      const { startMetrics } = await import('./http.js'); // Fastify, loaded only with --http or --metrics (clients.ts)
      addresses.metrics = await startMetrics(config, monitoring, (server, cap) => {
        metricsApp = server;
        caps.metrics = cap;
      }, logger.child({ side: 'metrics' }));
    }
    if (config.statsPort !== undefined) {
      const port = config.statsPort;
      const { startStatsPort } = await import('./stats-port.js'); // loaded only with --stats-port
      statsPort = await listening('--stats-port', config.metricsHost, port, () => startStatsPort(config.metricsHost, port, () => statsBody(), {
        maxConnections: config.metricsMaxConnections,
        ...(config.metricsMaxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: config.metricsMaxConnectionsPerAddress }),
      }));
      addresses.stats = statsPort.address;
      caps.statsPort = statsPort.connections;
    }
  } catch (err) {
    // A port in use, say: every upstream link is up by now (the other upstreams' too), and is let go with the rest.
    throw await undoKeeping(err, undoStart, logger);
  }
  const endpoint: InboundEndpoint = created;
  made.endpoint = endpoint;
  // Serving now: the log's first prune runs in the background, as the daily one (a slow or failed prune holds no port).
  retention?.startPruning();

  const stats = gatewayStats({ connector, group, endpoint, transactions, caps });
  statsBody = stats.body;

  // Where the SAF entries a stop leaves are kept, for its last line: the database is not named (its URL may hold a password).
  // Each connector's journal folder (none with --store), in the order of everyConnector: a lost one is not said to keep.
  const journalDirs = everyConnector.map((_, i) => (config.store !== undefined ? undefined : journalDirOf(config, named?.[i])));
  const kept = config.store !== undefined ? 'the --store database' : [...new Set(journalDirs)].join(', ');
  let closing: Promise<void> | undefined;
  const close = (deadline = config.shutdownDeadline): Promise<void> => {
    closing ??= shutdown(deadline);
    return closing;
  };
  let aborting: Promise<void> | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let giveUpTimer: NodeJS.Timeout | undefined;
  // Settles once abort() has run, so that a close() in progress stops waiting.
  let markAborted: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    markAborted = () => resolve('aborted');
  });
  // Ends the SAF drain of a stop under way (a cut: once the clients are cut, right before the connectors' destroy).
  const drainStop = new AbortController();
  // The cut of an abort, and of a stop past its deadline (one path, abort-cut.ts): the clients cut, their close waited
  // for; only then the drain ended (it frees the links, whose close refuses the reversals the cut clients ask for), and
  // the links go once those being stored are (bounded as what is under way calls for: drain.ts abortStoreWait).
  const cut = new ClientsCut();
  const cutSteps = (afterDestroy?: () => Promise<unknown>): AbortSteps =>
    cut.steps({ http, destroyEndpoints: () => endpoint.destroy(), metricsApp, statsPort }, () => {
      drainStop.abort();
      return reverseUndelivered.settled(abortStoreWait(reverseUndelivered.underway()));
    }, afterDestroy);
  const abort = (): Promise<void> => {
    aborting ??= (async () => {
      clearTimeout(expiryTimer);
      clearTimeout(giveUpTimer);
      // The first line at once, the last once the links are destroyed or at the cut's bound (drain.ts): it reaches
      // the log within the signal handler's grace, a destroy that hangs (a store out of reach) or not. Every connector
      // has then recorded its last outcome: the log is flushed and released, waiting for its database at most
      // ABORT_LOG_WAIT (what it could not store is kept for the next start, and said; reversals still being stored too).
      await abortConnectors(logger, 'gateway', everyConnector, { kept, logUnderway: () => reverseUndelivered.logUnderway(), ...cutSteps(async () => retention?.close(ABORT_LOG_WAIT)) });
      markAborted();
    })();
    return aborting;
  };

  async function shutdown(deadline: number): Promise<void> {
    const until = Date.now() + deadline;
    logger.info({ deadline }, 'gateway stopping: no new clients, finishing the work in flight');
    const notReversedBefore = reverseUndelivered.notReversed();
    // At the deadline the requests still at the bank are given up, each client answered (68, 504) and each request
    // reversed; STOP_ANSWER_GRACE later, what is left is aborted: the POS and HTTP connections, then the links.
    giveUpTimer = setTimeout(() => stopAbort.abort(), deadline);
    const expired = new Promise<'expired'>((resolve) => {
      expiryTimer = setTimeout(() => resolve('expired'), deadline + STOP_ANSWER_GRACE);
    });
    // POS and HTTP stop accepting at once; each delivers what it has in flight (an answer a client never got is
    // reversed: stored then). The pending reversals and advices are sent at once, while the links are up; the
    // connectors close once both sides have closed and nothing is pending.
    http.stopKeepAlive();
    // A connection the port answers itself (a 408 waiting for its turn, a lingering close) is closed by the deadline.
    if (http.app !== undefined) closeOwnAnswersBy(http.app.server, until);
    if (metricsApp !== undefined) closeOwnAnswersBy(metricsApp.server, until);
    // Its own deadline ends inside the grace, before the expiry: a terminal slow to read is cut while the links are up.
    const posClosed = endpoint.close({ deadline: deadline + STOP_ANSWER_GRACE / 2 });
    // Until the grace ends: the reversals of what the deadline gave up are sent too while the links are up.
    const clientsDone = Promise.allSettled([posClosed, http.serverClosed]);
    const linksFree = waitForSaf(everyConnector, until + STOP_ANSWER_GRACE, drainStop.signal, clientsDone);
    // Held till the clients are done too, or a cut has begun (then till its destroy of them: abort-cut.ts).
    const linksHeld = cut.hold(linksFree, clientsDone);
    http.holdConnectorsUntil(linksHeld);
    // Every part is waited for (settleAll): one close that fails never cuts short an upstream still draining its
    // reversals to its bank; the first failure is the stop's, once all have settled (or the deadline, or an abort).
    const othersClosed = closeLinksAfter(otherLinks, linksHeld);
    let failure: { err: unknown } | undefined;
    const orderly = settleAll([posClosed, http.close(), metricsApp?.close(), statsPort?.close(), othersClosed]).then(
      () => 'done' as const,
      (err: unknown) => {
        failure = { err };
        return 'done' as const;
      },
    );
    const outcome = await Promise.race([orderly, expired, aborted]);
    clearTimeout(expiryTimer);
    clearTimeout(giveUpTimer);
    // An abort tells the end itself (its own last line): the stop does not add a second one.
    if (outcome === 'aborted' || aborting !== undefined) return;
    if (outcome === 'expired') {
      logger.warn(...deadlinePassedLine('gateway'));
      // As an abort (drain.ts cutThenDestroy): the clients' reversals stored before the links go.
      // A destroy that never settles keeps the stop unsettled, as ever (the process's own bound then ends it).
      if (!(await cutThenDestroy(everyConnector, cutSteps()))) await settleAll(everyConnector.map((c) => c.destroy()));
      if (aborting !== undefined) return;
    }
    // Every connector has recorded its last outcome: the log is flushed and released within what is left of the deadline
    // and its grace (at least ABORT_LOG_WAIT, not the log's own 5 s), what a store away did not take kept for the next start.
    await retention?.close(Math.max(ABORT_LOG_WAIT, until + STOP_ANSWER_GRACE - Date.now()));
    // A journal lost meanwhile (its folder removed) fails the stop, naming what was lost; so does an approval a client never
    // got not reversed (or still under way), or owed and NOT in the store (rv69b), unless an abort began meanwhile (sr68c #4).
    const lost = lostJournals(everyConnector.map((c, i) => ({ connector: c, dir: journalDirs[i] })));
    const keptNow = config.store !== undefined ? kept : keptIn(journalDirs, lost);
    const notReversed = await reverseUndelivered.notReversedSince(notReversedBefore, until, () => aborting !== undefined);
    // The causes first, then the end line, which says the stop failed (never `gateway stopped` before an error); an abort
    // begun meanwhile tells the end itself (its own last line), as the flow's stop leaves it (sr68n #2).
    const { error, code } = stopFailure(logger, 'gateway', { failure, lost, notReversed: notReversed + notStoredOf(everyConnector) });
    if (aborting === undefined) logStopped(logger, 'gateway', everyConnector, { ...(keptNow === '' ? {} : { kept: keptNow }), ...(code === undefined ? {} : { failed: code }) });
    if (error !== undefined) throw error;
  }

  return {
    addresses,
    connector,
    group,
    endpoint,
    stats: () => statsBody(),
    resetStats: () => stats.reset(),
    close,
    abort,
  };
}
