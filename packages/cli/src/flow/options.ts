/**
 * What a flow hands to the libraries: each connector's and inbound endpoint's options as `iso8583 run` passes them
 * (file paths resolved against the flow file's folder, a reversal journal placed where nobody placed it), and their
 * check by the libraries' own validators (`validateConnectorOptions`, `validateInboundOptions`: pool min <= max, the
 * header's length, a dialect that loads, ...), so that `run --check` refuses what `run` would, naming the JSON path.
 */
import { join } from 'node:path';
import { fromFolder, isDialectFile } from '../config-paths.js';
import { Iso8583Error, resolveDialect, unmappedOwnAnswerCodesReason } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import type { FieldProblem } from '@iso8583/codec';
import { JOURNAL_FILE, defaultJournalDir, journalReadReason, owedInJournalSync, owedText, owedUnknownText, unsentRefusal, validateConnectorOptions } from '@iso8583/connector';
import type { JournalOwed } from '@iso8583/connector';
import { validateInboundOptions } from '@iso8583/inbound';
import { readJournalNeed, storeDirProblem } from '../store-dir-problem.js';
import { journalFileIn, journalUncheckedWarning, owedAtStartWarning } from '../journal-warnings.js';
import { flowError } from './errors.js';
import { pointer } from './locate.js';

type Options = Record<string, unknown>;

/** `options` with its dialect file, if any, resolved against `dir`. */
function withDialect(dir: string, options: Options): Options {
  const dialect = options.dialect;
  return typeof dialect === 'string' && isDialectFile(dialect) ? { ...options, dialect: fromFolder(dir, dialect) } : options;
}

/**
 * A connector's options as `iso8583 run` passes them: its `name`, its dialect file and journal folders resolved
 * against `dir`, and, when reversal or the SAF queue is on without a journal folder, the per-user state folder
 * `defaultJournalDir("FLOW.CONNECTOR")` (as the gateway does: never the working folder). With both off and no journal
 * folder, that folder too when a journal is there (an earlier run's with them on): the connector's start refuses it
 * while it holds entries left unsent (they would never be sent otherwise). That folder, when it cannot be entered to
 * look (`EACCES`, `ENOTDIR`), is not handed on: `ISO8583_WARN_JOURNAL_UNCHECKED` (journal-warnings.ts) naming
 * `/connectors/NAME` and the folder is pushed to `warnings`, as the gateway warns of its.
 */
export function connectorOptionsOf(dir: string, flowName: string, name: string, given: Options, warnings: string[]): Options {
  const options: Options = { ...withDialect(dir, given), name };
  const reversal = given.reversal as { enabled?: unknown; journalDir?: unknown } | undefined;
  const saf = given.saf as { enabled?: unknown; journalDir?: unknown } | undefined;
  if (typeof reversal?.journalDir === 'string') options.reversal = { ...reversal, journalDir: fromFolder(dir, reversal.journalDir) };
  if (typeof saf?.journalDir === 'string') options.saf = { ...saf, journalDir: fromFolder(dir, saf.journalDir) };
  // The journal is the SAF queue's: on with reversal or saf, placed by either's journalDir (never both).
  const on = reversal?.enabled === true || saf?.enabled === true;
  if (reversal?.journalDir === undefined && saf?.journalDir === undefined) {
    const journalDir = defaultJournalDir(`${flowName}.${name}`);
    if (reversal?.enabled === true) options.reversal = { ...reversal, journalDir };
    else if (on) options.saf = { ...saf, journalDir };
    // Both off: the folder a run with them on journaled in, when it holds a journal, so that the connector's start
    // reads it and refuses what that run left unsent (`reversal.enabled` and the count) rather than never sending it.
    else if (given.store === undefined) {
      const seen = journalFileIn(journalDir);
      if (seen === true) options.reversal = { ...reversal, journalDir };
      else if (seen !== false) warnings.push(journalUncheckedWarning(pointer('connectors', name), journalDir, seen, 'an earlier run with reversal or SAF on left (its default journal folder)'));
    }
  }
  // With a store, the folder {@link refuseStoreOverJournal} looks into: one it cannot enter is said, not skipped unsaid.
  if (given.store !== undefined) {
    const storeDir = storeOverDir(flowName, name, options);
    const seen = journalFileIn(storeDir);
    if (typeof seen === 'string') warnings.push(journalUncheckedWarning(pointer('connectors', name, 'store'), storeDir, seen, 'a run without "store" left (with a store the connector never reads it)'));
  }
  return options;
}

