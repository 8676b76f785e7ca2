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
 * token (`unblock`); only when none can be ended (`track_activities` off, another role) does it go under a fresh token.
 * A retry refused before its statement ran (the database starting up, out of reach) keeps the token. The tokens of
 * batches known stored are deleted by a later batch's statement, {@link SPENT_TOKENS_DELETED} at a time; the tokens a
 * node left when it died go with `prune`.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { notCommitted } from './pool.js';

/** The table of the tokens (schema version 105). */
export const BATCH_TOKENS = 'iso8583_transaction_batches';

/** Tokens of stored batches deleted together, by one statement of a later batch (a statement per batch would cost more). */
export const SPENT_TOKENS_DELETED = 32;

/** The SQLSTATE of a lock not granted within `lock_timeout`: a retry that waited for its earlier try too long. */
const LOCK_TIMEOUT = '55P03';

/** Times a batch in doubt ends the sessions still running its earlier tries before it gives its token up. */
const ENDS = 3;

/**
 * A batch sent once whose fate is unknown: its first record's place in the buffer, its size, its token, and how many
 * times a retry ended the sessions still running its earlier tries ({@link BatchTokens.unblock}).
 */
interface InDoubt {
  token: string;
  first: number;
  size: number;
  ends: number;
}

/** What the next batch takes and sends. */
export interface NextBatch {
  /** How many records it takes from the buffer. */
  take: number;
  /** Its statement: the token's insert (and the spent tokens' delete), then `copy`. */
  sql: string;
  /** Its token. */
  token: string;
  /** The spent tokens its statement deletes. */
  deletes: readonly string[];
  /** The batch in doubt sent again under its token. */
  again: boolean;
  /** Times the sessions still running its earlier tries were ended (0 for a new batch). */
  ends: number;
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
    const token = again ? doubt.token : randomBytes(12).toString('hex');
    const deletes = this.spent.length >= SPENT_TOKENS_DELETED ? this.spent.slice() : [];
    // Tokens are hex made here: written into the text, as the simple query protocol (which COPY needs) has no parameters.
    const wait = again ? `SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.lockTimeout))}; ` : '';
    const drop = deletes.length > 0 ? `DELETE FROM ${BATCH_TOKENS} WHERE id IN (${deletes.map((t) => `'${t}'`).join(', ')}); ` : '';
    return { take: again ? doubt.size : max, sql: `${wait}INSERT INTO ${BATCH_TOKENS} (id) VALUES ('${token}'); ${drop}${this.copy}`, token, deletes, again, ends: again ? doubt.ends : 0 };
  }

  /**
   * How many records at the front of a buffer whose first record is at `first` form the batch in doubt (kept whole when
   * a full buffer drops its oldest records: dropping part of it would send the rest under a new token, stored twice
   * if the first try committed); 0 when none is in doubt there.
   */
  heldAt(first: number): number {
    return this.doubt !== undefined && this.doubt.first === first ? this.doubt.size : 0;
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
   * After `batch` failed with `err`: when it was the batch in doubt sent again and it waited too long for an earlier
   * try the server still runs (`lock_timeout`, SQLSTATE 55P03: a try stranded waiting for rows its client will never
   * send, or still committing), ends the sessions running it (found by the token in their statement's text, on
   * `pool`) so that the next retry under the same token finds the earlier try committed (23505) or rolled back.
   * Resolves with how many were ended: 0 when none was, seen (`track_activities` off, another role) or not.
   */
  async unblock(pool: pg.Pool, batch: NextBatch, err: unknown): Promise<number> {
    if (!batch.again || batch.ends >= ENDS || (err as { code?: unknown } | undefined)?.code !== LOCK_TIMEOUT) return 0;
    try {
      const sql = 'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND strpos(query, $1) > 0';
      return (await pool.query<{ ended: boolean }>(sql, [batch.token])).rows.filter((r) => r.ended).length;
    } catch {
      return 0;
    }
  }

  /**
   * `batch` (its first record at `first`, `size` records) failed: in doubt when it may have committed, or when it was
   * the batch in doubt sent again and refused for anything but the wait for its earlier try (`lock_timeout`, SQLSTATE
   * 55P03), or for that wait once `ended` (by {@link unblock}) the sessions running that try. A retry refused before
   * its statement ran (the database restarting, out of reach) says nothing of the earlier try, which may have
   * committed: a fresh token would store the batch twice. A try that waited and whose earlier try could not be ended
   * ({@link ENDS} times at most) goes under a fresh token: the batch may then be stored twice.
   */
  failed(batch: NextBatch, first: number, size: number, err: unknown, ended = 0): void {
    const waited = (err as { code?: unknown } | undefined)?.code === LOCK_TIMEOUT;
    const stillInDoubt = batch.again && (!waited || ended > 0);
    if (stillInDoubt || !notCommitted(err)) this.doubt = { token: batch.token, first, size, ends: batch.ends + (ended > 0 ? 1 : 0) };
  }
}
