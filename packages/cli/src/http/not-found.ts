/**
 * The answer to a request no route takes, on the HTTP port of `iso8583 gateway` and `iso8583 run` and on the gateway's
 * `--metrics` listener: 404 `ISO8583_ERR_CONSOLE_NOT_FOUND`, without the method or the URL. Fastify's own answer
 * (`Route POST:/5413330089010434/x not found`) repeats the path as the client sent it, card data included (and
 * percent-encoded card data the digit-run mask cannot see). SocketQueue mode answers 405 its own way
 * (socketqueue-http.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { bodyProblem } from '@iso8583/connector';
import { consoleError } from '../console/errors.js';
import { errorBody } from '../console/access.js';
import { takeRefusedLine } from './refused-lines.js';
import type { RefusalBody } from '../console/access.js';

const NOT_FOUND = 'no route answers this method and path';

/**
 * Installs the coded 404 as the not-found handler of `app` (and of every plugin of it without its own), and the
 * coded answer of a body Fastify refuses ({@link answerRefusedBodies}): a body that does not parse or is too large
 * is refused before the not-found handler could run (in the shape `body` gives; default `{ error: { code, message,
 * field } }`).
 */
export function answerNotFound(app: FastifyInstance, body: RefusalBody = errorBody): void {
  app.setNotFoundHandler((_request, reply) => {
    const err = consoleError('ISO8583_ERR_CONSOLE_NOT_FOUND', NOT_FOUND);
    return reply.code(404).header('cache-control', 'no-store').send({ error: { code: err.code, message: err.message } });
  });
  answerRefusedBodies(app, body);
}

/** The coded answer of a refused body: its status and `{ code, message, field }`. */
export interface BodyRefusal {
  status: number;
  error: { code: 'ISO8583_ERR_CONSOLE_INPUT'; message: string; field: 'body' };
}

/**
 * What a body Fastify refused before any route ran (an `FST_` error of status 4xx: not JSON, too large, a content
 * type no parser reads) is answered with: 400, 413 or 415 `ISO8583_ERR_CONSOLE_INPUT` naming `body`, the reason the
 * connector plugin gives (body-problem.ts: never the body's content); `undefined` for any other error.
 */
export function bodyRefusal(err: unknown, request: FastifyRequest): BodyRefusal | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  const { status, reason } = bodyProblem(err, request.routeOptions.bodyLimit);
  if (status === 500) return undefined;
  return { status, error: { code: 'ISO8583_ERR_CONSOLE_INPUT', message: `body: ${reason}`, field: 'body' } };
}

/**
 * The root error handler of `app` (of every route and plugin without its own: `/stats`, `/metrics`, a request no route
 * takes): a body Fastify refuses is answered as {@link bodyRefusal} says, in the shape `body` gives (the port's
 * pre-route refusals, refusal-body.ts; default `{ error: { code, message, field } }`), never in Fastify's own
 * (`FST_ERR_CTP_INVALID_JSON_BODY`). Any other error goes on to Fastify's default handler.
 */
export function answerRefusedBodies(app: FastifyInstance, body: RefusalBody = errorBody): void {
  app.setErrorHandler((err, request, reply) => {
    const refused = bodyRefusal(err, request);
    if (refused === undefined) throw err;
    return reply.code(refused.status).header('cache-control', 'no-store').send(body(request, refused.error));
  });
}

/**
 * Fastify's `frameworkErrors` option: a URL Fastify cannot route (a malformed percent escape in a path parameter) is
 * answered 400 `ISO8583_ERR_CONSOLE_INPUT` without the URL; Fastify's own answer (`'/x/4761739001010010%zz' is not a
 * valid url component`) repeats it. With `logger`, the refusal is logged at `info` as the request log logs a refused
 * request (`logRequests`, which never sees it; under the same cap, refused-lines.ts), the URL not shown. `body`: the
 * JSON shape of the answer (the port's pre-route refusals, refusal-body.ts). Default `{ error: { code, message } }`.
 */
export function badUrlAnswer(logger?: Logger, body: RefusalBody = errorBody): (error: Error, request: FastifyRequest, reply: FastifyReply) => void {
  return (_error, request, reply) => {
    const err = consoleError('ISO8583_ERR_CONSOLE_INPUT', 'the URL cannot be read (a malformed percent escape)');
    const suppressed = logger === undefined ? undefined : takeRefusedLine(logger, 400);
    if (suppressed !== undefined) {
      logger?.info({ method: request.method, url: BAD_URL, status: 400, peer: request.ip, ...(suppressed > 0 ? { suppressed } : {}) }, `${request.method} 400`);
    }
    void reply.code(400).header('cache-control', 'no-store').send(body(request, { code: err.code, message: err.message }));
  };
}

/** What the request log shows for a URL with a malformed escape. */
const BAD_URL = '[a URL with a malformed escape]';
