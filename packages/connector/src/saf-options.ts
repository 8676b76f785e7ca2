/**
 * The options of the store-and-forward (SAF) queue (`saf`), and how they meet the `reversal` options that named the
 * same things before the queue took advices: `reversal.journalDir`, `journal`, `retryInterval` and `maxAttempts` are
 * aliases of the `saf` ones (one of the two may be given, never both).
 */
import type { FieldProblem } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { SafStore } from './saf-store.js';

/**
 * The store-and-forward (SAF) queue (jPOS SAF's knobs): the connector's automatic reversals (with `reversal.enabled`)
 * and the advices sent with `saf: true` are journaled, then sent, and repeated as xxx1 (0221, 0421) until answered
 * with a response code that ends them, abandoned after `maxAttempts`, or expired after `expireAfter`. The queue is
 * on when `enabled` or `reversal.enabled`; one journal (and one folder) holds both kinds.
 */
export interface SafOptions {
  /** Whether the queue takes advices sent with `saf: true` (the queue is also on with `reversal.enabled`). Default `false`. */
  enabled?: boolean;
  /** The same as `reversal.journalDir` (give one of the two). Required when the queue is on, unless a journal is given. */
  journalDir?: string;
  /** The same as `reversal.journal` (give one of the two): the store itself. Runtime only. Default: none. */
  journal?: SafStore;
  /** Milliseconds from an entry's journaling to its first attempt (jPOS `initial-delay`). Default 0. */
  initialDelay?: number;
  /**
   * Milliseconds between attempts of an unanswered entry, and the longest wait for each answer (with `requestTimeout`;
   * an answer after that wait still ends the entry while no later attempt has left: saf-late.ts);
   * after system errors in a row (the dialect's `systemErrorCodes`) the pause doubles each time, at most 5 minutes.
   * Alias: `reversal.retryInterval`. Default 10000.
   */
  retryInterval?: number;
  /** Least milliseconds between two attempts leaving the queue, of any entries (jPOS `inter-message-delay`). Default 0. */
  messageInterval?: number;
  /**
   * Most attempts in flight at once, of any entries (from the moment one is due until its answer or failure): a backlog
   * (a restart after a long outage of the bank) is sent at this pace, not all at once; the entries due meanwhile wait
   * for a place in the order they became due. Default 64.
   */
  maxInFlight?: number;
  /**
   * Attempts (the first and its repeats) before an entry is abandoned (logged with `ISO8583_WARN_SAF_ABANDONED`);
   * 0 = until answered or expired (jPOS `max-retransmissions`). Only an attempt that may have reached the host counts:
   * one never written (the host down, or refused before the write, its connection lost or a match key in flight: its
   * error's `sent` is `'no'`) does not, and `expireAfter` bounds those; an entry the codec cannot pack or frame is not
   * tried again after its first attempt, but kept in the journal (`ISO8583_WARN_SAF_UNSENDABLE`). Alias:
   * `reversal.maxAttempts`. A whole number, 0 to 2147483647. Default 0.
   */
  maxAttempts?: number;
  /**
   * Milliseconds after its journaling at which an unanswered entry expires: given up, logged with
   * `ISO8583_WARN_SAF_EXPIRED`, event stage `expired`; 0 = never. Looked at before each attempt: an attempt in flight
   * when it passes keeps its whole wait, and its answer ends the entry. Default 0.
   */
  expireAfter?: number;
  /**
   * Response codes (field 39) that end an entry besides the dialect's `approvalCodes`; an answer with any other code is
   * repeated (until `maxAttempts` or `expireAfter`). Default: absent, any answer ends an entry (as before SAF) but a
   * system error of the dialect (`systemErrorCodes`: the host did not process it), which is repeated; a system error
   * named here ends it.
   */
  endCodes?: string[];
  /**
   * Most entries the queue holds not yet ended (its depth, `safDepth`: reversals and advices), so that a long outage of
   * the host, or a client storing advices in a loop, cannot run the process out of memory (about 2 KB an entry): an
   * advice (or a reversal) stored with `saf: true` while the queue holds this many is refused, before it is journaled,
   * with `ISO8583_ERR_CONNECTOR_SAF_FULL` (never written, nothing stored: the caller still holds it). The connector's own
   * reversals (of requests that timed out) are never refused: they may take the queue past it. 0 = no limit. A whole
   * number, 0 to 2147483647. Default 100000.
   */
  maxEntries?: number;
}

