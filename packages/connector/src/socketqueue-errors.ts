/**
 * A failed route's answer in SocketQueue's shape (`clientHttpServer.js` `sendReply`): `{ "result": "", "errors": [...] }`
 * with each error a string, so that a client written for SocketQueue (`r.result["39"]`, `r.errors.join(", ")`) reads it
 * as it read SocketQueue's. The HTTP status is ours, as SocketQueue's (504 for a timeout). SocketQueue's own text where
 * it has one (`Gateway timeout`); else ours: an invalid message gives one string per offending field (never a value).
 */

/** An error as the routes render it (`Iso8583Error.toJSON()`): code, message and, for an invalid message, the problems. */
export interface RouteErrorJson {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly problems?: unknown;
}

/** SocketQueue's answer text for a request the host did not answer in time (its `queueTimeout`). */
const GATEWAY_TIMEOUT = 'Gateway timeout';

/** The error strings of a failed answer in SocketQueue's shape. */
export function socketQueueErrors(error: RouteErrorJson): string[] {
  if (error.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') return [GATEWAY_TIMEOUT];
  const problems = Array.isArray(error.problems) ? (error.problems as { field?: unknown; reason?: unknown }[]) : [];
  if (problems.length > 0) return problems.map((p) => `Field ${String(p.field)}: ${String(p.reason)}`);
  return [String(error.message ?? error.code ?? 'internal error')];
}

/** The body of a failed answer: ours (`{ result: null, errors: [error] }`) or SocketQueue's (see the module comment). */
export function failureBody(answers: 'plain' | 'socketqueue', error: RouteErrorJson): { result: null | ''; errors: unknown[] } {
  return answers === 'socketqueue' ? { result: '', errors: socketQueueErrors(error) } : { result: null, errors: [error] };
}
