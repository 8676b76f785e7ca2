/**
 * What a start with reversal and SAF off does with a journal still configured: a journal folder's file, or a PostgreSQL
 * store's rows under the connector's keys, is read, and what an earlier run left unsent there refuses the start (see
 * {@link refuseUnsent}).
 */
import { FileJournal } from './journal.js';
import type { ReversalJournal } from './journal.js';
import { owedInJournal, owedText, unsentRefusal } from './journal-owed.js';
import { connectorError } from './errors.js';
import { PgJournal } from './pg/journal.js';
import { storeCause } from './pg/pool.js';

/**
 * With reversal and SAF off, a journal folder still configured (`reversal.journalDir`, `saf.journalDir`) that holds
 * entries an earlier run left unfinished (reversals owed, advices not delivered): nothing would send them, nor say so.
 * Resolves when there is no such folder's journal file, or it holds none; else the start is refused: rejects with
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `reversal.enabled`, the folder and the count (journal-owed.ts
 * `unsentRefusal`: turn reversal or SAF on to send them; move the folder away to drop them knowingly). A damaged
 * `add` (not a crash cut, no `done` of its id in the file: see journal-read-owed.ts `owedCount`) counts too, named apart: a
 * reversal maybe owed, which a start with reversal on logs at `error`. A journal path that cannot be read (`EACCES`, a
 * file where the folder should be: `ENOTDIR`) refuses the start too (`ISO8583_ERR_CONNECTOR_JOURNAL`: journal-hold.ts),
 * as a start with reversal on would be refused: what it holds cannot be known. The file is only read (no lock,
 * nothing written, in turns of the event loop: journal-owed.ts `owedInJournal`).
 *
 * A PostgreSQL store (`store` a URL, or a `PgJournal` given) is read the same way: its pending rows under the
 * connector's keys (`storeKeys`: `PgJournal.owedUnopened`, no migration, nothing written) that no running node holds
 * (those the live nodes of its keys are sending are theirs) refuse the start alike,
 * naming the store (password masked) and the keys; a database that cannot be read fails the start
 * (`ISO8583_ERR_CONNECTOR_STORE`), as a start with reversal on would. Any other journal given is not read.
 */
export async function refuseUnsent(journal: ReversalJournal | undefined): Promise<void> {
  if (journal instanceof PgJournal) return refuseUnsentInStore(journal);
  if (!(journal instanceof FileJournal)) return;
  const owed = await owedInJournal(journal.dir);
  if (owed.owed === 0) return;
  throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', unsentRefusal(journal.dir, owed), { field: 'reversal.enabled' });
}

/** {@link refuseUnsent} of a PostgreSQL store. */
async function refuseUnsentInStore(journal: PgJournal): Promise<void> {
  let owed;
  try {
    owed = await journal.owedUnopened();
  } catch (err) {
    throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the store ${journal.where}: cannot be read to tell whether it holds entries an earlier run left unsent (${storeCause(err)})`, { field: 'store' });
  }
  if (owed.owed === 0) return;
  const keys = journal.claims.map((k) => JSON.stringify(k)).join(', ');
  throw connectorError(
    'ISO8583_ERR_CONNECTOR_OPTIONS',
    `reversal and SAF are off, and the store ${journal.where} holds ${owedText(owed)} under the keys ${keys} that no running node holds: turn reversal.enabled (or saf.enabled) on to send them`,
    { field: 'reversal.enabled' },
  );
}