/** The SAF settings after validation (the `reversal` aliases merged in, defaults filled in). */
export interface ResolvedSafOptions {
  readonly enabled: boolean;
  readonly journalDir: string | undefined;
  readonly journal: SafStore | undefined;
  readonly initialDelay: number;
  readonly retryInterval: number;
  readonly messageInterval: number;
  readonly maxInFlight: number;
  readonly maxAttempts: number;
  readonly expireAfter: number;
  readonly endCodes: readonly string[] | undefined;
  readonly maxEntries: number;
}

/** The default of `saf.maxInFlight`: attempts in flight at once, of any SAF entries. */
const SAF_MAX_IN_FLIGHT = 64;

/** The default of `saf.maxEntries`: entries not yet ended the queue holds before it refuses one stored with `saf: true`. */
export const SAF_MAX_ENTRIES = 100_000;

/** The SAF defaults of the options the `reversal` group also names (no schema default: an alias must be seen unset). */
const SAF_DEFAULTS = { retryInterval: 10_000, maxAttempts: 0 };

/** The `saf` options of the `reversal` group, by their name in both. */
const SAF_ALIASES = ['journalDir', 'journal', 'retryInterval', 'maxAttempts'] as const;

/** The `reversal` options that are aliases of `saf` ones. */
interface ReversalAliases {
  enabled?: boolean;
  journalDir?: string;
  journal?: SafStore;
  retryInterval?: number;
  maxAttempts?: number;
}

/** What a schema cannot check: an option given under both names; a queue on without a journal. */
export function safProblems(reversal: ReversalAliases | undefined, saf: SafOptions | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, reason: string): void => {
    problems.push({ field, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason });
  };
  for (const key of SAF_ALIASES) {
    if (reversal?.[key] !== undefined && saf?.[key] !== undefined) problem(`saf.${key}`, `is the same option as reversal.${key}: give one`);
  }
  const on = reversal?.enabled === true || saf?.enabled === true;
  if (on && (saf?.journalDir ?? reversal?.journalDir) === undefined && (saf?.journal ?? reversal?.journal) === undefined) {
    problem(reversal?.enabled === true ? 'reversal.journalDir' : 'saf.journalDir', 'is required when reversal or saf is enabled');
  }
  return problems;
}

/** The SAF settings: each `saf` option, else its `reversal` alias, else its default. */
export function resolveSaf(reversal: ReversalAliases | undefined, saf: SafOptions | undefined): ResolvedSafOptions {
  return Object.freeze({
    enabled: saf?.enabled === true,
    journalDir: saf?.journalDir ?? reversal?.journalDir,
    journal: saf?.journal ?? reversal?.journal,
    initialDelay: saf?.initialDelay ?? 0,
    retryInterval: saf?.retryInterval ?? reversal?.retryInterval ?? SAF_DEFAULTS.retryInterval,
    messageInterval: saf?.messageInterval ?? 0,
    maxInFlight: saf?.maxInFlight ?? SAF_MAX_IN_FLIGHT,
    maxAttempts: saf?.maxAttempts ?? reversal?.maxAttempts ?? SAF_DEFAULTS.maxAttempts,
    expireAfter: saf?.expireAfter ?? 0,
    endCodes: saf?.endCodes === undefined ? undefined : Object.freeze([...saf.endCodes]),
    maxEntries: saf?.maxEntries ?? SAF_MAX_ENTRIES,
  });
}

/**
 * Warns once at the start (`ISO8583_WARN_SAF_LEASE_SHORT`, naming both options and their gateway flags) when the
 * reversals go to a store that several nodes share whose lease (`lease` of `PgJournal`, `--saf-lease`) is shorter than
 * the request timeout (`requestTimeout`, `--request-timeout`): a request that waits for a connection longer than
 * `lease - claimInterval` is refused unsent, and a node that stalls or loses the store for a lease has its SAF entries
 * taken over. The reversal of a request in flight stays with its node until its answer is due whatever the lease
 * (`PgJournal.addOriginal`), so nothing is reversed while the bank may still process it; the warning is about the
 * refusals and takeovers. Nothing with a store of one node (no lease) or with reversal off.
 */
export function warnShortSafLease(store: SafStore | undefined, reversal: boolean, requestTimeout: number, logger: Logger): void {
  const lease = store?.lease;
  if (!reversal || lease === undefined || lease >= requestTimeout) return;
  logger.warn(
    { code: 'ISO8583_WARN_SAF_LEASE_SHORT', lease, requestTimeout },
    `the SAF lease (lease, --saf-lease: ${lease} ms) is shorter than the request timeout (requestTimeout, --request-timeout: ${requestTimeout} ms): a request that waits for a connection longer than two thirds of the lease is refused unsent, and a node that stalls or loses the store that long has its entries taken over by other nodes; a lease at least as long as the request timeout is advised`,
  );
}
