/**
 * The transaction log: every request the connector (or a gateway) handles is recorded once, with its outcome, so that
 * "what happened to STAN 618160 on terminal 00992468?" can be answered after the fact. A record carries only what is
 * listed in {@link TransactionRecord}: the PAN masked (first 6 + last 4), never track data, PIN block, field 55 or
 * field 48. This file is the contract every store implements (the embedded file store and the PostgreSQL store).
 */

/** How a logged request ended. */
export type TransactionOutcome =
  /** Answered with an approval code of the dialect (`approvalCodes`, default `00`). */
  | 'approved'
  /** Answered with another response code (see `responseCode`). */
  | 'declined'
  /** No response within the request's timeout (reversed when reversible and reversals are on). */
  | 'timeout'
  /** Failed before or without a response: connection lost, refused, invalid message, upstream down, ... */
  | 'error'
  /**
   * An automatic reversal of this request was answered by the host with a response code that ends it (a second
   * record, of the reversal's MTI: `0400`, or `0401` when a repeat was answered).
   */
  | 'reversed'
  /** Accepted for store-and-forward: journaled and delivered in the background. */
  | 'saf'
  /** An advice stored with `saf: true` was answered with a response code that ends it (a record of its MTI: `0220`, `0221`). */
  | 'delivered'
  /** A SAF entry (reversal or advice) was given up `saf.expireAfter` ms after it was journaled (`errorCode` `ISO8583_WARN_SAF_EXPIRED`). */
  | 'expired'
  /**
   * A SAF entry (reversal or advice) was given up after `saf.maxAttempts` attempts (`errorCode`
   * `ISO8583_WARN_SAF_ABANDONED`).
   */
  | 'abandoned';

/** One logged request and its outcome. Field values are as they travelled, except the PAN, which is masked. */
export interface TransactionRecord {
  /** When the request was accepted (ms since the epoch). */
  at: number;
  /** The node that handled it (default: the host name and pid). */
  node: string;
  /** The upstream it went to (its name in a group; the connector's `host:port` otherwise). */
  upstream: string;
  /** The request MTI. */
  mti: string;
  /** The response MTI, when answered. */
  responseMti?: string;
  /** Field 2 masked: first 6 and last 4 digits kept (`maskValue`). */
  pan?: string;
  /** Field 3, processing code. */
  processingCode?: string;
  /** Field 4, amount (as sent). */
  amount?: string;
  /** Field 49, currency code. */
  currency?: string;
  /** Field 7, transmission date and time. */
  transmissionTime?: string;
  /** Field 11, STAN. */
  stan?: string;
  /** Field 12, local time. */
  localTime?: string;
  /** Field 13, local date. */
  localDate?: string;
  /** Field 37, retrieval reference number. */
  rrn?: string;
  /** Field 38, authorisation code (from the response). */
  authCode?: string;
  /** Field 39, response code (from the response). */
  responseCode?: string;
  /** Field 41, card acceptor terminal id. */
  terminal?: string;
  /** Field 42, card acceptor id (merchant). */
  merchant?: string;
  /** Milliseconds from acceptance to outcome. */
  latencyMs: number;
  /** How it ended. */
  outcome: TransactionOutcome;
  /**
   * The coded error, for `error` and `timeout` outcomes; the log code for `expired` and `abandoned`, and for a `reversed`
   * or `delivered` SAF entry ended by a code that accepts nothing (`ISO8583_WARN_SAF_REVERSAL_DECLINED`,
   * `ISO8583_WARN_SAF_ADVICE_DECLINED`).
   */
  errorCode?: string;
}

/** A query over the log. Every filter is optional; results are newest first. */
export interface TransactionQuery {
  /** Field 11. */
  stan?: string;
  /** Field 41. */
  terminal?: string;
  /** Field 37. */
  rrn?: string;
  /** Earliest `at` (inclusive, ms since the epoch). */
  from?: number;
  /** Latest `at` (inclusive, ms since the epoch). */
  to?: number;
  /** At most this many records. Default 100, at most 10000. */
  limit?: number;
  /**
   * Only the records after a page: the `next` of the page ({@link TransactionPage}) this query answered before, with
   * the same filters. Opaque text, of the store that gave it.
   */
  before?: string;
}

/** Records of a query, newest first, with the cursor of the page after them (transaction-cursor.ts). */
export type TransactionPage = TransactionRecord[] & {
  /**
   * Given as `before` to the same query, answers the records after the last of this page, each exactly once (records
   * that share a millisecond too). Set when the page is full (`limit` records: more may follow); absent when fewer came.
   */
  next?: string;
};

/** Where transactions are recorded. Implemented by the file store and the PostgreSQL store. */
export interface TransactionLog {
  /**
   * Opens (creating or migrating what it needs). Idempotent: every connector sharing the log calls it on start, and
   * the later calls resolve with the first.
   */
  open(): Promise<void>;
  /**
   * Records a transaction. Records may be batched, and the records of a batch may share one promise: it resolves once
   * the record (and those sharing it) is stored, and rejects when one of them was not (the connector does not make a
   * caller wait for it: a failure is logged and counted once per promise, never turned into the request's outcome).
   */
  record(record: TransactionRecord): Promise<void>;
  /**
   * Records matching `query`, newest (`at`) first, including every record given to `record` before the call, with the
   * cursor of the next page (`next`, given back as `before`; records sharing an `at` come in the store's order). A STAN
   * of fewer than 6 digits matches as padded with zeros; invalid filters are refused with
   * `ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY` naming the filter (`checkTransactionQuery`).
   */
  query(query: TransactionQuery): Promise<TransactionPage>;
  /**
   * Removes records older than `before` (ms since the epoch); resolves with how many were removed. A store may keep
   * some older records (the file store removes whole UTC days: those that ended by `before`).
   */
  prune(before: number): Promise<number>;
  /**
   * Flushes what is batched and closes. A store that waits on a server (`PgTransactionLog`) waits for it at most
   * `options.timeout` ms (an abort's budget), then keeps or reports what it holds; a local store (the file store) takes
   * no such option.
   */
  close(options?: TransactionLogCloseOptions): Promise<void>;
}

/** Options of {@link TransactionLog.close}. */
export interface TransactionLogCloseOptions {
  /**
   * The longest wait for the store's server, in ms (a whole number, 0 or more): past it the batch in flight is handed
   * over in doubt and what is buffered as never sent, kept or reported as the store's close does when its own deadline
   * passes (`PgTransactionLog`: `spillDir`); the close does not wait for its connections to end either. Given to a close
   * already under way, it shortens it. Default: the store's own (`PgTransactionLog`'s `closeTimeout`, 5000).
   */
  timeout?: number;
}
