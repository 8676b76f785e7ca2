/**
 * The answers of the plugin's routes that no route gives: a body refused before the route ran (Fastify's
 * `FST_ERR_CTP_*`, and the parsers' of body-problem.ts alike), an error a route threw, and a request that comes while
 * the app closes, each in the routes' shape (`{ result: null, errors }`, or SocketQueue's: socketqueue-errors.ts).
 *
 * An error of the application's own (its hook on every route: a 503 of a load shedder, a 401 of an auth check) is not
 * the routes': it is re-thrown to the application's error handler, and answered with its own status and code, as on
 * the application's other routes.
 *
 * Once the app closes (`preClose`), a request still coming to the routes (a keep-alive client's next) is refused 503
 * `ISO8583_ERR_CONNECTOR_CLOSED` before it is sent to the host, as the gateway's HTTP port does (cli's stop-answers.ts).
 * Fastify answers such a request itself, uncoded (`{"error":"Service Unavailable",...}`), before any hook, unless the
 * app is made with `return503OnClosing: false`: an app using the routes sets it (docs/connector.md).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyProblem } from './body-problem.js';
import { connectorError } from './errors.js';
import { errorJson } from './fastify-plugin.js';
import { noteFailedAnswer, noteRouteFailure } from './route-failure.js';
import { failureBody } from './socketqueue-errors.js';

/** HTTP 503 Service Unavailable: a request that comes while the app closes. */
const CLOSING = 503;

/** The requests a route of the plugin began to handle: an error of theirs is the routes' own to answer. */
const inRoute = new WeakSet<FastifyRequest>();

/** Each request the routes' `onRequest` admitted, with its context's state: closing once the app's `preClose` ran. */
const admitted = new WeakMap<FastifyRequest, { closing: boolean }>();

/** The refusals {@link routeBegins} threw: answered 503 by the routes' error handler. */
const closedRefusals = new WeakSet<object>();

/** The refusal of a request that comes to the routes while the app closes. */
function closedError(): ReturnType<typeof connectorError> {
  return connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the app is closing: the request was not sent to the host');
}

/**
 * Notes that a route of the plugin handles `request` (its first statement): its errors are the routes' own. Throws
 * `ISO8583_ERR_CONNECTOR_CLOSED` (answered 503) when the app began to close after the request's `onRequest` ran (a
 * pipelined request, or one held in a hook of the application's): nothing of it goes to the host.
 */
export function routeBegins(request: FastifyRequest): void {
  inRoute.add(request);
  if (admitted.get(request)?.closing !== true) return;
  const err = closedError();
  closedRefusals.add(err);
  throw err;
}

/** The requests whose body the routes' context began to read (their last `preParsing` hook ran). */
const reading = new WeakSet<FastifyRequest>();

/**
 * Whether `request`'s body failed to parse: its reading began, it has a body and none came of it. A parser of the
 * application's own (an XML type it parses itself) fails so, its error carrying no `FST_ERR_CTP_*` code.
 */
function parserFailed(request: FastifyRequest): boolean {
  const length = Number(request.headers['content-length'] ?? 0);
  const sent = request.headers['transfer-encoding'] !== undefined || length > 0;
  return reading.has(request) && sent && request.body === undefined;
}

/**
 * Whether `err` is the routes' to answer: a body refused before the route (`FST_ERR_CTP_*`, or any parser's, the
 * application's own XML parser's too), or thrown in a route.
 */
function routesOwn(err: unknown, request: FastifyRequest): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return inRoute.has(request) || (typeof code === 'string' && code.startsWith('FST_ERR_CTP_')) || parserFailed(request);
}

/**
 * What the routes read of `err`: a parser's error of the application's own is told by its 4xx status alone (400 when
 * it gives none), never its message (it may quote the body: card data).
 */
function asRead(err: unknown, request: FastifyRequest): unknown {
  if (inRoute.has(request) || !parserFailed(request)) return err;
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown };
  if (typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP_')) return err;
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400;
  return { statusCode: status };
}

/**
 * Gives `child` (the routes' context) the error handler and the closing refusal of the routes (see the file's note),
 * their answers in the `answers` shape.
 */
export function routeErrorAnswers(child: FastifyInstance, answers: 'plain' | 'socketqueue'): void {
  child.setErrorHandler((err: unknown, request, reply) => {
    if (typeof err === 'object' && err !== null && closedRefusals.has(err)) return refuseClosing(request, reply, answers);
    if (!routesOwn(err, request)) throw err;
    const { status, reason } = bodyProblem(asRead(err, request), request.routeOptions.bodyLimit);
    if (status === 500) noteRouteFailure(request, err);
    const told = status === 500 ? errorJson(undefined) : errorJson(connectorError('ISO8583_ERR_CONNECTOR_INPUT', reason));
    noteFailedAnswer(request, status, String(told.code));
    return reply.code(status).send(failureBody(answers, told));
  });
  child.addHook('preParsing', async (request) => {
    reading.add(request);
  });
  const state = { closing: false };
  child.addHook('preClose', (done) => {
    state.closing = true;
    done();
  });
  // An answer while the app closes ends its connection: a keep-alive client's connection is not left open to
  // Fastify's keepAliveTimeout, and a request in flight is answered, never cut. Not when the app set the header
  // itself: the iso8583 gateway (cli's stop-answers.ts) closes only on the last answer owed, keeping those pipelined
  // after it (a close on the first cut them: approvals reversed while their client waited).
  child.addHook('onSend', async (_request, reply, payload) => {
    if (state.closing && !reply.hasHeader('connection')) void reply.header('connection', 'close');
    return payload;
  });
  child.addHook('onRequest', async (request, reply) => {
    if (!state.closing) {
      admitted.set(request, state);
      return undefined;
    }
    return refuseClosing(request, reply, answers);
  });
}

/** Answers `request` 503 `ISO8583_ERR_CONNECTOR_CLOSED` in the routes' shape: the app closes. */
function refuseClosing(request: FastifyRequest, reply: FastifyReply, answers: 'plain' | 'socketqueue'): FastifyReply {
  const told = errorJson(closedError());
  noteFailedAnswer(request, CLOSING, String(told.code));
  return reply.code(CLOSING).send(failureBody(answers, told));
}