/** The file journal folder of connector `name` given a `store` (its `journalDir`, else its default folder), which it never opens. */
function storeOverDir(flowName: string, name: string, options: Options): string {
  const { reversal, saf } = options as { reversal?: { journalDir?: unknown }; saf?: { journalDir?: unknown } };
  const placed = saf?.journalDir ?? reversal?.journalDir;
  return typeof placed === 'string' ? placed : defaultJournalDir(`${flowName}.${name}`);
}

/**
 * Throws `ISO8583_ERR_FLOW_INVALID` naming the connector's `journalDir` path and the system's reason when a journal
 * folder the start would make and open (each connector's, without a `store`) cannot be made, entered or written, or a
 * file in it the start opens cannot be (one left by a first run as another user): `run --check` looks (store-dir-problem.ts:
 * nothing made, no lock taken); the start would fail `ISO8583_ERR_CONNECTOR_JOURNAL`. A connector with reversal and
 * SAF both off only reads its journal folder (connector's `refuseUnsent`): its folder is not checked for writing; its
 * journal is read instead, and what it still owes (connector's `owedInJournalSync`) refuses, naming
 * `/connectors/NAME/reversal/enabled`, as the start would refuse it. Returns the `warning:` lines of what a start with
 * reversal or SAF on would say of its journal: what it still owes from an earlier run, which that start sends
 * (journal-warnings.ts `owedAtStartWarning`, at the connector's `journalDir` path).
 */
export function checkJournalDirs(file: string, connectors: Record<string, Options>): string[] {
  const warnings: string[] = [];
  for (const [name, options] of Object.entries(connectors)) {
    if (options.store !== undefined) continue;
    const off = (options.reversal as { enabled?: unknown } | undefined)?.enabled !== true && (options.saf as { enabled?: unknown } | undefined)?.enabled !== true;
    for (const key of ['reversal', 'saf'] as const) {
      const dir = (options[key] as { journalDir?: unknown } | undefined)?.journalDir;
      if (typeof dir !== 'string') continue;
      const owed = (): JournalOwed => readOwed(file, pointer('connectors', name, key, 'journalDir'), dir);
      if (off) {
        refuseOwed(file, name, dir, owed());
        continue;
      }
      // Its journal file read once: what a start writes there (the space it needs) and what it still owes.
      const need = readJournalNeed(dir);
      const problem = storeDirProblem(dir, ['journal'], need);
      const field = pointer('connectors', name, key, 'journalDir');
      if (problem !== undefined) {
        throw flowError('ISO8583_ERR_FLOW_INVALID', `flow file ${file}: ${field}: the journal folder ${dir} cannot be made or written: ${problem}`, { field });
      }
      // Not read above, yet no problem found with it: read again, to refuse with the system's reason.
      const left = need?.owed ?? owed();
      if (left.owed > 0) warnings.push(owedAtStartWarning(field, dir, left));
    }
  }
  return warnings;
}

/**
 * Throws `ISO8583_ERR_FLOW_INVALID` naming `/connectors/NAME/store` (after `flow file FILE: ` when `file` is given) when
 * a connector with a `store` (its SAF queue in the database) has a file journal left by a run without it that still owes
 * reversals or advices: the folder its `journalDir` names, else its default folder `defaultJournalDir("FLOW.CONNECTOR")`.
 * With the store the connector never opens that file: its entries would never be sent. What `run --check` and the start
 * (before any connector starts) both run, as the gateway refuses `--store` over a journal still owing
 * (gateway/journal-stranded.ts). Read only: nothing made, no lock taken; a journal that cannot be read to tell is refused
 * too, naming the system's reason; a folder that cannot be entered is a warning of loading's (`connectorOptionsOf`).
 */
