/**
 * The options of the PostgreSQL SAF queue (journal.ts), their defaults, and the records its statements take.
 */
import type { FieldProblem } from '@iso8583/codec';
import type pg from 'pg';
import type { Logger } from 'pino';
import { connectorError } from '../errors.js';
import { integerIn } from '../journal-options.js';
import { MAX_TIMER_DELAY } from '../timeouts.js';
import type { JournalEntry, JournalOutcome } from '../journal.js';

/** Options of {@link PgJournal}. */
export interface PgJournalOptions {
  /** The connection string (`postgresql://USER[:PASSWORD]@HOST:PORT/DB`); the journal makes and ends its own pool. */
  url?: string;
  /** A pool to use instead of `url` (shared with other parts of the store; not ended by `close`). */
  pool?: pg.Pool;
  /**
   * The upstream whose entries this journal holds (one queue per upstream on a shared database): a string, any
   * characters but NUL and lone surrogates (refused, `ISO8583_ERR_CONNECTOR_OPTIONS`: the store cannot hold them as given). Default `''`.
   */
  upstream?: string;
  /**
   * Other upstream keys whose entries this journal also takes over once their lease ends (and then sends to its own
   * upstream): the key an earlier configuration stored this upstream's entries under; each as `upstream`. Default: none.
   */
  formerUpstreams?: readonly string[];
  /**
   * The upstream (`host:port`) the entries of this journal's keys (`upstream`, `formerUpstreams`) are sent to: `open`
   * records it per key (`iso8583_saf_upstream`) before it claims any entry, and refuses
   * (`ISO8583_ERR_CONNECTOR_OPTIONS`, field `host`) while a key still holds pending entries recorded for another
   * upstream, or while a running node at another upstream claims one (pg/upstream-marker.ts). Each lease renewal
   * reads the keys' rows again: a key since recorded for another upstream is neither claimed, sent nor added to here
   * (pg/journal-bank.ts, `ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`). The connector gives its `host` and `port`.
   * Default: none (nothing recorded nor checked).
   */
  address?: string;
  /** Milliseconds a node holds an entry without renewing it (`--saf-lease`): an integer from 100 to 2147483647. Default 30000. */
  lease?: number;
  /** Most entries one claim statement takes (a claim repeats it while it comes back full): a positive integer. Default 100. */
  claimBatch?: number;
  /**
   * Milliseconds a row marked done stays before it is deleted: an integer from 0 to 315360000000 (ten years). Default
   * 600000 (10 minutes). A reversal's row whose answer undid nothing (`25`: it overtook its original) stays at least 10
   * minutes whatever this says, with its entry (the PAN among its fields), so that a late approval of its original on
   * any node is reversed; so does the repeat such an approval called for (id `<id>.again`), so that a copy of the
   * approval the bank sends again stores no second one.
   */
  purgeAfter?: number;
  /** This node's name in `lease_owner`: a string, not empty. Default `HOSTNAME/PID/RANDOM` (unique per process). */
  owner?: string;
  /** Where warnings go (outage, lost leases). Default: a silent logger. */
  logger?: Logger;
  /**
   * Milliseconds `close` waits for the store (the records in flight, the outcomes tried once more, the entries handed
   * back) before it cuts its connections (a database that stopped answering) and logs what it left undone
   * (`ISO8583_ERR_CONNECTOR_STORE`, `entries`: held by this node until their lease ends). `destroy` waits
   * `PG_DESTROY_GRACE` ms (pool.ts) at most (or this, if shorter). A number from 0 to 2147483647. Default 10000 (one
   * statement timeout).
   */
  closeTimeout?: number;
  /**
   * Whether this node holds an owner lock (a session advisory lock on a connection of its own, owner-lock.ts) and
   * claims at once the entries of an owner whose lock's session ended (a node killed, or cut off), instead of waiting
   * for their lease. Turn it off behind a relay that pools connections by transaction (pgbouncer's `pool_mode =
   * transaction`), where a session lock does not tell that its node runs: the lease alone then counts. Off, a start
   * at another upstream (`address`) does not see this node running: it takes over a key of this node that owes
   * nothing, and this node stops using that key at its next renewal (pg/journal-bank.ts). Default true.
   */
  ownerLock?: boolean;
}

/** The defaults of {@link PgJournalOptions}. */
export const DEFAULTS = { upstream: '', lease: 30_000, claimBatch: 100, purgeAfter: 600_000, closeTimeout: 10_000, ownerLock: true };

/** The longest `purgeAfter`: ten years (a bound the database's timestamps can subtract; the rows keep PANs meanwhile). */
export const MAX_PURGE_AFTER = 315_360_000_000;

/**
 * Throws `ISO8583_ERR_CONNECTOR_OPTIONS` naming the first option of `options` that is not as its TSDoc says (`closeTimeout`
 * and `ownerLock` are the constructor's): a claim batch of 0 claimed for ever (`open` never resolved), a lease of 0
 * refused every add as stalled, one not a number failed every claim as a store error, a `purgeAfter` not a number
 * failed every renewal (logged as an outage), and former upstreams given as one string were claimed letter by letter.
 */
