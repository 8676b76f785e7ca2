/**
 * The operator console on an HTTP port: `GET /console` (the page, from the files in the package's `console/`
 * folder), `GET /console/events` (Server-Sent Events: the figures once a second, the recent transactions), and the
 * workbench's `POST /console/api/decode` and `POST /console/api/send` (the latter refused with 403 unless sending
 * is on), and `GET /console/api/session` (200 while the page's credentials hold). Answers of the API are JSON; failures are `{ error: { code, message, field } }`.
 * The workbench's bodies are bounded by `WORKBENCH_BODY_LIMIT` (256 KiB): a larger one is refused 413 naming `body`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Iso8583Error, resolveDialect } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { httpStatusOf, noteFailedAnswer, noteRouteFailure, parseJsonBody, untilGone } from '@iso8583/connector';
import type { Connector, RouteTarget, TransactionLog, UndeliveredAnswerHandler } from '@iso8583/connector';
import { FRAME_CHOICES } from '../flags.js';
import { markStream } from '../http/pipeline-cap.js';
import { bodyRefusal } from '../http/not-found.js';
import { credentialsHold } from './access.js';
import { CONSOLE_HTTP_STATUS, CONSOLE_UNEXPECTED, consoleError } from './errors.js';
import type { ConsoleErrorCode } from './errors.js';
import { Figures } from './figures.js';
import { pageHeaders } from './headers.js';
import type { FigureSource, Snapshot } from './figures.js';
import type { TransactionRing } from './recent.js';
import { OUTCOME_MEANINGS } from './response-codes.js';
import { WORKBENCH_BODY_LIMIT, decodeRequest, fieldRows, workbenchDialects } from './workbench.js';
export { LOG_READ_BUSY, LOG_READ_TICKS, LOG_READ_TIMEOUT } from './log-reads.js';
export type { RecentEvent } from './log-reads.js';
import { recentReads } from './log-reads.js';
import { answerWatch, unwritableSend, watchSendDelivery } from './send-delivery.js';
import { noteConsoleCode, noteSend, sendAudit } from './audit.js';
import type { DecodeRequest } from './workbench.js';

/** Options of {@link mountConsole}. */
export interface ConsoleOptions {
  /** Where the figures come from (connectors, upstream group, inbound endpoints). */
  source: FigureSource;
  /** The ring of recent transactions (fed by the connectors' transaction recorders, or `TransactionRing.wrap`). */
  ring: TransactionRing;
  /**
   * The server's own dialects by role (`upstream`, `pos`; a flow's connector names), offered first by the workbench. A
   * send's answer is read in the dialect of the upstream that carried it (a group's `routedTo`, a connector's codec),
   * else of the role named as its target, else in the first of these. Default: none.
   */
  dialects?: Readonly<Record<string, string | Dialect>>;
  /** The workbench may send composed messages (`--console-send`). Default `false`: 403. */
  send?: boolean;
  /**
   * What a send's answer the page never got goes to (its request aborted before the answer was written whole, or an
   * answer that cannot be written): the server's one handler of undelivered answers, the HTTP routes' `onUndelivered`
   * (the gateway's and a flow's reverse an approval: late-approval.ts). send-delivery.ts. Default: the first
   * `routes.onUndelivered` of the HTTP app's connectors (http/app.ts), else none (told to nobody). That one handler is
   * told of the sends to every target, whichever connector (or upstream group) it is: it must act on its `upstream`
   * argument (reverse there, read that connector's dialect and options), never on the connector it was made for.
   */
  undelivered?: UndeliveredAnswerHandler;
  /** Where a composed message can go, by name (the first is the default). Read at each send. */
  targets(): Record<string, RouteTarget>;
  /** How many recent transactions the page shows. Default 20. */
  recent?: number;
  /** How often the figures are read and pushed to the event streams, in ms. Default 1000. */
  tick?: number;
  /** The port asks for a token: the page offers to sign out (`POST /console/logout`, access.ts). Default `false`. */
  signOut?: boolean;
}

