/**
 * A route's failure, as the application's request log shows it. An unexpected one (a bug, a throw from a sequence or a
 * target that is not a coded error) is answered 500 with a fixed text, so the cause must reach the log: it is noted on
 * the request (its class name and `code`, never its message, which may quote input; {@link routeFailureOf}) and logged
 * with the request's logger. Every failed (5xx) answer notes the error code it names ({@link noteFailedAnswer},
 * {@link failedAnswerCode}): the log takes it from here, never from the answer's body, so no hook looks at every answer.
 */
import { maskDigitRuns, safeErrorCode } from '@iso8583/codec';
import type { FastifyRequest } from 'fastify';

/**
 * What is kept of an unexpected failure: the error's class name and its `code` (when it has a string one; one not
 * shaped like a code, which may quote input, is `ERR_CODE_WITHHELD`: the codec's `safeErrorCode`).
 */
export interface RouteFailure {
  /** The error's `name` (`TypeError`, ...), or the type of what was thrown. */
  name: string;
  /** The error's `code`, when it has a string one (`ERR_CODE_WITHHELD` when not shaped like a code). Default: none. */
  code?: string;
}

/** What a route noted of its failure on a request: the unexpected failure, the code its failed answer named. */
interface Noted {
  failure?: RouteFailure;
  code?: string;
}

const noted = new WeakMap<FastifyRequest, Noted>();

/** The note of `request`, made on first use. */
function noteOf(request: FastifyRequest): Noted {
  let note = noted.get(request);
  if (note === undefined) {
    note = {};
    noted.set(request, note);
  }
  return note;
}

/** The name (PAN-shaped digit runs masked) and code of `err`, never its message. */
export function routeFailure(err: unknown): RouteFailure {
  const e = err as { name?: unknown } | null | undefined;
  const name = err instanceof Error && typeof e?.name === 'string' ? maskDigitRuns(e.name).slice(0, 64) : typeof err;
  const code = safeErrorCode(err);
  return code === undefined ? { name } : { name, code };
}

/** Notes `err` as the unexpected failure of `request` and logs it (request logger, `error`). */
export function noteRouteFailure(request: FastifyRequest, err: unknown): RouteFailure {
  const failure = routeFailure(err);
  noteOf(request).failure = failure;
  request.log.error({ failure }, 'the route failed unexpectedly');
  return failure;
}

/** The unexpected failure noted on `request` by a route, if any. */
export function routeFailureOf(request: FastifyRequest): RouteFailure | undefined {
  return noted.get(request)?.failure;
}

/**
 * Notes that `request` is answered `status` naming the error `code` (`ISO8583_ERR_…`), for the request log's line of
 * a failed request ({@link failedAnswerCode}); a status under 500 notes nothing. Every route that answers a failure
 * tells its code here (the plugin's routes, the transaction route, the operator console), with the status it answers.
 */
export function noteFailedAnswer(request: FastifyRequest, status: number, code: string): void {
  if (status >= 500) noteOf(request).code = code;
}

/** The error code the failed (5xx) answer to `request` named, as its route noted it ({@link noteFailedAnswer}). */
export function failedAnswerCode(request: FastifyRequest): string | undefined {
  return noted.get(request)?.code;
}