export function refuseStoreOverJournal(flowName: string, connectors: Record<string, Options>, file?: string): void {
  for (const [name, options] of Object.entries(connectors)) {
    if (options.store === undefined) continue;
    const dir = storeOverDir(flowName, name, options);
    // None there; or a folder it cannot enter, which loading warned of (connectorOptionsOf: ISO8583_WARN_JOURNAL_UNCHECKED).
    if (journalFileIn(dir) !== true) continue;
    const field = pointer('connectors', name, 'store');
    const given = file === undefined ? '' : `flow file ${file}: `;
    let owed: JournalOwed;
    try {
      owed = owedInJournalSync(dir);
    } catch (err) {
      throw flowError('ISO8583_ERR_FLOW_INVALID', `${given}${field}: ${owedUnknownText(dir, journalReadReason(err))}, and with a store the connector never reads it`, { field });
    }
    if (owed.owed === 0) continue;
    const text =
      `the reversal journal ${join(dir, JOURNAL_FILE)} holds ${owedText(owed)}, and with a store the connector never opens it: they would never be sent. ` +
      'Run once without "store" until they are delivered (safDepth 0)';
    throw flowError('ISO8583_ERR_FLOW_INVALID', `${given}${field}: ${text}`, { field });
  }
}

/**
 * What the journal in `dir` still owes (connector's `owedInJournalSync`: read only); throws `ISO8583_ERR_FLOW_INVALID`
 * naming `field` (its `journalDir` path) and the system's reason when it cannot be read to tell.
 */
function readOwed(file: string, field: string, dir: string): JournalOwed {
  try {
    return owedInJournalSync(dir);
  } catch (err) {
    const reason = journalReadReason(err);
    throw flowError('ISO8583_ERR_FLOW_INVALID', `flow file ${file}: ${field}: ${owedUnknownText(dir, reason)}`, { field });
  }
}

/**
 * For a connector with reversal and SAF off: throws `ISO8583_ERR_FLOW_INVALID` when the journal in `dir` still owes
 * reversals or advices (`owed`), named at `/connectors/NAME/reversal/enabled` in the connector's words (its
 * `unsentRefusal`): what the connector's start refuses. Nothing made or written.
 */
function refuseOwed(file: string, name: string, dir: string, owed: JournalOwed): void {
  if (owed.owed === 0) return;
  const field = pointer('connectors', name, 'reversal', 'enabled');
  throw flowError('ISO8583_ERR_FLOW_INVALID', `flow file ${file}: ${field}: ${unsentRefusal(dir, owed)}`, { field });
}

/** The connector's name of a journal folder in the text of its errors. */
const JOURNAL_FIELD = 'reversal.journalDir';

/**
 * A start's failure to open a connector's journal (`ISO8583_ERR_CONNECTOR_JOURNAL` or `..._JOURNAL_LOCKED`, naming its
 * folder and the system's reason) named by the flow file's JSON path of that folder
 * (`/connectors/bank/reversal/journalDir`) in place of the connector's option, its code kept, as `run --check` names
 * it; any other error as it is. The folder the error names is the failing connector's own: loadFlow refuses two
 * connectors with one folder (shared-places.ts), so it names one connector only.
 */
