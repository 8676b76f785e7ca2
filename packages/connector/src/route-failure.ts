/**
 * A route's unexpected failure (a bug, a throw from a sequence or a target that is not a coded error): answered 500
 * with a fixed text, so the cause must reach the log. It is noted on the request (its class name and `code`, never
 * its message, which may quote input) for the application's request log ({@link routeFailureOf}), and logged with the
 * request's logger.
 */
import type { FastifyRequest } from 'fastify';

/** What is kept of an unexpected failure: the error's class name and its `code` (when it has a string one). */
export interface RouteFailure {
  /** The error's `name` (`TypeError`, ...), or the type of what was thrown. */
  name: string;
  /** The error's `code`, when it has a string one. Default: none. */
  code?: string;
}

const noted = new WeakMap<FastifyRequest, RouteFailure>();

/** The name and code of `err`, never its message. */
export function routeFailure(err: unknown): RouteFailure {
  const e = err as { name?: unknown; code?: unknown } | null | undefined;
  const name = err instanceof Error && typeof e?.name === 'string' ? e.name.slice(0, 64) : typeof err;
  return typeof e?.code === 'string' ? { name, code: e.code.slice(0, 64) } : { name };
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
