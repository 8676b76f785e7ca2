/**
 * A reversal journal lost while a long-running command (`gateway`, `run`) ran: its folder or file removed or replaced,
 * or stopped for good after a write it could not repair (`Connector.journalHalted`). Found once the connectors have
 * closed, it makes the graceful stop fail (exit 1) with a coded line naming the folder, why, and how many SAF entries
 * were held in memory only (no card data: counts and paths), never `... stopped` with exit 0; and the folder is not
 * said to keep the entries left.
 */
import type { Logger } from 'pino';
import { Iso8583Error } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';

/** A connector and the journal folder it was given (`undefined`: none, or a database, which is never named). */
export interface JournaledConnector {
  /** The connector, closed (or destroyed) by now: its figures stay. */
  connector: Connector;
  /** Its journal folder. */
  dir: string | undefined;
}

/** A journal that stopped for good or lost its records during the run. */
export interface LostJournal {
  /** Its folder, else `connector NAME`. */
  where: string;
  /** Why (`its file DIR/reversals.jsonl was removed`). */
  reason: string;
  /** True when a later start does not read its records (removed, replaced). */
  recordsLost: boolean;
  /** SAF entries left that were held in memory only (`safNotDurable`): the next start does NOT send them. */
  inMemory: number;
}

/** The journals among `connectors` that stopped for good or lost their records (`Connector.journalHalted`), in order. */
export function lostJournals(connectors: readonly JournaledConnector[]): LostJournal[] {
  const lost: LostJournal[] = [];
  for (const { connector, dir } of connectors) {
    const halt = connector.journalHalted();
    if (halt === undefined) continue;
    lost.push({
      where: dir ?? `connector ${connector.name}`,
      reason: halt.reason,
      recordsLost: halt.recordsLost,
      inMemory: Number(connector.stats().safNotDurable ?? 0),
    });
  }
  return lost;
}

/** The folders of `dirs` (deduplicated, in order) that still hold their journal's records, joined with `, `. */
export function keptIn(dirs: readonly (string | undefined)[], lost: readonly LostJournal[]): string {
  const gone = new Set(lost.filter((l) => l.recordsLost).map((l) => l.where));
  return [...new Set(dirs.filter((d): d is string => d !== undefined && !gone.has(d)))].join(', ');
}

/** One journal's part of the message: `in DIR was lost (WHY): N SAF entries held in memory only`, or `stopped (WHY): ...`. */
function told(l: LostJournal): string {
  const where = l.where.startsWith('connector ') ? `(${l.where})` : `in ${l.where}`;
  if (!l.recordsLost) return `the reversal journal ${where} stopped (${l.reason}): its records stay on disk, the next start sends the entries left`;
  return `the reversal journal ${where} was lost (${l.reason}): ${l.inMemory} SAF ${l.inMemory === 1 ? 'entry' : 'entries'} held in memory only`;
}

/**
 * Logs at `error` and returns the coded error (`ISO8583_ERR_CONNECTOR_JOURNAL`, field `reversal.journalDir`) of a stop
 * that found `lost` (not empty): the stop's failure, which the command reports as `the graceful stop failed: ...`, exit 1.
 */
export function journalLostError(logger: Logger, what: string, lost: readonly LostJournal[]): Iso8583Error {
  const message = lost.map(told).join('; ');
  logger.error(
    { code: 'ISO8583_ERR_CONNECTOR_JOURNAL', journals: lost },
    `${what}: ${message}${lost.some((l) => l.recordsLost) ? ' (the next start does NOT send those: reverse them by hand)' : ''}`,
  );
  return new Iso8583Error('ISO8583_ERR_CONNECTOR_JOURNAL', message, { field: 'reversal.journalDir' });
}
