/**
 * Reversals a change of configuration would strand: with journal folders (no `--store`), one upstream journals in
 * `--reversal-journal` itself (`<dir>/reversals.jsonl`), each upstream of a group in `<dir>/<name>`. A journal the new
 * configuration does not open is never read again: its reversals (and advices) would never be sent. So the start and
 * `--check-config` refuse while such a journal still holds open entries: the folder itself when the gateway runs a
 * group; `<dir>/<X>` for an `X` that is no upstream of the group (renamed, removed); any `<dir>/<X>` when it runs one
 * upstream. Under the default state folder (no `--reversal-journal`, or given now but not to a start before) the same:
 * the lone upstream's folder (for a group) and every other folder there that is a gateway's
 * ({@link gatewayStateFolders}: the state folder also holds the flows' journals, `FLOW.CONNECTOR`, which are not; a
 * folder marked before markers said who wrote them, named with a `.`, is the gateway's when it records this
 * configuration's bank):
 * refused when its marker records no bank or a bank of this configuration (an upstream renamed); a warning
 * (`ISO8583_WARN_JOURNAL_OTHER_UPSTREAM`) when it records a bank no upstream here has (another gateway of the user, or
 * an upstream removed: one cannot tell). A folder whose lock a live process holds is never read (a warning naming it).
 * Folders compare by real path (`--reversal-journal` spelled otherwise is still its folder). With `--no-reversal`, or a PostgreSQL `--store`, no
 * file journal is opened at all: the folders this configuration would journal in otherwise are looked at too (a
 * restart with `--no-reversal` over a journal still owing reversals never sent them, and said none were left).
 *
 * Decided: refused, not taken over. A PostgreSQL store lets the group's first upstream take over a lone upstream's
 * entries, but a file journal is one folder, one lock, one file: merging one into another at start would write two
 * journals at once, and a crash between could send a reversal twice or lose it. The operator runs the earlier
 * configuration until it is empty, or, with the gateway stopped, moves the file into the folder of an upstream at the
 * bank it records (never another bank's: its reversals, card data and all, would go there). Read only: the file is read (the connector's
 * `owedInJournalSync`, whose words, `owedText`, the refusal uses), no lock taken, nothing written.
 *
 * Refused only for a journal file seen to exist: one that holds open entries, or one that cannot be read to tell. A
 * folder that cannot be entered (a volume's `lost+found`, root's with mode 0700, under a journal folder that is a
 * volume of its own) shows no journal file: it is a warning naming it (`ISO8583_WARN_JOURNAL_UNCHECKED`, and
 * `--reversal-journal`, or the default state folder when that flag is not given), not a refusal, or no service user
 * could start.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { JOURNAL_FILE, LOCK_FILE, defaultJournalDir, journalReadReason, liveLockHolder, owedInJournalSync, owedText, owedUnknownText } from '@iso8583/connector';
import type { JournalOwed } from '@iso8583/connector';
import { journalFileIn, journalUncheckedWarning } from '../journal-warnings.js';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { groupUpstreams, journalDirOf, upstreamAddressOf } from './upstream-options.js';
import { UPSTREAM_FILE, journalFoldersIn, upstreamMarker, upstreamId } from '../journal-upstream.js';

type StrandedConfig = GatewayConfig;

/** The code of the warning for a gateway folder of the state folder owing another bank ({@link strandedJournals}). */
export const JOURNAL_OTHER_UPSTREAM = 'ISO8583_WARN_JOURNAL_OTHER_UPSTREAM';

/** The code of the warning for a folder {@link strandedJournals} does not read: a live process holds its lock. */
export const JOURNAL_IN_USE = 'ISO8583_WARN_JOURNAL_IN_USE';

/** A folder as compared: its real path (symlinks followed) when it exists, else its absolute path. */
function sameFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** Each journal folder of `config`'s links (`undefined`: the lone link) with its upstream (`host:port`). */
function configuredJournals(config: StrandedConfig): { name: string; dir: string; upstream: string }[] {
  return (groupUpstreams(config) ?? [undefined]).map((named) => {
    const { host, port } = upstreamAddressOf(config, named);
    return { name: named?.name ?? 'upstream', dir: journalDirOf(config, named), upstream: upstreamId(host, port) };
  });
}

/**
 * The folders of the per-user state folder (`defaultJournalDir`'s parent) that are a gateway's: one whose marker
 * (`upstream.json`, journal-upstream.ts) says it was written by a gateway; or, with no marker or one from before
 * markers said who wrote them, one whose name has no `.` (the gateway's are `upstream` and its upstreams' names; a
 * flow's is always `FLOW.CONNECTOR`, and its marker says `flow`), or whose marker records the address of one of
 * `upstreams` (this configuration's): an upstream's name may hold a `.` (`visa.eu`), and its folder, renamed after an
 * upgrade, must not be left unread. So a flow's journal is not taken for the gateway's, even when its connector talks to
 * the same bank, once its marker says `flow`; an old flow folder at a configured bank is refused (the safe side) until
 * the flow's next start rewrites its marker.
 */
