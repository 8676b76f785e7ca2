/**
 * The Fastify plugin: `app.register(iso8583Connector, { name: 'bank', ...options })` creates the connector (options
 * checked by ajv against connector-manifest.json), decorates `app.iso8583` (name -> connector; made by the first
 * registration, extended by later ones), connects when the app is ready, closes it on `onClose`, and with `routes`
 * mounts HTTP routes: `POST {prefix}/` (JSON or ISOMessage XML body), `POST {prefix}/raw` (hex, read in the dialect of
 * where it goes; the answer in the dialect of the connector that answered) and, when the connector keeps a transaction
 * log, `GET {prefix}/transactions` (transaction-route.ts). With `saf` (`?saf=true`, or `"saf": true` in a JSON body)
 * an advice is stored and forwarded: answered 202 with `{ result: { saf: true, id }, errors: [] }` (XML:
 * `<saf id="..."/>`) once journaled. A browser request from another site is refused (403,
 * cross-site.ts); JSON with a `__proto__` key is refused naming it (body-problem.ts); an unexpected failure is
 * answered 500 and logged by name and code (route-failure.ts). A client that leaves while its request still waits
 * (its terminal's turn, a connection) has it dropped, never sent (client-gone-watch.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CODEC_ERROR_HTTP_STATUS, Iso8583Error, fromObject, readMessage, toSocketQueueObject } from '@iso8583/codec';
import type { Codec, CodecErrorCode, IsoMessage, MessageInput, SocketQueueMessage } from '@iso8583/codec';
import { Connector } from './connector.js';
import { UpstreamGroup } from './upstream-group.js';
import { holdConnector } from './held-connector.js';
import { XML_MEDIA_TYPES, foreignObjectRefusal, parseJsonBody, parseXmlBody, xmlBodyRefusal, xmlMediaType } from './body-problem.js';
import { CONNECTOR_ERROR_HTTP_STATUS, connectorError } from './errors.js';
import type { ConnectorErrorCode } from './errors.js';
import type { ConnectorOptions } from './options.js';
import type { SendOptions } from './send-options.js';
import { transactionRoute } from './transaction-route.js';
import { checkRoutesOption, refuseMountedPrefix, routesPrefix } from './plugin-routes-options.js';
import { refuseCrossSite } from './cross-site.js';
import { noteFailedAnswer, noteRouteFailure } from './route-failure.js';
import { failureBody } from './socketqueue-errors.js';
import { routeBegins, routeErrorAnswers } from './plugin-route-errors.js';
import { unwritableAnswer, watchDelivery } from './undelivered-answer.js';
import { goneSignal, noteDroppedUnsent } from './client-gone-watch.js';
import { refuseRawBodyKeys, safOf, timeoutOf, withoutSaf } from './plugin-saf-flag.js';
import type { UndeliveredAnswer, UndeliveredAnswerHandler } from './undelivered-answer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The ISO 8583 connectors registered on this app, by name. */
    iso8583: Record<string, Connector>;
  }
}

/** Where the HTTP routes are mounted. */
export interface Iso8583RoutesOptions {
  /**
   * The path prefix of the routes (`''` serves `POST /` and `POST /raw`), `''` or starting with `/`; a trailing `/` is
   * dropped (`/iso/` serves `POST /iso`, `POST /iso/` and `POST /iso/raw`, as `/iso` does). Default `''`.
   */
  prefix?: string;
  /**
   * How `POST /` shows a JSON answer's `result`: `'plain'` the message object (strings), `'socketqueue'` as
   * SocketQueue's HTTP service does (numeric fields as numbers, the bitmap as `"1"`; `toSocketQueueObject`), and a
   * failure as `{ result: "", errors: [strings] }` (`Gateway timeout`; socketqueue-errors.ts). Default `'plain'`.
   */
  answers?: 'plain' | 'socketqueue';
  /**
   * Where the routes send their messages, read at each request: e.g. an `UpstreamGroup` made after the app is ready
   * (it routes and fails over like the POS path; a route to a down upstream answers 503
   * `ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN`). `undefined` (or returning `undefined`): this plugin's connector. Its
   * upstreams may use other dialects: `POST /raw` reads the request's hex in the dialect of where it goes (a
   * connector's own; a group's, when all its upstreams share one, else the request is refused with 501
   * `ISO8583_ERR_CONNECTOR_RAW_DIALECTS`; any other target: this connector's), and an answer
   * is written (the `/raw` wire image, the SocketQueue view) in the dialect of the connector that answered, as the
   * target tells it with the send option `answeredBy` (a `Connector` and an `UpstreamGroup` do; one that does not is
   * taken for this connector). An answer that cannot be written is answered 502
   * `ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE` and handed to `onUndelivered` (reason `unwritable`). Default: this
   * connector.
   */
  via?: () => RouteTarget | undefined;
  /**
   * Called once with the request and the host's answer (message objects), the connector whose host answered (with a
   * `via` group, the upstream the request went to; the messages are in its dialect) and the reason, when the answer
   * does not reach the client: its connection closed (an aborted request) before the response was written whole
   * (`client-gone`), or the answer could not be written in the form asked (`unwritable`: the client got 502); e.g. to
   * reverse an approval the client never got (the gateway does, judged and built for that upstream). Not for `saf`
   * requests (stored, not answered), nor for a request whose client left before it was written: that one is dropped,
   * never sent (`ISO8583_ERR_CONNECTOR_ABORTED`, `sent: 'no'`, an info line). A throw is logged. It may be called
   * during `app.close()` (the client cut), when the connector already refuses new requests: a reversal sent with a plain
   * `request` then fails `ISO8583_ERR_CONNECTOR_CLOSED`; send it through the SAF queue (`{ saf: true }`, reversal or
   * SAF enabled), which stores it durably and sends it now or at the next start, as the gateway does. Default: none.
   */
  onUndelivered?: UndeliveredAnswerHandler;
}

