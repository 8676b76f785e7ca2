/**
 * What a start with reversal and SAF off does with a journal folder still configured: it is read, and what an earlier
 * run left unsent there refuses the start (see {@link refuseUnsent}).
 */
import { join } from 'node:path';
import { FileJournal, JOURNAL_FILE } from './journal.js';
import type { ReversalJournal } from './journal.js';
import { journalOpenError } from './journal-hold.js';
import { owedCount, readJournalInTurns } from './journal-read.js';
import { readJournalFile } from './journal-tail.js';
import { connectorError } from './errors.js';

/**
 * With reversal and SAF off, a journal folder still configured (`reversal.journalDir`, `saf.journalDir`) that holds
 * entries an earlier run left unfinished (reversals owed, advices not delivered): nothing would send them, nor say so.
 * Resolves when there is no such folder's journal file, or it holds none; else the start is refused: rejects with
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `reversal.enabled` and the count (turn reversal or SAF on to send them; move
 * the folder away to drop them knowingly). A damaged `add` (not a crash cut, no `done` of its id in the file: see
 * journal-read.ts `owedCount`) counts too, named apart: a reversal maybe owed, which a start with reversal on logs at
 * `error`. A journal path that cannot be read (`EACCES`, a file where the folder should be: `ENOTDIR`) refuses the
 * start too (`ISO8583_ERR_CONNECTOR_JOURNAL`: journal-hold.ts), as a start with reversal on would be refused: what it
 * holds cannot be known. The file is only read (no lock, nothing written). A shared or caller-given
 * store is not read here (its other nodes send it).
 */
export async function refuseUnsent(journal: ReversalJournal | undefined): Promise<void> {
  if (!(journal instanceof FileJournal)) return;
  // Read only, as a restart reads it (up to the trailing blank run: journal-tail.ts), in turns of the event loop: no
  // lock taken, no compaction, no spare file, nothing written in a folder this start does not use.
  const read = await readJournalFile(join(journal.dir, JOURNAL_FILE)).catch((err: unknown) => {
    throw journalOpenError(journal.dir, err);
  });
  if (read === undefined) return;
  const contents = await readJournalInTurns(read.data);
  const left = [...contents.live.values()];
  // Beyond the live entries, the damaged adds (not a crash cut) whose done is not in the file: maybe still owed.
  const damaged = owedCount(contents) - left.length;
  if (left.length + damaged === 0) return;
  const owed = left.filter((e) => (e.kind ?? 'reversal') === 'reversal').length;
  const also = damaged === 0 ? '' : `, and ${damaged} damaged entries that may be owed (a start with reversal on quarantines and logs them)`;
  throw connectorError(
    'ISO8583_ERR_CONNECTOR_OPTIONS',
    `reversal and SAF are off, and the journal holds ${left.length} entries an earlier run left unsent (${owed} reversals owed)${also}: turn reversal.enabled (or saf.enabled) on to send them`,
    { field: 'reversal.enabled' },
  );
}