function gatewayStateFolders(upstreams: ReadonlySet<string>): string[] {
  return journalFoldersIn(dirname(defaultJournalDir('upstream'))).filter((dir) => {
    const marker = upstreamMarker(dir);
    if (marker?.by === 'gateway') return true;
    if (marker?.by !== undefined) return false;
    return !basename(dir).includes('.') || (marker !== undefined && upstreams.has(marker.upstream));
  });
}

/** A folder to look into: `state` when only found in the state folder ({@link gatewayStateFolders}). */
interface Candidate {
  dir: string;
  state: boolean;
}

/**
 * The journal folders `config` does not open that a journal of an earlier configuration may be in. With `off` (no
 * file journal opened: `--no-reversal`, `--store`), the folders it would journal in with them are among them too.
 * Folders are compared by their real paths: `--reversal-journal` spelled otherwise (a trailing `/`, a relative path,
 * a symlink) is still the folder it opens.
 */
function unusedJournalDirs(config: StrandedConfig, off: boolean): Candidate[] {
  const group = groupUpstreams(config);
  const own = configuredJournals(config).map((j) => j.dir);
  const used = new Set((off ? [] : own).map(sameFolder));
  const candidates = [...(off ? own : []), ...(group !== undefined ? [journalDirOf(config)] : [])];
  if (config.reversalJournal !== undefined) candidates.push(...journalFoldersIn(config.reversalJournal));
  const out = new Map<string, Candidate>();
  for (const dir of candidates) if (!out.has(sameFolder(dir))) out.set(sameFolder(dir), { dir, state: false });
  // The state folder's too, with `--reversal-journal` given: a start before it may have journaled there.
  const upstreams = new Set(configuredJournals(config).map((j) => j.upstream));
  for (const dir of gatewayStateFolders(upstreams)) if (!out.has(sameFolder(dir))) out.set(sameFolder(dir), { dir, state: true });
  return [...out.entries()].filter(([key]) => !used.has(key)).map(([, c]) => c);
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
  const configured = configuredJournals(config);
  for (const { dir, state } of unusedJournalDirs(config, off !== undefined)) {
    const seen = journalFileIn(dir);
    // No journal file there; or a folder this user cannot enter, which no start of this user writes a journal in.
    if (seen !== true) {
      if (seen !== false) warnings.push(journalUncheckedWarning(named, dir, seen, `this configuration (${mode}) does not open`));
      continue;
    }
    // Another process journals there (another gateway, a flow): never read while it appends (a torn read). Only a
    // holder confirmed running: a stale lock of another namespace or a newer version's is read (a torn read can only refuse).
    const holder = liveLockHolder(join(dir, LOCK_FILE));
    if (holder?.state === 'alive') {
      const who = holder.pid === undefined ? 'another process' : `process ${holder.pid}`;
      warnings.push(`${JOURNAL_IN_USE}: ${named}: the journal folder ${dir} is in use by ${who} (its ${LOCK_FILE}): this configuration (${mode}) does not open it; not read while that process writes it`);
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
    const marked = upstreamMarker(dir)?.upstream;
    const recorded = marked === undefined || marked.startsWith('(') ? undefined : marked;
    const target = recorded === undefined ? undefined : configured.find((j) => j.upstream === recorded);
    if (state && recorded !== undefined && target === undefined) {
      // A gateway's folder owing a bank no upstream here is: another gateway's, or an upstream removed (one cannot tell).
      warnings.push(
        `${JOURNAL_OTHER_UPSTREAM}: ${named}: the journal in ${dir} holds ${owedText(owed)} for the upstream ${recorded} (its ${UPSTREAM_FILE}), ` +
          `which no upstream of this configuration (${mode}) is: another gateway's, or an upstream removed since; not sent by this gateway. ` +
          `To send them, start a gateway pointed at ${recorded} with --reversal-journal ${dir} until they are delivered (safDepth 0); ` +
          `never move them into the journal folder of another bank's upstream`,
      );
      continue;
    }
    const forBank = recorded === undefined ? '' : ` for the upstream ${recorded} (its ${UPSTREAM_FILE})`;
    const held = `the reversal journal ${file} holds ${owedText(owed)}${forBank}, and this configuration (${mode}) does not open it: they would never be sent`;
    // Moved only into the folder of an upstream at the same address: never into another bank's.
    const move =
      target !== undefined && sameFolder(target.dir) !== sameFolder(dir)
        ? `, or, with the gateway stopped, move that ${JOURNAL_FILE} into ${target.dir}, the journal folder of the upstream ` +
          `${target.name} at ${recorded} (one holding no ${JOURNAL_FILE} yet)`
        : '';
    const text =
      off !== undefined
        ? `${held}. Start once without ${off} until they are delivered (safDepth 0)`
        : `${held}. Start once with the configuration that wrote them until they are delivered (safDepth 0)${move}`;
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