/** The folder of the console's files (index.html, console.js, stream.js, console.css), shipped in the package. */
export const CONSOLE_DIR = new URL('../../../console/', import.meta.url);

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'stream.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The dialect a send target reads its answers in, when it is a connector (its codec's); `undefined` otherwise. */
function ownDialectOf(target: RouteTarget): Dialect | undefined {
  const dialect = (target as { codec?: { dialect?: unknown } }).codec?.dialect;
  return dialect !== null && typeof dialect === 'object' ? (dialect as Dialect) : undefined;
}

/** The transaction log of the first connector that has one (the connector's `transactionLog` option). */
function transactionLogOf(connectors: Record<string, Connector>): TransactionLog | undefined {
  for (const c of Object.values(connectors)) {
    const holder = c as unknown as { transactionLog?: unknown; options?: { transactionLog?: unknown } };
    const log = holder.transactionLog ?? holder.options?.transactionLog;
    if (log !== null && typeof log === 'object' && typeof (log as TransactionLog).query === 'function') return log as TransactionLog;
  }
  return undefined;
}

/**
 * The body of a failure; an error without a console code is answered by its own code and HTTP status, with its
 * `field` and `problems` (field, code, reason: never a value). An unexpected one (500) is noted and logged by name
 * and code (the connector's route-failure.ts).
 */
function failure(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof Iso8583Error)) {
    // Fastify's own (a body that is not JSON, too large, of another type): the console's input error, naming the body,
    // with Fastify's status (400, 413, 415) and the reason the connector plugin gives (one home: http/not-found.ts).
    const refused = bodyRefusal(err, request);
    noteConsoleCode(request, refused?.error.code ?? CONSOLE_UNEXPECTED.code);
    if (refused !== undefined) return reply.code(refused.status).send({ error: refused.error });
    noteRouteFailure(request, err);
    noteFailedAnswer(request, 500, CONSOLE_UNEXPECTED.code);
    return reply.code(500).send({ error: CONSOLE_UNEXPECTED });
  }
  noteConsoleCode(request, err.code);
  const own = CONSOLE_HTTP_STATUS[err.code as ConsoleErrorCode];
  const status = own ?? httpStatusOf(err);
  if (status === 500) noteRouteFailure(request, err);
  noteFailedAnswer(request, status, err.code);
  reply.code(status);
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.field !== undefined) body.field = err.field;
  if (err.problems !== undefined && err.problems.length > 0) body.problems = err.problems;
  return reply.send({ error: body });
}

/**
 * Mounts the console on `app` (before `ready`); its ticker stops when the app closes. `logger` (default: the app's
 * own, `app.log`) is told when the transaction log fails (once per run of failures, with its code) and when it
 * answers again.
 */
