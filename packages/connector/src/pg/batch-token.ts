/**
 * Each batch of the PostgreSQL transaction log is stored once, even when it is sent twice: a batch whose COPY
 * committed but whose answer never came back (the connection broke after the commit, or the answer came later than
 * the statement timeout) fails with its fate unknown, and its retry would store every record again. So each batch's
 * statement also inserts a token of its own into `iso8583_transaction_batches` (schema version 105), in the same
 * transaction: one simple query, `INSERT` of the token then the `COPY`, run as one implicit transaction, with no round
 * trip more than the COPY alone. A batch whose fate is unknown is retried alone (the same records, nothing added) under
 * the same token: if the first try committed, the token is there and the retry is refused for it (SQLSTATE 23505 on
 * the token's key), and the batch counts as stored; if that try is still running on the server, the retry waits for
 * it (at most `lockTimeout` ms: a try the server still holds that long is waiting for the rest of rows its client will
 * never send, or is still committing), then the sessions running it are ended and the batch goes again under the same
 * token (`unblock`). A look for those sessions that fails (the pool busy, the server refusing it) says nothing: the
 * token is kept. Only when a look that ran finds none once {@link ENDS} have run (`track_activities` off, another role;
 * a try that committed just before a look is found by the next retry's 23505) does the batch go under a fresh token.
 * A retry refused before its statement ran (the database starting up, out of reach) keeps the token. The look never
 * ends the session of the try that waited (its caller): each try's statement begins with a mark of its own
 * ({@link tryMark}), and the look leaves alone every session running the caller's; node-pg settles a refused query
 * before the server shows its session idle, and a look on another connection would otherwise find the caller's own
 * session still running the insert of the token, end it and count it as an earlier try. The tokens of
 * batches known stored are deleted by a later batch's statement, {@link SPENT_TOKENS_DELETED} at a time; the tokens a
 * node left when it died go with `prune`.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { isDataError, notCommitted } from './pool.js';

/** The table of the tokens (schema version 105). */
export const BATCH_TOKENS = 'iso8583_transaction_batches';

/** Tokens of stored batches deleted together, by one statement of a later batch (a statement per batch would cost more). */
export const SPENT_TOKENS_DELETED = 32;

/**
 * True when a batch sent again failed for waiting too long, maybe for its earlier try: a lock not granted within
 * `lock_timeout` (SQLSTATE 55P03), a statement timeout or cancel (57014: a role's `statement_timeout` shorter than the
 * wait), or the client's own query timeout (a given pool's `query_timeout`).
 */
export function waited(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '55P03' || e?.code === '57014' || (e?.code === undefined && e?.message === 'Query read timeout');
}

/** Looks, by a batch in doubt sent again and waiting too long, for the sessions still running its earlier tries, before it gives its token up. */
export const ENDS = 3;

/** The statement that inserts `token`: the start of every batch's statement, and what {@link BatchTokens.unblock} looks for. */
function tokenInsert(token: string): string {
  return `INSERT INTO ${BATCH_TOKENS} (id) VALUES ('${token}')`;
}

/**
 * The mark a try's statement begins with (a SQL comment: `try` and 12 random hex digits), new for each try: the look for
 * the earlier tries of a batch ({@link endEarlierTries}) knows its caller's own session by it, even on another
 * connection and in the moment after a refusal when the server still shows that session running the statement.
 */
export function tryMark(): string {
  return `/* try ${randomBytes(6).toString('hex')} */ `;
}

/**
 * The sessions {@link BatchTokens.unblock} ends: of this role on this database, client backends running (not idle) the
 * batch's own insert of its token, but for the look's own session and those running the caller's try (its mark, $2,
 * anywhere in the statement: NULL for none); every other session (another application, role or database, a session
 * whose last statement merely named the token) is left alone.
 */
const END_EARLIER_TRIES =
  'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND usename = current_user ' +
  "AND datname = current_database() AND backend_type = 'client backend' AND state <> 'idle' AND strpos(query, $1) > 0 " +
  'AND ($2::text IS NULL OR strpos(query, $2) = 0)';

