/**
 * A start that fails part way releases what it took, then fails with its own error: the reason the operator must see
 * (a journal in use, a port in use). Releasing may fail too (a log that cannot be flushed or closed): that failure is
 * logged with its code and never takes the start's error's place.
 */
import type { Logger } from 'pino';
import { errorCode } from '../io.js';

/**
 * Runs `undo` (releases what a failed start took), then resolves with `failure`, the start's own error, for the caller
 * to throw (`throw await undoKeeping(err, undo, logger)`). When `undo` throws too, its error is logged at `error` (its
 * code, or `ISO8583_ERR_CLI_UNEXPECTED` without one; the start's code as `startCode`) and `failure` is still the one
 * returned.
 */
export async function undoKeeping(failure: unknown, undo: () => Promise<void>, logger: Logger): Promise<unknown> {
  try {
    await undo();
  } catch (err) {
    logger.error(
      { code: errorCode(err), startCode: errorCode(failure), err: err instanceof Error ? err.message : String(err) },
      'the failed start could not release all it took',
    );
  }
  return failure;
}
