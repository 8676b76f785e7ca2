/**
 * Running a flow: the connectors (registered on a Fastify app with the connector plugin, which also mounts their
 * HTTP routes), the inbound endpoints with their sequences (each sequence gets every connector of the flow in
 * `context.connectors`), and the HTTP server with `GET /stats` and `GET /metrics`.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { approvalCodesOf, resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { createUpstreamGroup, httpUndelivered, undeliveredApproval } from '@iso8583/connector';
import type { Connector, Iso8583ConnectorPluginOptions, RouteTarget, UndeliveredAnswerHandler, UndeliveredApproval, UndeliveredApprovalBook, UpstreamGroup } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import type { InboundEndpoint, InboundOptions } from '@iso8583/inbound';
import { assembleHttp } from '../http/app.js';
import { closeOwnAnswersBy } from '../http/own-answer-close.js';
import { warnOpenHttp } from '../http/open-warning.js';
import { listenError } from '../args.js';
import { abortConnectors, abortStoreWait, cutThenDestroy, logStopped, notStoredOf, waitForSaf } from '../drain.js';
import type { AbortSteps } from '../drain.js';
import { ClientsCut } from '../abort-cut.js';
import { lostJournals } from '../journal-lost.js';
import { printable } from '../io.js';
import { settleAll } from '../settle-all.js';
import { ResettableStats } from '../stats.js';
import { createTracer } from '../trace.js';
import type { MessageTracer } from '../trace.js';
import type { Flow } from './load.js';
import { routePrefix } from './load.js';
import { resolveFlowSequences } from './sequences.js';
import type { FlowSequences } from './sequences.js';
import { readHttpToken } from '../console/access.js';
import { TransactionRing } from '../console/recent.js';
import { UndeliveredApprovals } from './undelivered-approvals.js';
import { stopFailure } from '../stop-failure.js';
import { deadlinePassedLine, warningFields } from '../warning-fields.js';
import { FLOW_HELD_BACK_OPTION } from '../http/held-budget.js';
import { FLOW_HTTP_CAP_FLAGS } from '../http/shed-log.js';
import { recordingUpstream, refuseOtherUpstreams } from './journal-owners.js';
import { refuseStoreOverJournal } from './options.js';
import { pointer } from './locate.js';
import { FLOW_HTTP_SOURCE, flowHttpHost, refuseFaultedStart } from './run-options.js';
import { STOP_ANSWER_GRACE, StopAbort, shutdownDeadlineWarnings } from './stop-deadline.js';
import type { FlowRunOptions } from './run-options.js';

/** A running flow. */
export interface RunningFlow {
  /** The flow as loaded. */
  readonly flow: Flow;
  /** The connectors by name. */
  readonly connectors: Record<string, Connector>;
  /** The upstream groups by name. */
  readonly groups: Record<string, UpstreamGroup>;
  /** The inbound endpoints by name. */
  readonly endpoints: Record<string, InboundEndpoint>;
  /** Where each inbound endpoint listens, by name. */
  readonly inbound: Record<string, AddressInfo>;
  /** The HTTP address, when the flow has an HTTP section. */
  readonly http: AddressInfo | undefined;
  /** The stats shown by `GET /stats`. */
  stats(): Record<string, unknown>;
  /** Starts the stats over. */
  resetStats(): void;
  /** Stops accepting, lets in-flight work and pending reversals finish (up to `deadline` ms), closes. Idempotent. */
  close(deadline?: number): Promise<void>;
  /**
   * Aborts (a second stop signal), within drain.ts `ABORT_MAX_WAIT` (8 s; about a second with nothing to store): the
   * listeners and connections closed, the connectors destroyed; requests in flight get no answer, the SAF entries stay
   * in the journals for the next start. Logs `flow NAME aborting ...`, then `flow NAME aborted ...` with what the SAF
   * queues still hold and where (drain.ts `abortConnectors`), and each reversal still being stored then (`NOT known
   * reversed`, counted as `notKnownReversed`). Safe to call twice, and during `close()`.
   */
  abort(): Promise<void>;
}

