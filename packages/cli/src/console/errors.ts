import { Iso8583Error } from '@iso8583/codec';

/**
 * Error codes of the operator console (`/console` on the HTTP port of `iso8583 gateway` and `iso8583 run`), answered
 * as `{ error: { code, message, field } }` with the HTTP status of the table. Never a token, never card data.
 */
export const CONSOLE_ERROR_CODES = {
  ISO8583_ERR_CONSOLE_UNAUTHORIZED:
    'The HTTP port asks for a token (`--http-token`, `--http-token-file`) and the request has none, a wrong one, or a console session that expired or was signed out (401).',
  ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS:
    'A token (bearer, the sign-in form, `/console?token=`) from an address that tried 5 wrong ones within a minute: refused without being compared for a minute, doubled at each next lockout up to 15 minutes, with `Retry-After`; a console session cookie still holds (429).',
  ISO8583_ERR_CONSOLE_HOST:
    'A request to an HTTP port without a token, or to the gateway\'s `--metrics` port, whose `Host` is a name other than the bound address or `localhost` (a DNS-rebinding page); IP addresses are answered (421).',
  ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT:
    'A request to an HTTP port (any route, the `--metrics` port too) whose headers and body did not all arrive within the longest `requestTimeout` of its connectors (the gateway\'s `--request-timeout`): a client that stalled mid-request; the connection is closed (408).',
  ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS:
    'A new connection to an HTTP port that holds its most connections (the gateway\'s `--http-max-connections`, a flow\'s `http.maxConnections`, `--metrics-max-connections` on the `--metrics` port, 64), every one of them a request being handled: answered before any request is read, then closed (503); or the oldest connection whose request had not arrived whole (no route had run), closed to make room for a new one (503). An idle one is closed to make room first, then one whose answers wait only for a client that reads nothing, then one holding a console event stream (its page opens it again); one with another route running (a payment at the bank) never is.',
  ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS:
    'A new connection to an HTTP port from an address (an IPv6 client: its /64) that holds its share of the port\'s connections (the gateway\'s `--http-max-connections-per-address`, by default nine in ten of `--http-max-connections`; a flow\'s `http.maxConnectionsPerAddress`; `--metrics-max-connections-per-address` on the `--metrics` port), every one of them a request being handled: answered before any request is read, then closed (503). One of its own idle connections is closed to make room first; another address\'s never is.',
  ISO8583_ERR_CONSOLE_HELD_BACK:
    'A connection to the HTTP port closed because the pipelined requests held back across the port (parsed, waiting for an earlier answer of their connection) went over the gateway\'s `--http-max-held-back` (a flow\'s `http.maxHeldBack`; 16384): the connection holding the most, with every request at the routes answered or a console event stream (a client that pipelines and does not read its answers), is closed, with no answer of its own; one with a route running (a payment at the bank) never is. Logged at `warn` (503).',
  ISO8583_ERR_CONSOLE_BODY_BUDGET:
    'A request to an HTTP port (the `--metrics` port too) whose body held the most of the bodies arriving across the port when their bytes would pass its most (the gateway\'s `--http-body-budget`, 33554432 bytes; a flow\'s port: its default, its answer naming no flag): answered with `Retry-After` in its turn, after the answers owed to its connection\'s earlier requests, and its connection closed; its body had not all come, no route ran for it, nothing was sent on. The newcomer\'s body is refused only when it holds the most; the other bodies arriving, and requests without a body, go on. Logged at `warn` (503).',
  ISO8583_ERR_CONSOLE_DOUBT_BUDGET:
    'A request to an HTTP port on a connection whose answers are in doubt (its client pipelined past what the port takes at once, so it may not read them: each answer written whole is kept till the connection closes, reversed then if the close may have cut it) while the answers kept so across the process are at their most (16384, plus those at the routes when a connection is marked at it: at most 32 each): answered in its turn; no route ran for it, nothing was sent on. Then the connection in doubt keeping the most answers with none at the routes (this one or another) is closed without a reset, as at `--http-max-held-back`: what its client sends meanwhile is thrown away, no route run; its answers count delivered when its client ends its side within 2 s, reversed otherwise; its close makes room within 2 s. It may be sent again at once on a new connection (not in doubt). Other connections are not refused. Logged at `warn`, one line a second at most with the counts (503).',
  ISO8583_ERR_CONSOLE_NOT_FOUND:
    'A request to an HTTP port (the `--metrics` port too) that no route takes; the answer names neither the method nor the path, which may hold card data (404).',
  ISO8583_ERR_CONSOLE_SEND_OFF: 'The console\'s workbench tried to send a message, but sending is off: start with `--console-send` (403).',
  ISO8583_ERR_CONSOLE_INPUT:
    'A workbench request that cannot be used: not JSON, hex that is not hex, an unknown dialect, frame or upstream, a message that is not an object; names the field; or a URL of any HTTP port with a malformed percent escape, not repeated (400); or a body any route of an HTTP port without an answer of its own (`/stats`, `/metrics`, a path no route takes; the `--metrics` port too) cannot read: not JSON (400), over the limit (413), a type no parser reads (415), naming `body`; or a request that is not well-formed HTTP (400) or whose headers are larger than Node reads (431), never quoted; or a body the sign-in route (`POST /console/login`) does not read: a sign-in form over 4096 bytes or another body over the server\'s `bodyLimit` (413; unread when its `Content-Length` announces it, a chunked one is read up to the limit), or a content type it does not read (415); answered with the form (`POST /console/logout` reads no body: it signs out whatever comes with it).',
} as const;

/** A stable error code of the console. */
export type ConsoleErrorCode = keyof typeof CONSOLE_ERROR_CODES;

declare module '@iso8583/codec' {
  /** The console's codes are codes of `Iso8583Error`. */
  interface Iso8583ErrorCodes {
    /** {@link CONSOLE_ERROR_CODES}. */
    console: ConsoleErrorCode;
  }
}

/** The HTTP status of each console code. */
export const CONSOLE_HTTP_STATUS: Readonly<Record<ConsoleErrorCode, number>> = {
  ISO8583_ERR_CONSOLE_UNAUTHORIZED: 401,
  ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS: 429,
  ISO8583_ERR_CONSOLE_HOST: 421,
  ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT: 408,
  ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS: 503,
  ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS: 503,
  ISO8583_ERR_CONSOLE_HELD_BACK: 503,
  ISO8583_ERR_CONSOLE_BODY_BUDGET: 503,
  ISO8583_ERR_CONSOLE_DOUBT_BUDGET: 503,
  ISO8583_ERR_CONSOLE_NOT_FOUND: 404,
  ISO8583_ERR_CONSOLE_SEND_OFF: 403,
  ISO8583_ERR_CONSOLE_INPUT: 400,
};

/** Makes a coded console error naming `field`. */
export function consoleError(code: ConsoleErrorCode, message: string, field?: string): Iso8583Error {
  return new Iso8583Error(code, message, field === undefined ? {} : { field });
}

/** The answer (500) of the console's unexpected failure: a fixed text; the cause is logged by name and code. */
export const CONSOLE_UNEXPECTED = { code: 'ISO8583_ERR_CLI_UNEXPECTED', message: 'the console failed (see the log)' } as const;
