/**
 * Where an original went, as the PostgreSQL SAF queue (`iso8583_saf`, schema-saf.ts) records it for every node: each
 * reversible request sent with a shared store has its reversal entry added before it is written (`addOriginal`, under
 * its upstream's key), pending while it is in flight or being reversed, then done (`not-needed` once answered, ...) and
 * deleted `purgeAfter` ms later (default ten minutes). An upstream group that does not remember an original (another
 * node sent it, or this process restarted) asks here where to send its reversal, advice or repeat
 * (upstream-group-originals.ts): only then, never for a plain request.
 */
import type pg from 'pg';
import type { OriginalAsked } from '../saf-store.js';
import { NOT_SENT } from './saf-sql.js';

/**
 * The upstream key of the most recent original of a transaction under the keys `$1`: its terminal (field 41, any of
 * `$2`) and STAN (field 11, any of `$3`), each as the group's upstreams' dialects put it on the wire (a stored reversal
 * holds them as its bank got them: `'TXN6'` is `'TXN6    '` there, `9107` is `'009107'`), its acquirer (field 32, `$4`)
 * and card (field 2, `$5`) agreeing where both sides have them (NULL: not asked), as the in-flight rule
 * (transactions-in-flight.ts). Reversal entries only (an advice has `kind`), never one whose request never left
 * (`not-sent`) nor one ended with no entry in it; an original answered (`not-needed`, its reversal not owed) or
 * disarmed (marked `not-needed` too) still says where it went. The newest row first (an original's row reopened by its
 * reversal drops its `txn`, so `txn` ranks nothing: an older transaction's row under the same STAN would outrank it).
 * The rows of a transaction are few (one per try of it within `purgeAfter`).
 */
export const ORIGINAL_UPSTREAM = `SELECT upstream FROM iso8583_saf
  WHERE upstream = ANY($1::text[]) AND entry->>'kind' IS NULL AND outcome IS DISTINCT FROM '${NOT_SENT}'
    AND entry->'reversal'->>'41' = ANY($2::text[]) AND entry->'reversal'->>'11' = ANY($3::text[])
    AND ($4::text IS NULL OR coalesce(entry->'reversal'->>'32', $4) = $4)
    AND ($5::text IS NULL OR coalesce(entry->'reversal'->>'2', $5) = $5)
  ORDER BY created_at DESC
  LIMIT 1`;

/**
 * The upstream key an original of `asked` went to by the store's records (any node's), `undefined` when none is
 * recorded (no node sent it within `purgeAfter`); rejects with the pool's error when the store cannot answer.
 */
export async function originalUpstream(pool: pg.Pool, asked: OriginalAsked): Promise<string | undefined> {
  const { rows } = await pool.query<{ upstream: string }>(ORIGINAL_UPSTREAM, [asked.keys, asked.terminals, asked.stans, asked.acquirer ?? null, asked.card ?? null]);
  return rows[0]?.upstream;
}