/** The connector whose host answered a route's request, and its answer, as `answeredBy` tells them. */
interface Answering {
  by: Connector;
  answer: IsoMessage | undefined;
  /** The request as `by` sent it (its fields 11 and 7 as its `autoFill` filled them in); undefined until told. */
  request: MessageInput | undefined;
  answeredBy: NonNullable<SendOptions['answeredBy']>;
}

/** What the HTTP routes send through: a connector, or anything with its `request`/`sendMessage` API (an `UpstreamGroup`). */
export type RouteTarget = Pick<Connector, 'request' | 'sendMessage'>;

/** Options of the plugin: the connector's options, plus `routes`. */
export interface Iso8583ConnectorPluginOptions extends ConnectorOptions {
  /**
   * Mount the HTTP routes (`POST {prefix}/`, `POST {prefix}/raw`, and `GET {prefix}/transactions` when the connector
   * keeps a transaction log); `false` mounts none. Default `false`.
   */
  routes?: false | Iso8583RoutesOptions;
}

/**
 * The HTTP status of a failure: 400 invalid message (the fields named) or request option (`?timeout=`), 503 closing / pool exhausted / queue full,
 * 504 timeout, 502 any other host or connection error.
 */
export function httpStatusOf(err: unknown): number {
  if (!(err instanceof Iso8583Error)) return 500;
  const code = err.code as string;
  // The statuses are data in the code tables; a code of neither table is the caller's input, or a connector failure.
  return (
    CONNECTOR_ERROR_HTTP_STATUS[code as ConnectorErrorCode] ??
    CODEC_ERROR_HTTP_STATUS[code as CodecErrorCode] ??
    (code.startsWith('ISO8583_ERR_CONNECTOR_') ? 502 : 400)
  );
}

/**
 * What a route's failure tells the client, as an entry of its answer's `errors`: an `Iso8583Error`'s JSON (its code,
 * message and the field named; never card data), else `ISO8583_ERR_INTERNAL` with nothing of the error's own text.
 */
export function errorJson(err: unknown): Record<string, unknown> {
  if (err instanceof Iso8583Error) return err.toJSON();
  return { code: 'ISO8583_ERR_INTERNAL', message: 'internal error' };
}

/**
 * Sets the status of a route's failure and returns what its answer tells (`errorJson`); an unexpected one (500) is
 * noted and logged by name and code, and a failed (5xx) answer's code noted for the request log (route-failure.ts).
 */
function failed(request: FastifyRequest, reply: FastifyReply, err: unknown): Record<string, unknown> {
  const status = httpStatusOf(err);
  if (status === 500) noteRouteFailure(request, err);
  const told = errorJson(err);
  noteFailedAnswer(request, status, String(told.code));
  reply.code(status);
  return told;
}

/**
 * Answers 415 `ISO8583_ERR_CONNECTOR_INPUT` (`reason`) to a body the routes did not parse: an object an application's
 * own parser made of another JSON media type (`foreignObjectRefusal`), which passed none of the routes' JSON checks.
 */
