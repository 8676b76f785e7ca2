/**
 * The caps on the request log's lines of refused (4xx) and failed (5xx) requests. Any client can cause a refused one per
 * request (a wrong path, no token, a malformed URL), and an outage (a store or every upstream down) fails every request:
 * so each logger writes at most {@link REFUSED_REQUEST_LINES_PER_SECOND} a second for each refused status, and
 * {@link FAILED_REQUEST_LINES_PER_SECOND} for each failed status and error code; the rest are counted and the next line
 * written says how many (`suppressed`). A failure's first line of an episode is always written, and once its lines stop
 * being left out (the outage over, or only fewer a second) one line says how many were (`failed requests not logged`):
 * log volume during an outage is bounded, what it was is still told; the metrics count every failure. The one home of
 * those caps for `logRequests` (app.ts) and the malformed-URL answer (not-found.ts), which share them through their
 * logger.
 */
import type { Logger } from 'pino';
import { LogLimits } from '@iso8583/inbound/endpoint';

/** Refused requests (4xx) logged a second, at most, for each status: the rest are counted (`suppressed`). */
export const REFUSED_REQUEST_LINES_PER_SECOND = 20;

/** Failed requests (5xx) logged a second, at most, for each status and error code: the rest are counted (`suppressed`). */
export const FAILED_REQUEST_LINES_PER_SECOND = 20;

/** The caps of each logger: refused lines by status, failed lines by status and code, the failures awaiting their summary. */
interface Caps {
  readonly refused: LogLimits;
  readonly failed: LogLimits;
  readonly summaries: Set<string>;
}

const caps = new WeakMap<Logger, Caps>();

function capsOf(logger: Logger): Caps {
  let c = caps.get(logger);
  if (c === undefined) {
    c = { refused: new LogLimits(REFUSED_REQUEST_LINES_PER_SECOND), failed: new LogLimits(FAILED_REQUEST_LINES_PER_SECOND), summaries: new Set() };
    caps.set(logger, c);
  }
  return c;
}

/**
 * Whether `logger` may write the line of a refused request of `status`: `undefined` to leave it out (counted),
 * otherwise the lines left out since the last one written (0 for none), for `suppressed`.
 */
export function takeRefusedLine(logger: Logger, status: number): number | undefined {
  return capsOf(logger).refused.take(String(status));
}

/**
 * Whether `logger` may write the line of a failed request of `status` and error `code` (`undefined` when the answer
 * named none): as {@link takeRefusedLine}, per status and code. A line left out makes sure one line follows once the
 * lines of that status and code stop being left out (checked each second, a timer that keeps no process alive): a
 * `warn` with `status`, `code` and `suppressed`, unless a line of theirs written meanwhile said it.
 */
export function takeFailedLine(logger: Logger, status: number, code: string | undefined): number | undefined {
  const c = capsOf(logger);
  const key = `${status} ${code ?? ''}`;
  const taken = c.failed.take(key);
  if (taken === undefined && !c.summaries.has(key)) {
    c.summaries.add(key);
    const check = (): void => {
      // `tell`, not `take`: the check is no failure of its own (it counted one a second while the burst lasted).
      const left = c.failed.tell(key);
      if (left === undefined) {
        setTimeout(check, 1_000).unref();
        return;
      }
      c.summaries.delete(key);
      if (left > 0) logger.warn({ status, ...(code === undefined ? {} : { code }), suppressed: left }, `${left} failed requests (${status}) not logged`);
    };
    setTimeout(check, 1_000).unref();
  }
  return taken;
}
