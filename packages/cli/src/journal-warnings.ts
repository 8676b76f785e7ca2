/**
 * What the starts of `gateway` and `run` and their checks (`gateway --check-config`, `run --check`) say of a journal
 * folder without refusing it, one look and one line for both commands (gateway/journal-stranded.ts, flow/options.ts).
 * A journal folder that cannot be entered to look for a journal file an earlier run left (a volume's `lost+found`,
 * root's with mode 0700; a file where the folder should be): no start of this user ever journaled there, so it is a
 * warning, `ISO8583_WARN_JOURNAL_UNCHECKED`, naming the folder and the flag or JSON path that set it, not a refusal:
 * the start logs it, the check prints it as a `warning:` line. And a journal a start with reversal on sends what it
 * still owes from ({@link owedAtStartWarning}).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, owedText } from '@iso8583/connector';
import type { JournalOwed } from '@iso8583/connector';

/** The code of {@link journalUncheckedWarning}. */
export const JOURNAL_UNCHECKED = 'ISO8583_WARN_JOURNAL_UNCHECKED';

/**
 * Whether a journal file (`reversals.jsonl`) is in `dir`: `true`; `false` when there is none (`ENOENT`); else the
 * system's code of why the folder cannot be looked into (`EACCES`, `ENOTDIR`). Only its entry is looked at (the file is
 * not opened: one there that cannot be read is `true`, and its reader says why).
 */
export function journalFileIn(dir: string): boolean | string {
  try {
    statSync(join(dir, JOURNAL_FILE));
    return true;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    return reason === 'ENOENT' ? false : reason;
  }
}

/**
 * The warning line for the folder `dir` that cannot be entered (`reason`, from {@link journalFileIn}), set by `named`
 * (a flag, a JSON path), looked into for a journal file `why` (what it would be: `this configuration (one upstream)
 * does not open`): `ISO8583_WARN_JOURNAL_UNCHECKED: NAMED: the folder DIR cannot be entered (EACCES) to look for a
 * reversals.jsonl WHY; not checked`.
 */
export function journalUncheckedWarning(named: string, dir: string, reason: string, why: string): string {
  return `${JOURNAL_UNCHECKED}: ${named}: the folder ${dir} cannot be entered (${reason}) to look for a ${JOURNAL_FILE} ${why}; not checked`;
}

/**
 * What a start with reversal or SAF on says of the journal in `dir` (set by `named`) that still owes `owed` (its `owed`
 * > 0): it sends the entries an earlier run left unfinished (logged at `warn`, `SAF entries ... left unfinished by an
 * earlier run: sending them`) and logs each damaged one at `error` (`ISO8583_WARN_JOURNAL_CORRUPT`). The check's
 * `warning:` line of it: `NAMED: the journal in DIR holds 2 entries an earlier run left unsent (2 reversals owed): the
 * start sends them`.
 */
export function owedAtStartWarning(named: string, dir: string, owed: JournalOwed): string {
  const does = owed.damaged === 0 ? 'sends them' : owed.entries === 0 ? 'logs them at error' : 'sends the entries and logs the damaged ones at error';
  return `${named}: the journal in ${dir} holds ${owedText(owed)}: the start ${does}`;
}