/**
 * Ends the sessions still running an earlier try of the batch of `token` ({@link END_EARLIER_TRIES}, on `pool`), never
 * one running the caller's own try (`own`: the {@link tryMark} its statement began with): resolves with how many were
 * ended, `undefined` when the look itself failed (nothing known).
 */
export async function endEarlierTries(pool: pg.Pool, token: string, own?: string): Promise<number | undefined> {
  try {
    return (await pool.query<{ ended: boolean }>(END_EARLIER_TRIES, [tokenInsert(token), own ?? null])).rows.filter((r) => r.ended).length;
  } catch {
    return undefined;
  }
}

/**
 * How long (ms) a batch sent again waits for its earlier try: half the shortest of `statementTimeout` and the
 * `query_timeout` and `statement_timeout` of `pool`, so that the wait ends first (SQLSTATE 55P03) and not the statement.
 */
export function lockWait(pool: pg.Pool, statementTimeout: number): number {
  const given = (pool as { options?: { query_timeout?: unknown; statement_timeout?: unknown } }).options;
  const timeouts = [statementTimeout, given?.query_timeout, given?.statement_timeout].filter((t): t is number => typeof t === 'number' && t > 0);
  return Math.min(...timeouts) / 2;
}

/**
 * A batch sent once whose fate is unknown: its first record's place in the buffer, its size, its token, and how many
 * times a retry looked for the sessions still running its earlier tries ({@link BatchTokens.unblock}).
 */
interface InDoubt {
  token: string;
  first: number;
  size: number;
  /** Looks for the sessions running its earlier tries that ran (whether they found any or not). */
  ends: number;
}

/** What the next batch takes and sends. */
export interface NextBatch {
  /** How many records it takes from the buffer. */
  take: number;
  /** Its statement: its {@link tryMark}, the token's insert (and the spent tokens' delete), then `copy`. */
  sql: string;
  /** The mark its statement begins with: this try's own ({@link tryMark}). */
  mark: string;
  /** Its token. */
  token: string;
  /** The spent tokens its statement deletes. */
  deletes: readonly string[];
  /** The batch in doubt sent again under its token. */
  again: boolean;
  /** Looks for the sessions still running its earlier tries that ran (0 for a new batch). */
  ends: number;
}

/** A new batch token: 24 hex digits (written into a statement's text: see {@link BatchTokens.next}). */
export function newToken(): string {
  return randomBytes(12).toString('hex');
}

/** True for a token {@link newToken} makes (24 lowercase hex digits): a token read back from a file is checked with it. */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/.test(value);
}

/**
 * The statement that stores a batch kept at close (transaction-spill.ts) under its `token`, as a retry of a batch in
 * doubt goes: waiting at most `lockTimeout` ms for an earlier try still running, refused (23505,
 * {@link storedBefore}) when an earlier try committed. `mark`: the try's own ({@link tryMark}), for the look that
 * follows a wait too long ({@link endEarlierTries}) to leave its session alone. Default: none.
 */
export function replayStatement(copy: string, token: string, lockTimeout: number, mark = ''): string {
  if (!isToken(token)) throw new Error('not a batch token');
  return `${mark}SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeout))}; ${tokenInsert(token)}; ${copy}`;
}

/** True for the refusal of a batch whose token is already stored: an earlier try of the batch committed. */
export function storedBefore(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | undefined;
  return e?.code === '23505' && e.constraint === `${BATCH_TOKENS}_pkey`;
}

/** The tokens of one log's batches: see the module comment. */
export class BatchTokens {
  private doubt: InDoubt | undefined;
  /** Tokens of batches known stored, deleted by the next statement that commits. */
  private spent: string[] = [];

  constructor(
    /** The COPY statement of a batch. */
    private readonly copy: string,
    /** Milliseconds a retry waits for an earlier try of its batch still running on the server. */
    private readonly lockTimeout: number,
  ) {}

