/**
 * The log line of the bound on answers kept on HTTP connections in doubt (pipeline-cap.ts, {@link DoubtBudget}): each
 * request refused 503 `ISO8583_ERR_CONSOLE_DOUBT_BUDGET`, and each connection closed to make room, counted and written
 * at `warn` one line a second at most (as the connection cap's shed lines: shed-log.ts), so that a client sending as
 * fast as it can fills no disk. The line names no request, no address: no card data.
 */
import type { Logger } from 'pino';
import { DOUBT_BUDGET_CODE } from './pipeline-cap.js';
import type { DoubtBudget } from './pipeline-cap.js';
import { SHED_LOG_EVERY } from './shed-log.js';

/**
 * The `onRefused` of {@link DoubtBudget} writing to `logger` at `warn`, coded {@link DOUBT_BUDGET_CODE}, at most one
 * line each `every` ms (default {@link SHED_LOG_EVERY}: 1000) with the requests refused (`refused`) and the connections
 * closed for room (`closed`) since the last one; nothing when none were.
 */
export function doubtLog(logger: Logger | undefined, every = SHED_LOG_EVERY): NonNullable<DoubtBudget['onRefused']> {
  let refused = 0;
  let closed = 0;
  let timer: NodeJS.Timeout | undefined;
  const write = (): void => {
    timer = undefined;
    logger?.warn({ code: DOUBT_BUDGET_CODE, refused, closed },
      `${refused} HTTP request(s) refused 503 on connections in doubt: the answers kept for clients that may not have read them were at their most; ${closed} connection(s) keeping the most closed to make room`);
    refused = 0;
    closed = 0;
  };
  return (room) => {
    refused++;
    if (room !== undefined) closed++;
    timer ??= setTimeout(write, every).unref();
  };
}
