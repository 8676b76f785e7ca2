/**
 * What makes the graceful stop of a long-running command (`gateway`, `run`) fail (exit 1) instead of ending with exit
 * 0, once every part has settled: a part's close that failed, a reversal journal lost during the run
 * (journal-lost.ts), or an approval a client never got that was NOT reversed during the stop (late-approval.ts: its
 * reversal could be neither stored nor sent, or not built, or was still unsettled when the stop ended). Each cause is
 * logged at `error` (counts and paths, no card data) before the stop's end line, which names the failure's code.
 */
import type { Logger } from 'pino';
import { Iso8583Error } from '@iso8583/codec';
import { failureCode } from './drain.js';
import { journalLostError } from './journal-lost.js';
import { plural } from './plural.js';
import type { LostJournal } from './journal-lost.js';

/** Milliseconds past its deadline a stop waits for undelivered approvals' reversals (their home: the connector). */
export { STOP_SETTLE_WAIT } from '@iso8583/connector';

/** The code of a stop during which approvals were not reversed. */
export const NOT_REVERSED_CODE = 'ISO8583_ERR_NOT_REVERSED';

/**
 * Logs at `error` and returns the coded error (`ISO8583_ERR_NOT_REVERSED`) of a stop (`what`: `gateway`, `flow NAME`)
 * during which `count` approvals were not reversed: the stop's failure (exit 1). Counts only, no card data.
 */
export function notReversedError(logger: Logger, what: string, count: number): Iso8583Error {
  const them = count === 1 ? 'it' : 'them';
  const message = `${plural(count, 'approval')} the client never got could not be reversed during the stop (neither stored as a reversal nor sent): reverse ${them} by hand (the lines "NOT reversed", "NOT known reversed" or "cannot be built" above)`;
  logger.error({ code: NOT_REVERSED_CODE, notReversed: count }, `${what}: ${message}`);
  return new Iso8583Error(NOT_REVERSED_CODE, message);
}

/** What a stop found once every part settled. */
export interface StopFindings {
  /** The first part whose close failed, if any: the stop's failure as it is. */
  failure: { err: unknown } | undefined;
  /** The journals lost during the run (`lostJournals`). */
  lost: readonly LostJournal[];
  /** Approvals not reversed during the stop. */
  notReversed: number;
}

/**
 * Logs each cause of a failed stop (a lost journal, then approvals not reversed) and returns the error the stop fails
 * with (the failed close's first, as it is) and its code for the end line; `{}` when the stop succeeded.
 */
export function stopFailure(logger: Logger, what: string, found: StopFindings): { error?: unknown; code?: string } {
  const lostError = found.lost.length === 0 ? undefined : journalLostError(logger, what, found.lost);
  const unreversedError = found.notReversed <= 0 ? undefined : notReversedError(logger, what, found.notReversed);
  if (found.failure !== undefined) return { error: found.failure.err, code: failureCode(found.failure.err) };
  const error = lostError ?? unreversedError;
  return error === undefined ? {} : { error, code: error.code };
}
