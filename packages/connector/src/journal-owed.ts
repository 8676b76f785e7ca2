/**
 * What a journal folder still owes, read only: the one reading of it, and the one way of saying it, for every place
 * that asks before or instead of opening the journal: a start with reversal and SAF off (reversal-unsent.ts), and the
 * command's checks (`run --check`, `gateway --check-config`, the gateway's journals a configuration leaves unread).
 */
import { join } from 'node:path';
import { JOURNAL_FILE } from './journal.js';
import { journalOpenError } from './journal-hold.js';
import { readJournal, readJournalInTurns } from './journal-read.js';
import { NOTHING_OWED, owedOf } from './journal-read-owed.js';
import type { JournalOwed } from './journal-read-owed.js';
import { readJournalFile, readJournalFileSync } from './journal-tail.js';

export type { JournalOwed } from './journal-read-owed.js';

/**
 * What the journal file in `dir` still owes ({@link JournalOwed}), read as a restart reads it (up to the trailing blank
 * run: journal-tail.ts) in turns of the event loop: no lock taken, nothing written. A file that cannot be read
 * (`EACCES`, `ENOTDIR`) rejects with `ISO8583_ERR_CONNECTOR_JOURNAL` naming the folder, the system's error as its
 * `cause` (its `code` kept: {@link journalReadReason}); no file (`ENOENT`) owes nothing.
 */
export async function owedInJournal(dir: string): Promise<JournalOwed> {
  let read: Awaited<ReturnType<typeof readJournalFile>>;
  try {
    read = await readJournalFile(join(dir, JOURNAL_FILE));
  } catch (err) {
    throw journalOpenError(dir, err);
  }
  return read === undefined ? { ...NOTHING_OWED } : owedOf(await readJournalInTurns(read.data));
}

/** {@link owedInJournal}, synchronously: for a check before a start, which reads and writes nothing else. */
export function owedInJournalSync(dir: string): JournalOwed {
  let read: ReturnType<typeof readJournalFileSync>;
  try {
    read = readJournalFileSync(join(dir, JOURNAL_FILE));
  } catch (err) {
    throw journalOpenError(dir, err);
  }
  return read === undefined ? { ...NOTHING_OWED } : owedOf(readJournal(read.data));
}

/** The system's reason (`EACCES`, `ENOTDIR`) an {@link owedInJournal} failure carries as its `cause`, else its text. */
export function journalReadReason(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : String(cause ?? err);
}

/**
 * What `owed` says, in the words of every message about it: `3 entries an earlier run left unsent (2 reversals owed)`,
 * then `, and 1 damaged entries that may be owed (a start with reversal on quarantines and logs them)` when there are
 * (`1 or more` when a damaged one may hide others: `damagedMore`).
 */
export function owedText(owed: JournalOwed): string {
  const more = owed.damagedMore === true ? ' or more' : '';
  const damaged = owed.damaged === 0 ? '' : `, and ${owed.damaged}${more} damaged entries that may be owed (a start with reversal on quarantines and logs them)`;
  return `${owed.entries} entries an earlier run left unsent (${owed.reversals} reversals owed)${damaged}`;
}

/**
 * The refusal of a start with reversal and SAF off over the journal in `dir` that still owes `owed` (its `owed` > 0):
 * `reversal and SAF are off, and the journal in DIR holds …: turn reversal.enabled (or saf.enabled) on to send them`.
 * The connector's start (`ISO8583_ERR_CONNECTOR_OPTIONS`) and `run --check` (`ISO8583_ERR_FLOW_INVALID`, at the JSON
 * path) say it alike.
 */
export function unsentRefusal(dir: string, owed: JournalOwed): string {
  return `reversal and SAF are off, and the journal in ${dir} holds ${owedText(owed)}: turn reversal.enabled (or saf.enabled) on to send them`;
}

/** Why the journal in `dir` cannot be told to owe nothing: `the journal in DIR cannot be read (EACCES) to tell …`. */
export function owedUnknownText(dir: string, reason: string): string {
  return `the journal in ${dir} cannot be read (${reason}) to tell whether it holds entries an earlier run left unsent`;
}
