/**
 * An attempt of the SAF queue (saf-queue.ts) that the journal could not record, and what becomes of it. A file journal
 * that cannot write (`ISO8583_ERR_CONNECTOR_JOURNAL`: a full disk, its folder removed) may never heal, and the entry may
 * be gone from disk: held back, a reversal would never reach the host. So the attempt leaves unjournaled, logged at
 * error once per entry and journal state (`journalState`) with what the next start does: it sends the entry again
 * while the journal's records stay on disk, and does not know of it once they are lost (`notDurable`). A shared store
 * that gave the entry to another node (`ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`): not sent here, released. Anything
 * else (a store out of reach): not sent, tried again after `retryInterval`.
 */
import type { Logger } from 'pino';
import type { LogLimits } from '@iso8583/metrics';
import type { Iso8583Error } from '@iso8583/codec';
import { journalState } from './saf-store.js';
import type { ReversalJournal } from './saf-store.js';
import { logCapped } from './quiet-log.js';
import { entryEvent } from './saf-entry.js';
import type { Active } from './saf-entry.js';

/** What becomes of an attempt not journaled: sent anyway, let go (another node holds the entry), or tried again later. */
export type Unjournaled = 'send' | 'released' | 'retry';

/**
 * Decides (and logs) what becomes of attempt `n` of `a`, which the journal refused with `err`; `warnings` caps the
 * "cannot be journaled" lines per code and journal state.
 */
export function unjournaledAttempt(journal: ReversalJournal, logger: Logger, warnings: LogLimits, a: Active, n: number, err: Iso8583Error): Unjournaled {
  const code = err.code;
  if (code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST') {
    // A shared store gave it to another node (or it was answered there): that node sends it, this one no more.
    logger.warn({ ...entryEvent(a, n), code }, 'the SAF entry is held by another node: not sent here');
    return 'released';
  }
  if (code === 'ISO8583_ERR_CONNECTOR_JOURNAL') {
    const halt = journal.halted?.();
    if (a.unjournaled === journalState(halt)) return 'send';
    a.unjournaled = journalState(halt);
    const next = a.unjournaled === 'gone' ? 'held in memory only: the next start does not know of it' : 'its records stay in the journal: the next start sends it again unless its end is recorded first';
    logCapped(logger, warnings, `${code} ${a.unjournaled}`, 'error', { ...entryEvent(a, n), code, journal: a.unjournaled, reason: halt?.reason }, `a SAF attempt cannot be journaled: sent anyway; ${next}`);
    return 'send';
  }
  logCapped(logger, warnings, code, 'error', { ...entryEvent(a, n), code }, 'a SAF attempt cannot be journaled: not sent, will try again');
  return 'retry';
}
