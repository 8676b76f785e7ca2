/**
 * The store folders a gateway start would make and open (each upstream's SAF queue, the transaction log), looked at
 * by `--check-config` without making them or taking their lock (store-dir-problem.ts): a folder or a file in it the start
 * could not open (`ISO8583_ERR_CONNECTOR_JOURNAL` or `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG`, exit 1) fails the check
 * too, so an `ExecStartPre` does not pass a start that loops. A start that fails to open one names the flag as well
 * ({@link withStoreFlag}).
 */
import { join } from 'node:path';
import { Iso8583Error } from '@iso8583/codec';
import { LOCK_FILE, TRANSACTION_LOCK_FILE, liveLockHolder } from '@iso8583/connector';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { fileJournalOf, groupUpstreams, journalDirOf } from './upstream-options.js';
import { journalFlagOf, refuseStrandedJournals } from './journal-stranded.js';
import { owedAtStartWarning } from '../journal-warnings.js';
import { readJournalNeed, storeDirProblem } from '../store-dir-problem.js';
import type { StoreKind } from '../store-dir-problem.js';

/** A store folder of a gateway start and the stores it holds. */
export interface GatewayStoreDir {
  /** The folder. */
  dir: string;
  /** The stores whose files it holds: an upstream's SAF journal, the transaction log, or both. */
  kinds: StoreKind[];
}

/**
 * Every store folder the start of `config` uses, as the start places them (upstream-options.ts `fileJournalOf`,
 * `journalDirOf`; none with a PostgreSQL `--store`).
 */
export function gatewayJournalDirs(config: GatewayConfig): GatewayStoreDir[] {
  const dirs = new Map<string, StoreKind[]>();
  const add = (dir: string | undefined, kind: StoreKind) => {
    if (dir !== undefined) dirs.set(dir, [...(dirs.get(dir) ?? []), kind]);
  };
  for (const named of groupUpstreams(config) ?? [undefined]) add(fileJournalOf(config, named), 'journal');
  // The transaction log: in the gateway's own journal folder (the lone link's), whatever the links (gateway.ts).
  if (!config.noTransactionLog && config.store === undefined) add(journalDirOf(config), 'transactions');
  return [...dirs].map(([dir, kinds]) => ({ dir, kinds }));
}

/**
 * Throws `ISO8583_ERR_GATEWAY_CONFIG` naming `--reversal-journal` and the system's reason when a store folder of
 * `config` cannot be made, entered or written (a file in its place or above it, a folder this user may not write, or
 * one still to be made in a folder this user may not write), or a file in it that the start opens cannot be opened
 * (one this user may not read or write, as a first run as root leaves): path-problem.ts's rule. Also when a journal
 * `config` does not open still holds reversals not yet sent (journal-stranded.ts). Returns the warnings of that look
 * (a folder it could not enter, not refused), one for each store folder whose lock a live process holds (a start now
 * would be refused: {@link heldBy}), then one for each upstream's journal that still holds entries an
 * earlier run left unsent, which its start sends and says so (journal-warnings.ts `owedAtStartWarning`, as `run
 * --check` says it of a flow's connector).
 */
export function checkJournalDirs(config: GatewayConfig): string[] {
  const owed: string[] = [];
  for (const { dir, kinds } of gatewayJournalDirs(config)) {
    // Its journal file read once: what a start writes there (the space it needs) and what it still owes.
    const need = kinds.includes('journal') ? readJournalNeed(dir) : undefined;
    const problem = storeDirProblem(dir, kinds, need);
    if (problem !== undefined) {
      throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `--reversal-journal: the journal folder ${dir} cannot be made or written: ${problem}`, {
        field: '--reversal-journal',
      });
    }
    const held = heldBy(dir, kinds);
    if (held !== undefined) owed.push(held);
    // Readable, by the look above (a file that vanished or changed since is the start's to find).
    const left = need?.owed;
    if (left !== undefined && left.owed > 0) owed.push(owedAtStartWarning(journalFlagOf(config), dir, left));
  }
  return [...refuseStrandedJournals(config), ...owed];
}

/**
 * The warning for a store folder whose lock a live process holds (read, not taken: connector lock-holder.ts): a start
 * now would be refused `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` (or `..._TRANSACTION_LOG_LOCKED`). A warning, not an
 * error: the config is valid, and checking a new config while the gateway it replaces still runs (then restarting it,
 * as `nginx -t` is used) is the usual deploy; `undefined` when nobody holds it.
 */
function heldBy(dir: string, kinds: readonly StoreKind[]): string | undefined {
  const files = [...(kinds.includes('journal') ? [LOCK_FILE] : []), ...(kinds.includes('transactions') ? [TRANSACTION_LOCK_FILE] : [])];
  for (const file of files) {
    const holder = liveLockHolder(join(dir, file));
    if (holder === undefined) continue;
    const who = holder.pid === undefined ? 'another process' : `process ${holder.pid}`;
    return `--reversal-journal: the journal folder ${dir} is in use by ${who} (its ${file}): a start now would be refused until it stops (another gateway on this folder: stop it first, or give this one a --reversal-journal of its own)`;
  }
  return undefined;
}

/** The gateway flag of each connector option naming a store: the folders `--reversal-journal` places, the `--store` database. */
const STORE_FLAGS: ReadonlyMap<string, string> = new Map([
  ['reversal.journalDir', '--reversal-journal'],
  ['transactionLog', '--reversal-journal'],
  ['store', '--store'],
  // A start with reversal off over the store's pending rows (reversal-unsent.ts): the gateway's flag for it.
  ['reversal.enabled', '--no-reversal'],
]);

/**
 * A start's failure to open a store named by the gateway flag that gives it, in place of the connector's option, its
 * code and reason kept: a store folder (`ISO8583_ERR_CONNECTOR_JOURNAL`, `..._TRANSACTION_LOG`, with the folder and
 * the system's reason; `reversal.journalDir: ...` becomes `--reversal-journal: ...`), or the PostgreSQL database
 * (`ISO8583_ERR_CONNECTOR_STORE`, its URL masked; `store: ...` becomes `--store: ...`). Any other error as it is.
 */
export function withStoreFlag(err: unknown): unknown {
  if (!(err instanceof Iso8583Error)) return err;
  const field = err.field;
  const flag = field === undefined ? undefined : STORE_FLAGS.get(field);
  if (field === undefined || flag === undefined || !err.message.startsWith(`${field}: `)) return err;
  const text = `${flag}: ${err.message.slice(field.length + 2)}`;
  return new Iso8583Error(err.code, text, { field: flag, ...(err.cause === undefined ? {} : { cause: err.cause }) });
}
