/**
 * A route's unexpected failure (a bug, a throw from a sequence or a target that is not a coded error): answered 500
 * with a fixed text, so the cause must reach the log. It is noted on the request (its class name and `code`, never
 * its message, which may quote input) for the application's request log ({@link routeFailureOf}), and logged with the
 * request's logger.
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

const noted = new WeakMap<FastifyRequest, RouteFailure>();

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
  noted.set(request, failure);
  request.log.error({ failure }, 'the route failed unexpectedly');
  return failure;
}

/** The unexpected failure noted on `request` by a route, if any. */
export function routeFailureOf(request: FastifyRequest): RouteFailure | undefined {
  return noted.get(request);
}
