/**
 * Reversals a change of configuration would strand: with journal folders (no `--store`), one upstream journals in
 * `--reversal-journal` itself (`<dir>/reversals.jsonl`), each upstream of a group in `<dir>/<name>`. A journal the new
 * configuration does not open is never read again: its reversals (and advices) would never be sent. So the start and
 * `--check-config` refuse while such a journal still holds open entries: the folder itself when the gateway runs a
 * group; `<dir>/<X>` for an `X` that is no upstream of the group (renamed, removed); any `<dir>/<X>` when it runs one
 * upstream. Under the default state folder (no `--reversal-journal`, or given now but not to a start before) the same:
 * the lone upstream's folder (for a group) and every other folder there that is the gateway's
 * ({@link gatewayStateFolders}: the state folder also holds the flows' journals, `FLOW.CONNECTOR`, which are not). With `--no-reversal`, or a PostgreSQL `--store`, no
 * file journal is opened at all: the folders this configuration would journal in otherwise are looked at too (a
 * restart with `--no-reversal` over a journal still owing reversals never sent them, and said none were left).
 *
 * Decided: refused, not taken over. A PostgreSQL store lets the group's first upstream take over a lone upstream's
 * entries, but a file journal is one folder, one lock, one file: merging one into another at start would write two
 * journals at once, and a crash between could send a reversal twice or lose it. The operator moves the file, with the
 * gateway stopped, or runs the earlier configuration until it is empty. Read only: the file is read (the connector's
 * `owedInJournalSync`, whose words, `owedText`, the refusal uses), no lock taken, nothing written.
 *
 * Refused only for a journal file seen to exist: one that holds open entries, or one that cannot be read to tell. A
 * folder that cannot be entered (a volume's `lost+found`, root's with mode 0700, under a journal folder that is a
 * volume of its own) shows no journal file: it is a warning naming it (`ISO8583_WARN_JOURNAL_UNCHECKED`, and
 * `--reversal-journal`, or the default state folder when that flag is not given), not a refusal, or no service user
 * could start.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JOURNAL_FILE, defaultJournalDir, journalReadReason, owedInJournalSync, owedText, owedUnknownText } from '@iso8583/connector';
import type { JournalOwed } from '@iso8583/connector';
import { journalFileIn, journalUncheckedWarning } from '../journal-warnings.js';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { groupUpstreams, journalDirOf, upstreamAddressOf } from './upstream-options.js';
import { recordedUpstream, upstreamId } from '../journal-upstream.js';

type StrandedConfig = GatewayConfig;

/** The folders under `dir` (none when it cannot be listed: the folder check, journal-check.ts, reports that). */
function foldersIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}

/**
 * The folders of the per-user state folder (`defaultJournalDir`'s parent) that are the gateway's: one whose name has no `.` (the gateway's are `upstream` and its upstreams' names; a
 * flow's is always `FLOW.CONNECTOR`), or one whose marker (`upstream.json`, journal-upstream.ts) records the address of
 * an upstream of `config` (an upstream whose name holds a `.`). So an upstream renamed or removed, or a group back to
 * one upstream, is found there as under `--reversal-journal`; a flow's journal is not taken for the gateway's.
 */
function gatewayStateFolders(config: StrandedConfig): string[] {
  const addresses = new Set((groupUpstreams(config) ?? [undefined]).map((named) => {
    const { host, port } = upstreamAddressOf(config, named);
    return upstreamId(host, port);
  }));
  return foldersIn(dirname(defaultJournalDir('upstream'))).filter((dir) => {
    if (!basename(dir).includes('.')) return true;
    const recorded = recordedUpstream(dir);
    return recorded !== undefined && addresses.has(recorded);
  });
}

/**
 * The journal folders `config` does not open that a journal of an earlier configuration may be in. With `off` (no
 * file journal opened: `--no-reversal`, `--store`), the folders it would journal in with them are among them too.
 */