export function mountConsole(app: FastifyInstance, options: ConsoleOptions, logger: Logger | FastifyBaseLogger = app.log): void {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) files.set(name, readFileSync(new URL(name, CONSOLE_DIR)));
  const dialects = workbenchDialects(options.dialects ?? {});
  // A send target named as one of the server's roles (a flow's connector) answers in that role's dialect.
  const targetDialects = new Map(Object.entries(options.dialects ?? {}).map(([role, ref]) => [role, resolveDialect(ref)]));
  const figures = new Figures(options.source, options.ring);
  const streams = new Set<ServerResponse>();
  const recentLimit = options.recent ?? 20;

  // The log the connectors record to, unless it is the ring itself (a gateway with --no-transaction-log).
  const durableLog = (): TransactionLog | undefined => {
    const log = transactionLogOf(options.source.connectors());
    return log === options.ring ? undefined : log;
  };
  const sharedRecent = recentReads({ ring: options.ring, limit: recentLimit, durableLog, figures, logger });
  // Each tick's snapshot is written as JSON once, whatever the number of open streams.
  let lastSnap: { snap: Snapshot; text: string } | undefined;
  const snapshotText = (snap: Snapshot): string => {
    if (lastSnap?.snap !== snap) lastSnap = { snap, text: JSON.stringify(snap) };
    return lastSnap.text;
  };
  // The hello of a new event stream (the figures' history and the response codes: ~130 KB) is written as JSON once a
  // tick (and again when the targets change), however many streams connect in it: a page reloaded by many operators
  // at once, or a browser reconnecting each second, stringified it anew each time.
  let lastHello: { snap: Snapshot | undefined; targets: string; text: string } | undefined;
  const helloText = (): string => {
    const snap = figures.latest();
    const targets = Object.keys(options.targets());
    const key = JSON.stringify(targets);
    if (lastHello === undefined || lastHello.snap !== snap || lastHello.targets !== key) {
      const text = JSON.stringify({
        dialects: [...dialects.keys()],
        frames: FRAME_CHOICES,
        send: options.send === true,
        signOut: options.signOut === true,
        tick: options.tick ?? 1000,
        responseCodes: OUTCOME_MEANINGS,
        targets,
        history: figures.all(),
      });
      lastHello = { snap, targets: key, text };
    }
    return lastHello.text;
  };

  // Once listening: the parts the figures read are made by then (the gateway makes them after the app).
  app.addHook('onListen', async () => figures.start(options.tick));
  // Before the server closes: an open event stream would otherwise hold it open.
  // Connections that have not sent a request yet: browsers open them ahead of need, and the server's close would
  // wait for them (they are not idle keep-alive connections, which the app closes) until the shutdown deadline.
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  app.addHook('preClose', async () => {
    for (const socket of unused) socket.destroy();
    unused.clear();
    figures.stop();
    for (const res of streams) res.end();
    streams.clear();
  });

  void app.register(async (child) => {
    child.setErrorHandler((err, request, reply) => failure(request, reply, err));
    child.removeContentTypeParser('application/json');
    child.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
    const page = (name: string) => async (_request: unknown, reply: FastifyReply) =>
      pageHeaders(reply).type(FILES[name] as string).send(files.get(name));
    child.get('/console', page('index.html'));
    child.get('/console/', page('index.html'));
    child.get('/console/console.js', page('console.js'));
    child.get('/console/stream.js', page('stream.js'));
    child.get('/console/console.css', page('console.css'));

    child.get('/console/events', async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      streams.add(res);
      // At the HTTP port's connection cap, closed for a new connection rather than holding it (the page opens it again).
      markStream(res);
      // A page that does not keep up (a slow link, a stuck tab, a client that never reads) is sent fewer events, not
      // buffered for: while the socket has not taken the last event (write() said so, no 'drain' yet), the events of
      // this stream are skipped. The figures are totals and the next one sent brings the page up to date; the list is
      // sent again once it is taken. The server holds at most one event a stream beyond what the socket took.
      let behind = false;
      // A list skipped so: sent as soon as the socket took the rest.
      let missed = false;
      res.on('drain', () => {
        behind = false;
        if (missed) void push();
      });
      const write = (event: string, json: string): boolean => {
        if (res.writableEnded || behind) return false;
        if (!res.write(`event: ${event}\ndata: ${json}\n\n`)) behind = true;
        return true;
      };
      // A stream the server ends (a sign-out elsewhere, a stop) is opened again by the browser after 1 s, as the page's
      // own retries start, not after the browser's default (3 s in Chromium).
      res.write('retry: 1000\n\n');
      write('hello', helloText());
      // The list as last sent: one that did not change is not sent again (the log is read each tick).
      let shown = -1;
      let sent: string | undefined;
      // One push of a stream waits for the list at a time, so the lists are sent in the order read (an older read
      // answered after a newer one was sent over it, until the next tick); a tick meanwhile asks for one more once it is
      // done (a log that does not answer holds one push a stream, not one a second).
      let pushing = false;
      let again = false;
      const push = async (): Promise<void> => {
        if (pushing) {
          again = true;
          return;
        }
        pushing = true;
        try {
          await pushNow();
        } finally {
          pushing = false;
          if (again) {
            again = false;
            void push();
          }
        }
      };
      const pushNow = async (): Promise<void> => {
        const version = options.ring.version;
        const fromLog = durableLog() !== undefined;
        if (!fromLog && version === shown) return;
        const text = JSON.stringify(await sharedRecent());
        if (text === sent) return;
        missed = !write('recent', text);
        if (missed) return;
        shown = version;
        sent = text;
      };
      void push();
      const stop = figures.subscribe((snap) => {
        // A session that expired or signed out ends its stream: the page's reconnection is then refused (401).
        if (!credentialsHold(request.raw)) {
          res.end();
          return;
        }
        write('figures', snapshotText(snap));
        void push();
      });
      // The response's close: the page went away (the request's own 'close' comes as soon as it is read). A client
      // that only half-closed would leave the socket open (and the server unable to close): it is destroyed.
      res.on('close', () => {
        stop();
        streams.delete(res);
        res.destroy();
      });
    });

    // What the page asks when its event stream fails: 200 while its credentials hold (the token hook answers 401 when
    // they do not), so that the page tells "signed out" from a server error and from the network being away.
    child.get('/console/api/session', async () => ({ signedIn: true }));

    // The workbench's bodies are one wire image or one message: a larger one is refused 413 unread (WORKBENCH_BODY_LIMIT).
    child.post('/console/api/decode', { bodyLimit: WORKBENCH_BODY_LIMIT }, async (request) => {
      return decodeRequest((request.body ?? {}) as DecodeRequest, dialects);
    });

    // Each send is told at info, coded, whatever its answer (audit.ts): who sent what where, and what came back.
    const audit = sendAudit(logger, options.signOut === true);
    child.post('/console/api/send', { bodyLimit: WORKBENCH_BODY_LIMIT, onRequest: audit.onRequest, onResponse: audit.onResponse }, audit.handler(async (request, reply) => {
      if (options.send !== true) {
        throw consoleError('ISO8583_ERR_CONSOLE_SEND_OFF', 'sending from the console is off: start the server with --console-send', 'send');
      }
      const body = request.body as { message?: unknown; upstream?: unknown } | undefined;
      const message = body?.message;
      if (message === null || typeof message !== 'object' || Array.isArray(message)) {
        throw consoleError('ISO8583_ERR_CONSOLE_INPUT', 'message: give the message as a JSON object keyed by field number', 'message');
      }
      const targets = options.targets();
      const name = body?.upstream ?? Object.keys(targets)[0];
      const target = typeof name === 'string' && Object.hasOwn(targets, name) ? targets[name] : undefined;
      noteSend(request, { message: message as MessageInput, ...(target === undefined ? {} : { target: name as string }) });
      if (target === undefined) {
        throw consoleError('ISO8583_ERR_CONSOLE_INPUT', `upstream: not one of ${Object.keys(targets).join(', ')}`, 'upstream');
      }
      const start = performance.now();
      // The answer is named and masked in the dialect of the link that carried it (a field one bank marks sensitive, a
      // CVV2 in 48, may be plain text to another): the upstream a group routed it to (the group tells it, `routedTo`),
      // else the target's own (a connector), else the server's role of that name, else the first.
      let routed: Dialect | undefined;
      const routedTo = (upstream: Connector): void => {
        routed = upstream.codec.dialect;
      };
      // An answer the page never gets (an aborted request) is handed over as the routes hand theirs: an approval that
      // moved money with nobody told is reversed (send-delivery.ts). A page gone while its send still waits (its
      // terminal's turn, a connection) drops it unsent, as the routes do (untilGone): never sent after the page left.
      const watch = answerWatch(message as MessageInput);
      const send = (signal: AbortSignal) => target.request(message as MessageInput, { routedTo, answeredBy: watch.answeredBy, signal });
      const response = await untilGone(request, reply, send, logger, message as MessageInput);
      noteSend(request, { response });
      const dialect = routed ?? ownDialectOf(target) ?? targetDialects.get(name as string) ?? ([...dialects.values()][0] as Dialect);
      let fields: ReturnType<typeof fieldRows>;
      try {
        fields = fieldRows(response, dialect);
      } catch (err) {
        unwritableSend(reply, options.undelivered, watch.told(), err);
        throw err;
      }
      watchSendDelivery(reply, options.undelivered, watch.told());
      return reply.send({ upstream: name, latencyMs: Math.round((performance.now() - start) * 100) / 100, fields });
    }));
  });
}