  /**
   * The next batch from a buffer whose first record is at `first` with `length` records: the batch in doubt again,
   * alone and whole, while it is still first in the buffer (else a new batch of up to `max` records under a new token).
   */
  next(first: number, length: number, max: number): NextBatch {
    const doubt = this.doubt;
    this.doubt = undefined;
    const again = doubt !== undefined && doubt.first === first && length >= doubt.size;
    const token = again ? doubt.token : newToken();
    const deletes = this.spent.length >= SPENT_TOKENS_DELETED ? this.spent.slice() : [];
    // Tokens are hex made here: written into the text, as the simple query protocol (which COPY needs) has no parameters.
    const wait = again ? `SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.lockTimeout))}; ` : '';
    const drop = deletes.length > 0 ? `DELETE FROM ${BATCH_TOKENS} WHERE id IN (${deletes.map((t) => `'${t}'`).join(', ')}); ` : '';
    const mark = tryMark();
    return { take: again ? doubt.size : max, sql: `${mark}${wait}${tokenInsert(token)}; ${drop}${this.copy}`, mark, token, deletes, again, ends: again ? doubt.ends : 0 };
  }

  /**
   * How many records at the front of a buffer whose first record is at `first` form the batch in doubt (kept whole when
   * a full buffer drops its oldest records: dropping part of it would send the rest under a new token, stored twice
   * if the first try committed); 0 when none is in doubt there.
   */
  heldAt(first: number): number {
    return this.doubt !== undefined && this.doubt.first === first ? this.doubt.size : 0;
  }

  /** The batch in doubt when it is first in a buffer whose first record is at `first` (its token and size), else undefined. */
  inDoubtAt(first: number): { token: string; size: number } | undefined {
    return this.doubt !== undefined && this.doubt.first === first ? { token: this.doubt.token, size: this.doubt.size } : undefined;
  }

  /** The buffer dropped `n` records behind the batch in doubt: its records' places moved on by `n`. */
  moved(n: number): void {
    if (this.doubt !== undefined) this.doubt.first += n;
  }

  /** `batch` was stored (now, or by an earlier try: `err` is {@link storedBefore}'s refusal). */
  stored(batch: NextBatch, err?: unknown): void {
    // A refused statement deleted nothing.
    if (err === undefined) this.spent = this.spent.filter((t) => !batch.deletes.includes(t));
    this.spent.push(batch.token);
  }

  /**
   * After `batch` failed with `err`: when it was the batch in doubt sent again and it waited too long, maybe for an
   * earlier try the server still runs (see {@link waited}: a try stranded waiting for rows its client will never send,
   * or still committing), ends the sessions running that try ({@link END_EARLIER_TRIES}, on `pool`) so that the next
   * retry under the same token finds it committed (23505) or rolled back; never the session of `batch` itself (its
   * mark). Resolves with how many were ended (0: the look ran and found none), `undefined` when the look itself failed
   * (nothing known), 0 when there was nothing to do.
   */
  async unblock(pool: pg.Pool, batch: NextBatch, err: unknown): Promise<number | undefined> {
    if (!batch.again || !waited(err)) return 0;
    return endEarlierTries(pool, batch.token, batch.mark);
  }

  /**
   * `batch` (its first record at `first`, `size` records) failed: in doubt when it may have committed, or when it was
   * the batch in doubt sent again (a retry refused before its statement ran, the database restarting or out of reach,
   * says nothing of the earlier try, which may have committed: a fresh token would store the batch twice). When that
   * retry waited too long ({@link waited}), `ended` is what {@link unblock} found: the token is kept unless the look ran
   * and found none, once {@link ENDS} looks have run (a try that committed just before a look would be stored twice
   * under a fresh token: the next retry finds it by its 23505); then the batch goes under a fresh token, and may be
   * stored twice.
   */
  failed(batch: NextBatch, first: number, size: number, err: unknown, ended?: number): void {
    let ends = batch.ends;
    if (batch.again && waited(err) && ended !== undefined) {
      ends += 1;
      if (ended === 0 && ends >= ENDS) return;
    }
    // Refused for its data (class 22 or 23), after this try's insert of the token went through: no earlier try had
    // committed (its token would have been refused first, 23505), so the batch goes again as a new one (in halves:
    // transaction-writer.ts), not held whole under its token.
    if (isDataError(err)) return;
    if (batch.again || !notCommitted(err)) this.doubt = { token: batch.token, first, size, ends };
  }
}