function unusedJournalDirs(config: StrandedConfig, off: boolean): string[] {
  const group = groupUpstreams(config);
  const own = (group ?? [undefined]).map((named) => journalDirOf(config, named));
  const used = new Set(off ? [] : own);
  const candidates = [...(off ? own : []), ...(group !== undefined ? [journalDirOf(config)] : [])];
  if (config.reversalJournal !== undefined) candidates.push(...foldersIn(config.reversalJournal));
  // The state folder's too, with `--reversal-journal` given: a start before it may have journaled there.
  candidates.push(...gatewayStateFolders(config));
  return [...new Set(candidates)].filter((dir) => !used.has(dir));
}

/**
 * The flag that set the journal folders of `config`, for a warning naming one: `--reversal-journal`, or, not given,
 * `--reversal-journal (not given: the default state folder)` (connector's `defaultJournalDir`).
 */
export function journalFlagOf(config: Pick<GatewayConfig, 'reversalJournal'>): string {
  return config.reversalJournal !== undefined ? '--reversal-journal' : '--reversal-journal (not given: the default state folder)';
}

/** What {@link strandedJournals} found: the refusal, if any, and the folders it could not look into. */
export interface StrandedJournals {
  /** `ISO8583_ERR_GATEWAY_CONFIG` naming `--reversal-journal`, or `undefined` when nothing is stranded. */
  problem: Error | undefined;
  /**
   * One line for each folder that could not be entered to look for a journal file (a `lost+found`): not refused;
   * `ISO8583_WARN_JOURNAL_UNCHECKED` naming `--reversal-journal` (journal-warnings.ts).
   */
  warnings: string[];
}

/**
 * The reversal journals that `config` does not open (see the file's note): a problem (`ISO8583_ERR_GATEWAY_CONFIG`
 * naming `--reversal-journal`; `--no-reversal` or `--store` when it opens no file journal at all) when one is seen to
 * exist and still holds open entries, or exists and cannot be read to tell; a warning for each folder that cannot be
 * entered to look.
 */
export function strandedJournals(config: StrandedConfig): StrandedJournals {
  const warnings: string[] = [];
  // No file journal opened at all: every journal folder of the configuration is one it does not open.
  const off = config.noReversal ? '--no-reversal' : config.store !== undefined ? '--store' : undefined;
  const group = groupUpstreams(config);
  const mode = off ?? (group === undefined ? 'one upstream' : `the upstreams ${group.map((u) => u.name).join(', ')}`);
  const problem = (text: string): Error => gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${off ?? '--reversal-journal'}: ${text}`, { field: off ?? '--reversal-journal' });
  const named = journalFlagOf(config);
  for (const dir of unusedJournalDirs(config, off !== undefined)) {
    const seen = journalFileIn(dir);
    // No journal file there; or a folder this user cannot enter, which no start of this user writes a journal in.
    if (seen !== true) {
      if (seen !== false) warnings.push(journalUncheckedWarning(named, dir, seen, `this configuration (${mode}) does not open`));
      continue;
    }
    const file = join(dir, JOURNAL_FILE);
    let owed: JournalOwed;
    try {
      // Live entries and damaged adds without their done (connector's owedInJournalSync): the count a connector refuses on.
      owed = owedInJournalSync(dir);
    } catch (err) {
      const reason = journalReadReason(err);
      return { problem: problem(`${owedUnknownText(dir, reason)}, and this configuration (${mode}) does not open it`), warnings };
    }
    if (owed.owed === 0) continue;
    const held = `the reversal journal ${file} holds ${owedText(owed)}, and this configuration (${mode}) does not open it: they would never be sent`;
    const text =
      off !== undefined
        ? `${held}. Start once without ${off} until they are delivered (safDepth 0)`
        : `${held}. Start once with the configuration that wrote them until they are delivered (safDepth 0), or, with the ` +
          `gateway stopped, move that ${JOURNAL_FILE} into the journal folder of the upstream that must send them (one ` +
          `holding no ${JOURNAL_FILE} yet)`;
    return { problem: problem(text), warnings };
  }
  return { problem: undefined, warnings };
}

/**
 * Throws {@link strandedJournals}' problem, if any: what the start and `--check-config` both run. Returns its
 * warnings (the start logs them, `--check-config` prints them as `warning:` lines).
 */
export function refuseStrandedJournals(config: StrandedConfig): string[] {
  const { problem: stranded, warnings } = strandedJournals(config);
  if (stranded !== undefined) throw stranded;
  return warnings;
}
