/**
 * A failed route's answer in SocketQueue's shape (`clientHttpServer.js` `sendReply`): `{ "result": "", "errors": [...] }`
 * with each error a string, so that a client written for SocketQueue (`r.result["39"]`, `r.errors.join(", ")`) reads it
 * as it read SocketQueue's. The HTTP status is ours, as SocketQueue's (504 for a timeout). SocketQueue's own text where
 * it has one (`Gateway timeout`, for a timeout at the bank or in the terminal queue); else ours: an invalid message gives one string per offending field (never a value).
 * Either shape lists at most `MAX_PROBLEMS_IN_TEXT` (20) problems and says how many more there are: a hostile body
 * cannot make an answer of megabytes.
 */
import { MAX_PROBLEMS_IN_TEXT } from '@iso8583/codec';

/** An error as the routes render it (`Iso8583Error.toJSON()`): code, message and, for an invalid message, the problems. */
export interface RouteErrorJson {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly problems?: unknown;
  /** How many problems an answer left out (`problems` holds the first `MAX_PROBLEMS_IN_TEXT`). */
  readonly moreProblems?: number;
}

/**
 * SocketQueue's answer text for a request not answered in time (its `queueTimeout`), whether it waited at the bank
 * (`ISO8583_ERR_CONNECTOR_TIMEOUT`) or behind its terminal's previous request (`ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`,
 * the terminal queue: SocketQueue's `queueLockTerminal` answered that wait's end the same way).
 */
const GATEWAY_TIMEOUT = 'Gateway timeout';

/**
 * The codes answered {@link GATEWAY_TIMEOUT} (each a 504): the bank's wait (`TIMEOUT`), the terminal queue's
 * (`QUEUE_TIMEOUT`), and a wait given up by the caller (`ABORTED`: an HTTP client is answered one only when the
 * gateway's stop gave its request up at the shutdown deadline, a client gone is answered nothing).
 */
const TIMED_OUT: ReadonlySet<string> = new Set(['ISO8583_ERR_CONNECTOR_TIMEOUT', 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT', 'ISO8583_ERR_CONNECTOR_ABORTED']);

/** The error strings of a failed answer in SocketQueue's shape. */
export function socketQueueErrors(error: RouteErrorJson): string[] {
  if (TIMED_OUT.has(String(error.code))) return [GATEWAY_TIMEOUT];
  const problems = Array.isArray(error.problems) ? (error.problems as { field?: unknown; reason?: unknown }[]) : [];
  if (problems.length === 0) return [String(error.message ?? error.code ?? 'internal error')];
  const listed = problems.slice(0, MAX_PROBLEMS_IN_TEXT).map((p) => `Field ${String(p.field)}: ${String(p.reason)}`);
  const more = problems.length - listed.length;
  return more > 0 ? [...listed, `and ${more} more problems`] : listed;
}

/** `error` with at most `MAX_PROBLEMS_IN_TEXT` of its problems, and `moreProblems`: how many were left out. */
function listedProblems(error: RouteErrorJson): RouteErrorJson {
  if (!Array.isArray(error.problems) || error.problems.length <= MAX_PROBLEMS_IN_TEXT) return error;
  return { ...error, problems: error.problems.slice(0, MAX_PROBLEMS_IN_TEXT), moreProblems: error.problems.length - MAX_PROBLEMS_IN_TEXT };
}

/**
 * The body of a failed answer: ours (`{ result: null, errors: [error] }`, the error's `problems` cut to the first 20 and
 * `moreProblems` counting the rest) or SocketQueue's (see the module comment).
 */
export function failureBody(answers: 'plain' | 'socketqueue', error: RouteErrorJson): { result: null | ''; errors: unknown[] } {
  return answers === 'socketqueue' ? { result: '', errors: socketQueueErrors(error) } : { result: null, errors: [listedProblems(error)] };
}