function unsupportedBody(request: FastifyRequest, reply: FastifyReply, answers: 'plain' | 'socketqueue', reason: string): FastifyReply {
  const told = errorJson(connectorError('ISO8583_ERR_CONNECTOR_INPUT', reason));
  noteFailedAnswer(request, UNSUPPORTED_MEDIA_TYPE, String(told.code));
  return reply.code(UNSUPPORTED_MEDIA_TYPE).send(failureBody(answers, told));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Sends through `send` with a `signal` aborted when the route's client leaves before it is answered (client-gone,
 * client-gone-watch.ts): a request still unwritten then is dropped, never sent (logged, to `logger` when given: the
 * connector's own; default the request's logger; with `message`'s MTI, STAN and terminal when given), as is one a stop
 * failed unsent after it cut the client's connection; one written is awaited as if not aborted, its answer then reported
 * undelivered (`watchDelivery`). The one home of that rule for every HTTP route that sends: these routes and the
 * operator console's workbench send.
 */
export async function untilGone<T>(request: FastifyRequest, reply: FastifyReply, send: (signal: AbortSignal) => Promise<T>, logger?: Pick<Logger, 'info'>,
  message?: MessageInput): Promise<T> {
  const signal = goneSignal(reply);
  try {
    return await send(signal);
  } catch (err) {
    noteDroppedUnsent(request, signal, err, logger, message);
    throw err;
  }
}

/** HTTP 202 Accepted: stored (journaled and synced), delivered later. */
const STORED = 202;

/** HTTP 415 Unsupported Media Type: an object body of a media type the routes do not parse. */
const UNSUPPORTED_MEDIA_TYPE = 415;

/**
 * The codec that reads a `/raw` request's hex: the dialect of where it goes. A connector: its own. An upstream group:
 * the one dialect its upstreams share; when they differ, the upstream (and so the wire format) is known only once the
 * message is read, and the request is refused (`ISO8583_ERR_CONNECTOR_RAW_DIALECTS`, 501) before anything is sent.
 * Another target: the plugin's connector.
 */
function rawCodec(target: RouteTarget, own: Connector): Codec {
  if (target instanceof Connector) return target.codec;
  if (!(target instanceof UpstreamGroup)) return own.codec;
  if (target.codec !== undefined) return target.codec;
  const names = [...target.connectors].map(([name, c]) => `${name}: ${c.codec.dialect.name}`).join(', ');
  throw connectorError('ISO8583_ERR_CONNECTOR_RAW_DIALECTS', `POST /raw cannot be read: the upstreams speak different dialects (${names}); send JSON or XML to POST /`);
}

/**
 * The text of an XML body (`type`: its media type), passed through the checks of the routes' own XML parser
 * (`xmlBodyRefusal`) whichever parser read it: the app's own parser of that type is kept, and a JSON text it passes on
 * would escape the JSON bounds. A parser that gave no text is named in the refusal.
 */
function xmlTextOf(body: unknown, type: string): string {
  if (typeof body !== 'string') throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', `the body must be an ISOMessage document: the application's content type parser for ${type} gave no text (it must parse as a string)`);
  const refused = xmlBodyRefusal(body);
  if (refused !== undefined) throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', refused);
  return body;
}

function mountRoutes(app: FastifyInstance, connector: Connector, prefix: string, answers: 'plain' | 'socketqueue', via?: () => RouteTarget | undefined, onUndelivered?: UndeliveredAnswerHandler): void {
  const target = (): RouteTarget => via?.() ?? connector;
  // A request dropped unsent (its client left) is logged to the connector's logger when it was given one.
  const dropLog = connector.options.logger === undefined ? undefined : connector.logger;
  // A JSON request as it went on the wire (padded, numbers as digits) to the upstream that answered: what a reversal
  // of it must name.
  const asSent = (by: Connector, message: MessageInput): IsoMessage => by.codec.unpack(by.codec.pack(message));
  // Which connector's host answers (a group's upstream, told by `answeredBy`) and its answer: its dialect writes the
  // answer (`/raw`, the SocketQueue view) and judges it, its options reverse it when the client never got it. A target
  // that does not tell: this connector.
  const answering = (): Answering => {
    const told: Answering = {
      by: connector,
      answer: undefined,
      request: undefined,
      answeredBy: (upstream, answer, request) => {
        told.by = upstream;
        told.answer = answer;
        told.request = request;
      },
    };
    return told;
  };
  void app.register(
    async (child) => {
      // JSON with a forbidden key (__proto__), too deep or with more keys than a message, and XML with more tags than a
      // message, are refused naming why before any message is read (body-problem.ts).
      child.removeContentTypeParser('application/json');
      child.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
      // The XML types the application parses itself: their text is checked in the route (xmlTextOf); ours, here.
      const appXml = new Set(XML_MEDIA_TYPES.filter((type) => child.hasContentTypeParser(type)));
      for (const type of XML_MEDIA_TYPES) {
        // As bytes: their charset (the header's or the XML declaration's) says how they read (parseXmlBody).
        if (!appXml.has(type)) child.addContentTypeParser(type, { parseAs: 'buffer' }, parseXmlBody);
      }
      // A body Fastify itself refuses (malformed or empty JSON, too large, an unknown media type) answers in the
      // routes' own shape, { result: null, errors }, with a fixed text: the parser's message quotes the body.
      // A browser request from another site (a web page the user opened) never reaches a route (cross-site.ts).
      child.addHook('onRequest', refuseCrossSite((err) => failureBody(answers, err.toJSON())));
      // A body refused, a route's failure and a request while the app closes, in the routes' shape; an error of the
      // application's own hook goes to its own error handler (plugin-route-errors.ts).
      routeErrorAnswers(child, answers);
      // POST /: a JSON message object (answers { result, errors }) or ISOMessage XML (answers XML).
      child.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
        routeBegins(request);
        // XML by the media type alone (`text/plain; profile=xml` is text: refused below as no message object).
        const xmlType = xmlMediaType(request.headers['content-type']);
        const xml = xmlType !== undefined;
        if (!xml && request.body !== null && typeof request.body === 'object') {
          const foreign = foreignObjectRefusal(request.body, request.headers['content-type']);
          if (foreign !== undefined) return unsupportedBody(request, reply, answers, foreign);
        }
        try {
          if (xml) {
            const sent = appXml.has(xmlType) || typeof request.body !== 'string' ? xmlTextOf(request.body, xmlType) : request.body;
            const saf = safOf(request, undefined);
            const told = answering();
            let out = '';
            const undelivered = (): UndeliveredAnswer => [asSent(told.by, told.request ?? readMessage(sent).message), told.answer ?? asSent(told.by, readMessage(out).message), told.by];
            const timeout = timeoutOf(request, saf);
            try {
              out = saf
                ? await target().sendMessage(sent, { timeout, saf })
                : await untilGone(request, reply, (signal) => target().sendMessage(sent, { timeout, answeredBy: told.answeredBy, signal }), dropLog);
            } catch (err) {
              // The answer came in but its XML could not be written (the connector writes it): unknown to the client.
              if (told.answer !== undefined) throw unwritableAnswer(reply, onUndelivered, undelivered, err);
              throw err;
            }
            if (!saf) watchDelivery(reply, onUndelivered, undelivered);
            return reply.code(saf ? STORED : 200).type('application/xml').send(out);
          }
          const body = request.body;
          if (body === null || typeof body !== 'object' || Array.isArray(body)) {
            throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', 'the body must be a message object keyed by field number');
          }
          if (safOf(request, body)) {
            timeoutOf(request, true);
            const receipt = await target().request(fromObject(withoutSaf(body as Record<string, unknown>)), { saf: true });
            return reply.code(STORED).send({ result: receipt, errors: [] });
          }
          // fromObject: every bad key and value named at once; a 3-digit MTI ("800", as SocketQueue clients send it) is 0800.
          const message = fromObject(withoutSaf(body as Record<string, unknown>));
          const told = answering();
          const result = await untilGone(request, reply, (signal) => target().request(message, { timeout: timeoutOf(request), answeredBy: told.answeredBy, signal }), dropLog, message);
          const undelivered = (): UndeliveredAnswer => [asSent(told.by, told.request ?? message), result, told.by];
          let shown: IsoMessage | SocketQueueMessage = result;
          try {
            // SocketQueue's view types each field by the dialect the answer is in: the answering upstream's.
            if (answers === 'socketqueue') shown = toSocketQueueObject(result, told.by.codec.dialect);
          } catch (err) {
            throw unwritableAnswer(reply, onUndelivered, undelivered, err);
          }
          watchDelivery(reply, onUndelivered, undelivered);
          return reply.send({ result: shown, errors: [] });
        } catch (err) {
          const e = failed(request, reply, err);
          if (xml) {
            return reply.type('application/xml').send(`<error code="${escapeXml(String(e.code))}">${escapeXml(String(e.message))}</error>`);
          }
          return reply.send(failureBody(answers, e));
        }
      });
      // POST /raw: the message's wire image (no length header) as hex text, or JSON { "hex": "..." }; answers alike.
      child.post('/raw', async (request: FastifyRequest, reply: FastifyReply) => {
        routeBegins(request);
        const body = request.body;
        const json = body !== null && typeof body === 'object';
        const foreign = json ? foreignObjectRefusal(body, request.headers['content-type']) : undefined;
        if (foreign !== undefined) return unsupportedBody(request, reply, answers, foreign);
        try {
          if (json) refuseRawBodyKeys(body);
          const hex = json ? (body as { hex?: unknown }).hex : body;
          if (typeof hex !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(hex.trim())) {
            throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', 'the body must be the message in hex');
          }
          const through = target();
          const message: IsoMessage = rawCodec(through, connector).unpack(Buffer.from(hex.trim(), 'hex'));
          if (safOf(request, body)) {
            timeoutOf(request, true);
            const receipt = await through.request(message, { saf: true });
            return reply.code(STORED).send({ result: receipt, errors: [] });
          }
          const told = answering();
          const response = await untilGone(request, reply, (signal) => through.request(message, { timeout: timeoutOf(request), answeredBy: told.answeredBy, signal }), dropLog, message);
          const undelivered = (): UndeliveredAnswer => [told.by === connector && told.request === undefined ? message : asSent(told.by, told.request ?? message), response, told.by];
          let out: string;
          try {
            // The answer's wire image in its own dialect, the answering upstream's (a 1993 bank's answer as 1993 bytes):
            // the first upstream's layout may not hold it (a 3-digit action code in a 2-character field 39).
            out = told.by.codec.pack(response).toString('hex').toUpperCase();
          } catch (err) {
            throw unwritableAnswer(reply, onUndelivered, undelivered, err);
          }
          watchDelivery(reply, onUndelivered, undelivered);
          return json ? reply.send({ result: { hex: out }, errors: [] }) : reply.type('text/plain').send(out);
        } catch (err) {
          return reply.send(failureBody(answers, failed(request, reply, err)));
        }
      });
      if (connector.transactions !== undefined) transactionRoute(child, '/transactions', () => connector.transactions?.log);
    },
    { prefix },
  );
}

/** The connector names registered on each server (every encapsulated context of one app shares its `server`). */
const registeredNames = new WeakMap<object, Set<string>>();

async function plugin(app: FastifyInstance, options: Iso8583ConnectorPluginOptions): Promise<void> {
  const { routes = false, ...connectorOptions } = options;
  checkRoutesOption(routes);
  const prefix = routes === false ? '' : routesPrefix(routes.prefix);
  // Made, started, connected and closed as every application holds a connector (held-connector.ts).
  const held = holdConnector(connectorOptions, app.log);
  const connector = held.connector;
  if (routes !== false) refuseMountedPrefix(app, prefix, connector.transactions !== undefined);
  if (!app.hasDecorator('iso8583')) app.decorate('iso8583', {} as Record<string, Connector>);
  // One name per server, across encapsulated contexts too (a sibling's `app.iso8583` is not this one's): the name labels
  // the logs and metrics, and is the default of the journal's key. Its own entries only: `toString` is no connector.
  const names = registeredNames.get(app.server) ?? new Set<string>();
  if (names.has(connector.name) || Object.hasOwn(app.iso8583, connector.name)) {
    const reason = `"${connector.name}" is already registered on this server (in this context or another)`;
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `a connector named ${reason}`, {
      field: 'name',
      problems: [{ field: 'name', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }],
    });
  }
  registeredNames.set(app.server, names.add(connector.name));
  Object.defineProperty(app.iso8583, connector.name, { value: connector, enumerable: true, writable: true, configurable: true });
  app.addHook('onReady', async () => {
    // A journal that cannot be opened (locked by another process, unreadable), or the connector's `beforeConnect`
    // refusing (under the journal's lock), stops the start before any connection opens: no retry cures it.
    await held.start();
    held.connect();
  });
  app.addHook('onClose', async () => {
    await held.close();
  });
  if (routes !== false) mountRoutes(app, connector, prefix, routes.answers ?? 'plain', routes.via, routes.onUndelivered);
}

/** The Fastify plugin (wrapped with fastify-plugin, so `app.iso8583` is visible to the whole app). */
export const iso8583Connector = fp(plugin, { fastify: '5.x', name: '@iso8583/connector' });
