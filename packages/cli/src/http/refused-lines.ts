/**
 * The cap on the request log's lines of refused requests (4xx): any client can cause one per request (a wrong path, no
 * token, a malformed URL), so each logger writes at most {@link REFUSED_REQUEST_LINES_PER_SECOND} a second for each
 * status; the rest are counted and the next line written says how many (`suppressed`). The one home of that cap for
 * `logRequests` (app.ts) and the malformed-URL answer (not-found.ts), which share it through their logger.
 */
import type { Logger } from 'pino';
import { LogLimits } from '@iso8583/inbound';

/** Refused requests (4xx) logged a second, at most, for each status: the rest are counted (`suppressed`). */
export const REFUSED_REQUEST_LINES_PER_SECOND = 20;

/** The cap of each logger. */
const caps = new WeakMap<Logger, LogLimits>();

/**
 * Whether `logger` may write the line of a refused request of `status`: `undefined` to leave it out (counted),
 * otherwise the lines left out since the last one written (0 for none), for `suppressed`.
 */
export function takeRefusedLine(logger: Logger, status: number): number | undefined {
  let cap = caps.get(logger);
  if (cap === undefined) {
    cap = new LogLimits(REFUSED_REQUEST_LINES_PER_SECOND);
    caps.set(logger, cap);
  }
  return cap.take(String(status));
}
