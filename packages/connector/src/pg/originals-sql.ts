/**
 * Where an original went, as the PostgreSQL SAF queue (`iso8583_saf`, schema-saf.ts) records it for every node: each
 * reversible request sent with a shared store has its reversal entry added before it is written (`addOriginal`, under
 * its upstream's key), pending while it is in flight or being reversed, then done (`not-needed` once answered, ...) and
 * deleted `purgeAfter` ms later (default ten minutes). An upstream group that does not remember an original (another
 * node sent it, or this process restarted) asks here where to send its reversal, advice or repeat
 * (upstream-group-originals.ts): only then, never for a plain request.
 */
import type pg from 'pg';
import { NOT_SENT } from './saf-sql.js';

/**
 * The upstream key of the most recent original of a transaction under the keys `$1`: its terminal (field 41, `$2`), its
 * STAN (field 11, any of `$3`: as given, and zero-padded to six digits), its acquirer (field 32, `$4`) and card (field
 * 2, `$5`) agreeing where both sides have them (NULL: not asked), as the in-flight rule (transactions-in-flight.ts).
 * Reversal entries only (an advice has `kind`), never one that was not sent (`not-sent`: its request never left) nor one
 * ended with no entry in it. An original's entry (added guarded, with its transaction key `txn`) comes before a
 * reversal entry added on its own (a terminal's reversal stored by some node: it went where that node sent it), then
 * the newest. The rows of a transaction are few (one per try of it within `purgeAfter`).
 */
export const ORIGINAL_UPSTREAM = `SELECT upstream FROM iso8583_saf
  WHERE upstream = ANY($1::text[]) AND entry->>'kind' IS NULL AND outcome IS DISTINCT FROM '${NOT_SENT}'
    AND entry->'reversal'->>'41' = $2 AND entry->'reversal'->>'11' = ANY($3::text[])
    AND ($4::text IS NULL OR coalesce(entry->'reversal'->>'32', $4) = $4)
    AND ($5::text IS NULL OR coalesce(entry->'reversal'->>'2', $5) = $5)
  ORDER BY (txn IS NULL), created_at DESC
  LIMIT 1`;

/** What {@link originalUpstream} looks for: a transaction's terminal, STAN, and (when known) acquirer and card. */
export interface OriginalAsked {
  /** The upstream keys to look under (every upstream of the group, each with its former keys). */
  readonly keys: readonly string[];
  /** Field 41. */
  readonly terminal: string;
  /** Field 11 of the original. */
  readonly stan: string;
  /** Field 32, when the message has it. */
  readonly acquirer: string | undefined;
  /** Field 2, when the message has it (a parameter of the statement only: never logged, never returned). */
  readonly card: string | undefined;
}

/**
 * The upstream key an original of `asked` went to by the store's records (any node's), `undefined` when none is
 * recorded (no node sent it within `purgeAfter`); rejects with the pool's error when the store cannot answer.
 */
export async function originalUpstream(pool: pg.Pool, asked: OriginalAsked): Promise<string | undefined> {
  const stans = [asked.stan];
  if (/^\d{1,5}$/.test(asked.stan)) stans.push(asked.stan.padStart(6, '0'));
  const { rows } = await pool.query<{ upstream: string }>(ORIGINAL_UPSTREAM, [asked.keys, asked.terminal, stans, asked.acquirer ?? null, asked.card ?? null]);
  return rows[0]?.upstream;
}