export function checkPgJournalOptions(options: PgJournalOptions): void {
  const refuse = (field: string, why: string): never => {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', why, { field });
  };
  if (options.url !== undefined && typeof options.url !== 'string') refuse('store', 'must be a postgresql:// URL');
  if (options.lease !== undefined && !integerIn(options.lease, 100, MAX_TIMER_DELAY)) refuse('lease', `must be an integer of milliseconds from 100 to ${MAX_TIMER_DELAY}`);
  if (options.claimBatch !== undefined && !integerIn(options.claimBatch, 1, Number.MAX_SAFE_INTEGER)) refuse('claimBatch', 'must be a positive integer');
  if (options.purgeAfter !== undefined && !integerIn(options.purgeAfter, 0, MAX_PURGE_AFTER)) refuse('purgeAfter', `must be an integer of milliseconds from 0 to ${MAX_PURGE_AFTER}`);
  if (options.upstream !== undefined) {
    const why = storeKeyProblem(options.upstream);
    if (why !== undefined) refuse('upstream', why);
  }
  if (options.formerUpstreams !== undefined) refuseStoreKeys(options.formerUpstreams, 'formerUpstreams');
  if (options.owner !== undefined && (typeof options.owner !== 'string' || options.owner === '')) refuse('owner', 'must be a name, not empty');
  if (options.address !== undefined && (typeof options.address !== 'string' || options.address === '')) refuse('address', 'must be the upstream\'s host:port, not empty');
}

/**
 * Why `key` cannot be an upstream key of the store (`upstream`, `formerUpstreams`, the keys of `guardAcross`), else
 * `undefined`: not a string; a NUL character (PostgreSQL `text` cannot hold it: every statement naming the key failed,
 * SQLSTATE 22021, the start or each add an unnamed store error); a lone surrogate (sent as U+FFFD: two such keys would be
 * one in the store, each journal claiming and guarding the other's rows). Any other character is a parameter's.
 */
export function storeKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'must be a string';
  if (key.includes('\u0000')) return 'must not hold a NUL character (PostgreSQL text cannot store it)';
  if (/\p{Cs}/u.test(key)) return 'must be well-formed Unicode (a lone surrogate would be stored as U+FFFD, as another key)';
  return undefined;
}

/**
 * The keys of `keys` the store cannot hold ({@link storeKeyProblem}), each an `ISO8583_ERR_CONNECTOR_OPTIONS` problem
 * whose field is `prefix` and its index: `prefix` is the option and its family's separator (`storeKeys.` for the
 * connector's options, `formerUpstreams/` for PgJournal's). None when every key is fine.
 */
export function storeKeysProblems(keys: readonly unknown[], prefix: string): FieldProblem[] {
  return keys.flatMap((key, i) => {
    const reason = storeKeyProblem(key);
    return reason === undefined ? [] : [{ field: `${prefix}${i}`, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason }];
  });
}

/**
 * Throws `ISO8583_ERR_CONNECTOR_OPTIONS` when `keys` (the option `field`: `formerUpstreams`, `guardAcross`) is not an
 * array, field `field`, or one of its keys is not one the store can hold ({@link storeKeysProblems}), field `field/I`
 * (the first such).
 */
export function refuseStoreKeys(keys: unknown, field: string): void {
  if (!Array.isArray(keys)) throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be an array of strings (upstream keys)', { field });
  const first = storeKeysProblems(keys as unknown[], `${field}/`)[0];
  if (first !== undefined) throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', first.reason, { field: first.field });
}

/** The records of the queue, as the statements take them. */
/**
 * An entry to add; `guard` (`addOriginal`): refused while the same transaction is pending, and fenced for that many ms
 * from its add (`attempt_until`, saf-sql.ts `ADD`).
 */
export type Adding = JournalEntry & { guard?: number };
/** An attempt to record; `flight`: the ms from its call by which it is over (its fence: `attempt_until`, saf-sql.ts). */
export type Attempt = { id: string; attempt: number; flight: number };
export type Done = { id: string; outcome: JournalOutcome };
export type Row = { id: string; entry: Record<string, unknown>; attempts: number; age: number; lease: string };

/**
 * A claimed row as an entry, dated on this node's clock from its age on the database's (`at` times `initialDelay`,
 * `expireAfter`): the node that wrote it may have another clock, and a skew would expire the entry early.
 */
export function claimed(row: Row): JournalEntry {
  const entry = { ...row.entry, id: row.id, at: Date.now() - Math.max(0, row.age) } as unknown as JournalEntry;
  if (row.attempts > 0) entry.attempts = row.attempts;
  return entry;
}

/** A final outcome whose statement failed: retried until it commits; `done` settles with it. */
export interface Unsettled extends Done {
  resolve(): void;
  reject(err: unknown): void;
}

/** The error of an add the statement refused for want of the owner lock (`ADD`): nothing stored, the request not sent. */
export function notStored(id: string): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE', `entry ${id} is not stored: this node's owner lock is not held (its session ended); its request is not sent`, { field: 'ownerLock' });
}

/** The error of an entry this node must not send or settle (another node holds it, it is done, or see `why`). */
export function leaseLost(id: string, why = 'is held by another node (or done)'): Error {
  return connectorError('ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', `entry ${id} ${why}: this node does not send it`, { field: 'safLease' });
}