export function withJournalPath(err: unknown, connectors: Record<string, Options>): unknown {
  if (!(err instanceof Iso8583Error) || err.field !== JOURNAL_FIELD) return err;
  for (const [name, options] of Object.entries(connectors)) {
    for (const key of ['reversal', 'saf'] as const) {
      const dir = (options[key] as { journalDir?: unknown } | undefined)?.journalDir;
      if (typeof dir !== 'string' || !err.message.startsWith(`${JOURNAL_FIELD}: the reversal journal in ${dir} `)) continue;
      const field = pointer('connectors', name, key, 'journalDir');
      const text = `${field}: ${err.message.slice(JOURNAL_FIELD.length + 2)}`;
      return new Iso8583Error(err.code, text, { field, ...(err.cause === undefined ? {} : { cause: err.cause }) });
    }
  }
  return err;
}

/** An inbound endpoint's options as `iso8583 run` passes them (before its sequences are loaded): the dialect file resolved against `dir`. */
export function inboundOptionsOf(dir: string, given: Options): Options {
  return withDialect(dir, given);
}

/** `pool.min` (a library's option path) -> `/connectors/bank/pool/min`. */
function pointerOf(base: string, field: string): string {
  if (field === '' || field === '(options)') return base;
  return `${base}/${field.split('.').join('/')}`;
}

/** The problems a library validator reports for `options`, at their JSON paths under `base`. */
function problemsOf(base: string, validate: (options: unknown) => unknown, options: Options): FieldProblem[] {
  try {
    validate(options);
    return [];
  } catch (err) {
    const problems = (err as { problems?: FieldProblem[] }).problems;
    if (problems === undefined) throw err;
    return problems.map((p) => ({ ...p, field: pointerOf(base, p.field) }));
  }
}

/** Stands for a sequence module while the options are checked (the module itself is loaded by the runner). */
const SEQUENCE_PLACEHOLDER = (): undefined => undefined;

/**
 * The problems of a connector's options (as {@link connectorOptionsOf} made them) by the connector's own validator,
 * its `tls` material (`ca`, `cert`, `key`) included: a `ca` with no PEM certificate, which Node takes silently and
 * then trusts nothing, is refused at `/connectors/NAME/tls/ca`, never started to fail every connection.
 */
export function connectorProblems(name: string, options: Options): FieldProblem[] {
  return problemsOf(pointer('connectors', name), validateConnectorOptions, options);
}

/** The problems of an inbound endpoint's options (as {@link inboundOptionsOf} made them) by the endpoint's own validator. */
export function inboundProblems(name: string, options: Options): FieldProblem[] {
  const withSequences = { ...options, sequence: SEQUENCE_PLACEHOLDER, ...(options.onError === undefined ? {} : { onError: SEQUENCE_PLACEHOLDER }) };
  const problems = problemsOf(pointer('inboundEndpoints', name), validateInboundOptions, withSequences);
  return problems.length > 0 ? problems : wideCodeProblems(name, options);
}

/**
 * An endpoint whose dialect's field 39 is wider than 3 characters (jPOS CMF's `n 4`, the 2003 edition, which approves
 * with its whole `0xxx` class) is refused at `/inboundEndpoints/NAME/dialect` (start and `--check`) when it does not
 * name a code of its own for each of the toolkit's own answers (`answerCodes`: 30, 68, 91, 94, 96; the endpoint's own
 * `30` and `96` would go out as `0030`, `0096`, approvals there: sr68j #1): the codec's `unmappedOwnAnswerCodesReason`,
 * the gateway's text too. Its approvals need no naming: the codec reads a 4-character `0xxx` as approval class (unless the dialect names its class) and
 * defaults its `approvalCodes` to `0000` (sr69q #1-#3). Read once per endpoint at load; nothing per message.
 */
function wideCodeProblems(name: string, options: Options): FieldProblem[] {
  const dialect: Dialect = resolveDialect((options.dialect ?? 'iso87ascii') as string | Dialect);
  const reason = unmappedOwnAnswerCodesReason(dialect, 'endpoint');
  return reason === undefined ? [] : [{ field: pointer('inboundEndpoints', name, 'dialect'), code: 'dialect', reason: `dialect ${dialect.name}: ${reason}` }];
}