/** Starts every part of a flow; resolves once every listener is up. */
export async function startFlow(flow: Flow, logger: Logger, run: FlowRunOptions = {}): Promise<RunningFlow> {
  const token = readHttpToken(run.httpToken, run.httpTokenFile);
  // One tracer per dialect: each message is named and masked by the dialect of the link it travels (a field a JSON
  // dialect marks sensitive is hidden in the traces of that endpoint or connector), and by every other dialect's marks.
  // Each dialect is loaded once (a dialect file read once), and the list of those the flow crosses made once.
  const loaded = new Map<string | Dialect, Dialect>();
  const load = (d: string | Dialect): Dialect => {
    let dialect = loaded.get(d);
    if (dialect === undefined) {
      dialect = resolveDialect(d);
      loaded.set(d, dialect);
    }
    return dialect;
  };
  let crossed: Dialect[] | undefined;
  const tracers = new Map<string, MessageTracer>();
  const tracerFor = (dialect: string | Dialect): MessageTracer => {
    const key = typeof dialect === 'string' ? dialect : JSON.stringify(dialect);
    let tracer = tracers.get(key);
    if (tracer === undefined) {
      crossed ??= [...new Set([...Object.values(flow.inboundEndpoints), ...Object.values(flow.connectors)].map(dialectOf))].map(load);
      tracer = createTracer({ logger, dialect: load(dialect), logMessages: run.logMessages === true, alsoMaskedBy: crossed });
      tracers.set(key, tracer);
    }
    return tracer;
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // What loading warned of (a default journal folder that cannot be entered: load.ts `Flow.warnings`), as the gateway logs its.
  for (const line of flow.warnings ?? []) logger.warn(warningFields(line), line); // its code a field too
  // A journal owing entries recorded for another upstream stops the start before any connector opens it.
  refuseOtherUpstreams(flow.connectors);
  refuseStoreOverJournal(flow.name, flow.connectors); // a file journal still owing that a store never opens (options.ts)
  // Sequences first: a module that does not load, or a name not registered, stops the flow before any socket opens.
  const sequences = await resolveFlowSequences(flow);
  await refuseFaultedStart(run); // a module's top level that left a fault: before anything opens (run-options.ts)

  let statsBody: () => Record<string, unknown> = () => ({});
  const groups: Record<string, UpstreamGroup> = {};
  // A group's HTTP routes are mounted by its first upstream's plugin and go through the group (made below, once the
  // connectors exist), as the gateway's do.
  const routeOwner = new Map<string, { prefix: string; group: string }>();
  // Read by own key only: a connector or group named `toString` or `constructor` has no route of Object's.
  const routeOf = (name: string): string | undefined => {
    const routes = flow.http?.routes;
    return routes !== undefined && Object.hasOwn(routes, name) ? routes[name] : undefined;
  };
  for (const [name, group] of Object.entries(flow.upstreamGroups)) {
    const prefix = routeOf(name);
    if (prefix !== undefined) routeOwner.set(group.upstreams[0] as string, { prefix, group: name });
  }
  // The console's ring sees what goes through the connectors and groups: their HTTP routes and the sequences' requests.
  const dialectOf = (options: unknown): string | Dialect => (options as { dialect?: string | Dialect }).dialect ?? 'iso87ascii';
  const firstDialect = dialectOf(Object.values(flow.connectors)[0] ?? {});
  const ring = run.noConsole === true ? undefined : new TransactionRing({ approvals: load(firstDialect) });
  const recorded: Record<string, RouteTarget> = {};
  const pluginOptions: Record<string, Iso8583ConnectorPluginOptions> = {};
  // An approval whose client never got it (an HTTP client gone, or an answer that cannot be written; an inbound
  // message's reply not delivered: undelivered-approvals.ts) is reversed at the upstream that answered, as the gateway
  // does, by its one handler (the connector's undeliveredApproval); the routes and the sequences' targets always say which upstream that
  // was (so the handler's default upstream, the first told, is never the one used).
  let reverseApproval: UndeliveredApprovalBook | undefined;
  const reverse: UndeliveredApproval = (original, answer, upstream, reason, side) => {
    reverseApproval ??= undeliveredApproval({ connector: upstream ?? (Object.values(assembled.connectors)[0] as Connector), logger, registry });
    return reverseApproval(original, answer, upstream, reason, side);
  };
  const onUndelivered: UndeliveredAnswerHandler = httpUndelivered(reverse);
  for (const [name, options] of Object.entries(flow.connectors)) {
    const owned = routeOwner.get(name);
    const prefix = owned?.prefix ?? routeOf(name);
    // The options as loadFlow made them (paths resolved, the journal placed), with what only code gives. The flow's
    // logger as it is: the connector binds its own name (`connector`) to its lines.
    // Each records its upstream in its journal folder under the journal's lock, before it connects (journal-owners.ts).
    const one: Record<string, unknown> = { ...options, logger, registry, ...recordingUpstream(flow.connectors, name) };
    if (prefix !== undefined) one.routes = { prefix: routePrefix(prefix), via: () => recorded[name], onUndelivered };
    if (owned !== undefined) one.routes = { ...(one.routes as object), via: () => recorded[owned.group] ?? groups[owned.group] };
    pluginOptions[name] = one as unknown as Iso8583ConnectorPluginOptions;
  }
  let endpointsMade: Record<string, InboundEndpoint> = {};
  const dialects = Object.fromEntries(Object.entries(flow.connectors).map(([n, c]) => [n, dialectOf(c)]));
  const assembled = await assembleHttp({
    connectors: pluginOptions,
    monitoring: { registry, stats: () => statsBody() },
    ...(token === undefined ? {} : { token }),
    ...(flow.http?.maxConnections === undefined ? {} : { maxConnections: flow.http.maxConnections }),
    ...(flow.http?.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: flow.http.maxConnectionsPerAddress }),
    ...(flow.http?.maxHeldBack === undefined ? {} : { maxHeldBack: flow.http.maxHeldBack }),
    // The limits' texts (the 503 at the cap, the shed line, a connection closed over the held-back budget) name the
    // flow's options, not the gateway's flags.
    capFlags: FLOW_HTTP_CAP_FLAGS,
    heldBackOption: FLOW_HELD_BACK_OPTION,
    sessions: {
      ...(run.consoleSessionLifetime === undefined ? {} : { lifetime: run.consoleSessionLifetime * 60_000 }),
      secureCookie: run.consoleSecureCookie === true,
    },
    ...(run.trustedProxies === undefined ? {} : { trustedProxies: run.trustedProxies }),
    logger: logger.child({ side: 'http' }),
    logEveryRequest: run.logMessages === true,
    ...(ring === undefined || flow.http === undefined
      ? {}
      : {
          console: {
            ring,
            source: {
              connectors: () => assembled.connectors,
              groups: () => Object.values(groups),
              endpoints: () => endpointsMade,
              undeliveredNotReversed: () => reverseApproval?.notReversed() ?? 0,
            },
            dialects,
            send: run.consoleSend === true,
            // A send's approval the page never got is reversed as the routes' are, routes or not (console/send-delivery.ts).
            undelivered: onUndelivered,
            targets: () => recorded,
          },
        }),
  });
  const app = assembled.app;
  const connectors = assembled.connectors;
  for (const [name, group] of Object.entries(flow.upstreamGroups)) {
    groups[name] = createUpstreamGroup({
      upstreams: group.upstreams.map((u) => ({ name: u, connector: connectors[u] as Connector })),
      ...(group.strategy === undefined ? {} : { strategy: group.strategy }),
      ...(group.routes === undefined ? {} : { routes: group.routes }),
      // Every group's upstreams are series of the same metrics (label `upstream`) on the flow's registry.
      registry,
      logger: logger.child({ upstreamGroup: name }),
    });
  }
  // What the sequences and the HTTP routes send through: each connector and group traced (--log-messages, debug,
  // trace), then recorded by the console's ring.
  const targets: Record<string, RouteTarget> = { ...connectors, ...groups };
  for (const line of shutdownDeadlineWarnings(flow, connectors)) logger.warn(warningFields(line), line);
  // A stop past its deadline gives up what they still have at the bank, each terminal answered (stop-deadline.ts).
  const stopAbort = new StopAbort(`flow ${printable(flow.name)}`);
  for (const [name, t] of Object.entries(targets)) {
    const o = Object.hasOwn(flow.connectors, name) ? (flow.connectors[name] as { host?: unknown; port?: unknown }) : undefined;
    const peer = Object.hasOwn(groups, name) ? 'group' : `${String(o?.host ?? '127.0.0.1')}:${String(o?.port ?? '?')}`;
    // A group's messages are traced with the dialect of the upstream each went to (the group tells it); its first
    // upstream's names nothing it sent.
    const dialect = dialectOf(flow.connectors[Object.hasOwn(groups, name) ? (flow.upstreamGroups[name]?.upstreams[0] as string) : name] ?? {});
    const traced = tracerFor(dialect).wrap(name, peer, t);
    // Its records judged approved or declined by the answering host's dialect: a group's, any of its upstreams'
    // (a 1993 upstream's `000` and a 1987 one's `00` each approve; one never answers with the other's codes).
    const upstreams = Object.hasOwn(groups, name) ? (flow.upstreamGroups[name]?.upstreams ?? []) : [name];
    // Its fixed-length numeric fields padded as the dialect packs them (a STAN sent as '301' recorded '000301').
    const approvals = { ...load(dialect), approvalCodes: [...new Set(upstreams.flatMap((u) => approvalCodesOf(load(dialectOf(flow.connectors[u] ?? {})))))] };
    recorded[name] = stopAbort.wrap(ring === undefined ? traced : ring.wrap(traced, name, approvals));
  }

  const endpoints: Record<string, InboundEndpoint> = {};
  // Each endpoint's book of approvals, given up on (`abandon`) once the endpoint has closed; settled once the
  // reversals that started are stored (or known lost), so that a stop holds the connectors until then.
  const books = new Map<InboundEndpoint, UndeliveredApprovals>();
  const closedThenAbandoned = (e: InboundEndpoint, closed: Promise<void>): Promise<void> => closed.finally(() => books.get(e)?.abandon());
  // Every book given up on now (its endpoint's connections already cut), settled once every reversal started so far is
  // stored, sent or known lost: what the connectors' destroy must wait for (never rejects).
  // Waited for as long as what is under way calls for (drain.ts abortStoreWait: it grows with the reversals begun).
  const abandonAll = async (): Promise<void> => {
    for (const book of books.values()) void book.abandon();
    await reverseApproval?.settled(abortStoreWait(reverseApproval.underway()));
  };
  const inbound: Record<string, AddressInfo> = {};
  let http: AddressInfo | undefined;
  try {
    for (const [name, options] of Object.entries(flow.inboundEndpoints)) {
      const seq = sequences[name] as FlowSequences[string];
      // Each message the endpoint answers is traced in, and the reply it wrote out; the approvals its sequence got are
      // reversed when its reply never reaches the terminal, or the sequence fails and onError does not answer with one.
      const traced = tracerFor(dialectOf(options)).endpoint(name, seq.sequence);
      const approvals = new UndeliveredApprovals(reverse, logger.child({ endpoint: typeof options.name === 'string' ? options.name : name }));
      const endpointOptions = {
        ...options,
        name: typeof options.name === 'string' ? options.name : name,
        ...traced,
        sequence: approvals.sequence(traced.sequence),
        onLateResult: approvals.onLateResult,
        connectors: recorded as Record<string, Connector>,
        // The endpoint binds its own `name` (`endpoint`) to its lines: a binding here would give them the key as well.
        logger,
        registry,
      } as InboundOptions;
      if (seq.onError !== undefined) endpointOptions.onError = approvals.onError(seq.onError);
      else delete endpointOptions.onError;
      const endpoint = createInboundEndpoint(endpointOptions);
      approvals.bind(endpoint.options);
      books.set(endpoint, approvals);
      endpoints[name] = endpoint;
      inbound[name] = await endpoint.start().catch((err: unknown) => {
        throw listenError(err, pointer('inboundEndpoints', name, 'port'), String(options.host ?? '127.0.0.1'), Number(options.port));
      });
    }
    endpointsMade = endpoints;
    if (flow.http !== undefined) {
      const host = flowHttpHost(flow.http);
      http = await assembled.listen(host, flow.http.port, '/http/port');
      warnOpenHttp(host, token, FLOW_HTTP_SOURCE, logger);
    }
  } catch (err) {
    // A port in use, say: undo what started, so that the process can exit with the error.
    await Promise.allSettled(Object.values(endpoints).map((e) => e.close({ deadline: 0 })));
    await app.close();
    throw err;
  }

  const stats = new ResettableStats(() => ({
    connectors: Object.fromEntries(Object.entries(connectors).map(([n, c]) => [n, c.stats()])),
    ...(Object.keys(groups).length === 0 ? {} : { upstreamGroups: Object.fromEntries(Object.entries(groups).map(([n, g]) => [n, { upstreams: g.stats() }])) }),
    inboundEndpoints: Object.fromEntries(Object.entries(endpoints).map(([n, e]) => [n, e.stats()])),
  }));
  statsBody = () => {
    const snap = stats.snapshot();
    const figures = snap.figures as Record<string, unknown> & { upstreamGroups?: Record<string, Record<string, unknown>> };
    // Health is a state, not a count: read live beside the (resettable) counters.
    for (const [n, g] of Object.entries(groups)) {
      const entry = figures.upstreamGroups?.[n];
      if (entry !== undefined) entry.healthy = g.healthy();
    }
    return { flow: flow.name, since: snap.since, ...figures };
  };

  // Each connector's journal folder, by its name (loadFlow placed every one).
  const journalDirs = new Map(Object.entries(flow.connectors).flatMap(([n, o]) => {
    const { reversal, saf } = o as { reversal?: { journalDir?: unknown }; saf?: { journalDir?: unknown } };
    const dir = saf?.journalDir ?? reversal?.journalDir;
    return typeof dir === 'string' ? [[n, dir] as const] : [];
  }));
  // The cut of an abort, and of a stop past its deadline (one path, abort-cut.ts): the HTTP connections and the
  // endpoints' cut (destroyed even with a stop's close under way), the connectors held (closed by `app.close()`) until
  // destroyed. Then, the endpoints' close perhaps still under way (a busy machine), their books' `abandon` is forced
  // (no reply reaches a terminal any more), and the connectors go once every reversal started so far is stored.
  const cut = new ClientsCut();
  const cutSteps = (): AbortSteps => cut.steps({
    http: assembled,
    destroyEndpoints: () => Promise.all(Object.values(endpoints).map((e) => closedThenAbandoned(e, e.destroy()).catch(() => undefined))),
  }, () => abandonAll());
  let closing: Promise<void> | undefined;
  const close = (deadline = flow.shutdownDeadline): Promise<void> => {
    closing ??= (async () => {
      const until = Date.now() + deadline;
      const lostBefore = reverseApproval?.notReversed() ?? 0;
      assembled.stopKeepAlive();
      // A connection the port answers itself (a 408 waiting for its turn, a lingering close) is closed by the deadline.
      closeOwnAnswersBy(app.server, until);
      // Every endpoint's close waited for (settleAll), the first failure kept for the stop's outcome (as the gateway's).
      // Once one has closed, the approvals of the sequences it still awaited are reversed (their terminals' connections
      // were closed at the deadline): stored before the SAF queues drain and the connectors close.
      // At the deadline the requests still at the bank are given up while the terminals are connected (onError answers
      // them); the endpoints cut what is left within the grace that follows (the gateway's order: stop-abort.ts).
      const giveUpTimer = setTimeout(() => stopAbort.abort(), deadline);
      const endpointsClosed = settleAll(Object.values(endpoints).map((e) => closedThenAbandoned(e, e.close({ deadline: deadline + STOP_ANSWER_GRACE / 2 }))));
      // The SAF queues drain once the endpoints and the HTTP server have closed (an answer a client never got is stored
      // as its reversal by then, or, still at the bank, during the connector's close), and the connectors are held
      // until then, even past the deadline (an endpoint closes at its deadline: its leftovers, `abandon`, are stored
      // as the connectors still take them; what the drain cannot send by `until` and its STOP_ANSWER_GRACE stays in the journal).
      const clientsDone = Promise.allSettled([endpointsClosed, assembled.serverClosed]);
      // A cut begun meanwhile (the deadline passed, an abort) holds them until it has destroyed them (abort-cut.ts).
      assembled.holdConnectorsUntil(cut.hold(clientsDone.then(() => waitForSaf(Object.values(connectors), until + STOP_ANSWER_GRACE, undefined, clientsDone))));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((r) => {
        timer = setTimeout(() => r('expired'), deadline + STOP_ANSWER_GRACE);
      });
      // Every part is waited for (settleAll): a close that fails never cuts the others short; the first failure is
      // the stop's, once all have settled (or the deadline).
      let failure: { err: unknown } | undefined;
      const orderly = settleAll([endpointsClosed, app.close()]).then(
        () => 'done' as const,
        (err: unknown) => {
          failure = { err };
          return 'done' as const;
        },
      );
      const outcome = await Promise.race([orderly, expired]);
      clearTimeout(timer);
      clearTimeout(giveUpTimer);
      if (outcome === 'expired') {
        // Said as the gateway says it: what the stop cuts short is not left without a word in the log.
        logger.warn(...deadlinePassedLine(`flow ${printable(flow.name)}`));
        // As an abort (drain.ts cutThenDestroy): the clients cut, their close (HTTP and endpoints) waited for, the books'
        // `abandon` forced, and their reversals stored, before the connectors are destroyed.
        if (!(await cutThenDestroy(Object.values(connectors), cutSteps()))) await Promise.allSettled(Object.values(connectors).map((c) => c.destroy()));
      }
      // An abort tells the end itself (its own last line): the stop does not add a second one.
      // A journal lost meanwhile (its folder removed): the stop fails, naming what was lost (as the gateway's); the cause
      // first, then the end line, which says the stop failed (never `flow NAME stopped` before an error).
      const lost = aborting === undefined ? lostJournals(Object.entries(connectors).map(([n, c]) => ({ connector: c, dir: journalDirs.get(n) }))) : [];
      // An approval whose reversal could be neither stored nor sent during the stop (logged at error as it happened),
      // or is still under way at its end: the stop fails too, so that it is never an exit 0. Those being stored or sent
      // (a destroy just refused them) are waited for first, a little past the deadline at most.
      // An abort (begun before or during that wait) lists and counts them on its own end line: not the stop too (sr68c #4).
      const notReversed = (await reverseApproval?.notReversedSince(lostBefore, until, () => aborting !== undefined)) ?? 0;
      const what = `flow ${printable(flow.name)}`;
      // With the reversals owed that are NOT in the store (a response the store may hold done): never an exit 0 either.
      const { error, code } = stopFailure(logger, what, { failure, lost, notReversed: notReversed + (aborting === undefined ? notStoredOf(Object.values(connectors)) : 0) });
      if (aborting === undefined) logStopped(logger, what, Object.values(connectors), code === undefined ? {} : { failed: code });
      if (error !== undefined) throw error;
    })();
    return closing;
  };
  // Where the SAF entries an abort leaves are kept: each connector's journal folder (loadFlow placed every one).
  const kept = [...new Set(journalDirs.values())].join(', ');
  let aborting: Promise<void> | undefined;
  const abort = (): Promise<void> => {
    aborting ??= abortConnectors(logger, `flow ${printable(flow.name)}`, Object.values(connectors), { ...(kept === '' ? {} : { kept }), logUnderway: () => reverseApproval?.logUnderway() ?? 0, ...cutSteps() });
    return aborting;
  };

  return {
    flow,
    connectors,
    groups,
    endpoints,
    inbound,
    http,
    stats: () => statsBody(),
    resetStats: () => stats.reset(),
    close,
    abort,
  };
}
