/**
 * The statements by which nodes sharing one database tell each other of a reversal that overtook its original at the
 * bank (reversal-follow.ts): its answer undid nothing (`25`, original not found), and the bank approved the original
 * after it, that late approval reaching another node than the one the reversal's answer reached (schema-saf.ts,
 * version 8). The reversal's answer is written to its entry's row (by id); a late approval, which has only its
 * transaction's fields, looks for its transaction's rows: those of a reversal entry (`kind` NULL) under the upstream keys `$1` whose
 * reversal names fields 41 `$2` and 11 `$3` (`=`: a reversal always has both, `REVERSAL_FIELDS`; so the look-up uses the
 * index `iso8583_saf_overtaken`, schema-saf.ts step 10, never a scan of the upstream's rows), the newest first;
 * the row is locked by the statement, so that of two nodes at once one sees the other's change (read committed: the
 * second re-reads the row once the first commits).
 */
import { OVERTAKEN_FOR_MS } from '../reversal-overtaken.js';
import { amountOf, bookingOf, cardMark, sameBooking } from './booking-sql.js';
import { ofBank } from './upstream-marker.js';

/**
 * Whether the root of row `alias` (`coalesce(covered_by, id)`: the row whose repeat its late approval calls for,
 * `againId`) had that repeat refused by the cap ({@link CAP_REPEAT}): an SQL boolean, by the primary key.
 */
const cappedRoot = (alias: string): string =>
  `EXISTS (SELECT 1 FROM iso8583_saf k WHERE k.id = coalesce(${alias}.covered_by, ${alias}.id) AND k.repeats_capped_at IS NOT NULL)`;

/**
 * A reversal entry of the transaction (`$1` keys, `$2` field 41, `$3` field 11), and `more` (SQL), locked: one that
 * carries the approval `$4` already first (a host's copy names the repeat stored or owed for it, or waits on the row
 * it waits on, never a newer row's code: sr67a #1), then the newest.
 */
function transactionRow(columns: string, more: string): string {
  return `SELECT id, ${columns} FROM iso8583_saf
    WHERE upstream = ANY($1::text[]) AND entry->>'kind' IS NULL
      AND entry->'reversal'->>'41' = $2::text AND entry->'reversal'->>'11' = $3::text
      AND ${more}
    ORDER BY (late_approval = $4::jsonb) IS TRUE DESC, created_at DESC LIMIT 1 FOR UPDATE`;
}

/** How the id of a repeat a late approval calls for ends (`againId`): the purge keeps such rows (saf-sql.ts `PURGE`). */
export const AGAIN_SUFFIX = '.again';

/**
 * The original's field 7 the reversal of a row (its `entry` column: the SQL expression `entry`) carries, as
 * transactions-in-flight.ts `originalTime` reads it: its own field 7, or with `flag` (an SQL boolean, a parameter:
 * `ApprovalBooking.timeIn90`, a dialect with a fresh field 7 on every attempt) the one its field 90 (1987 original data
 * elements: MTI, STAN, then field 7) carries when that names its STAN (field 11 as the wire carries it: six digits,
 * zeros on the left); `NULL`: not known. The one rule of "the same original's time" (`OF_BOOKING`, `UNDID_NOTHING`).
 */
const rowTime = (entry: string, flag: string): string => `(CASE WHEN NOT ${flag}::bool THEN ${entry}->'reversal'->>'7'
    WHEN ${entry}->'reversal'->>'90' ~ '^[0-9]{20}' AND length(${entry}->'reversal'->>'11') <= 6
      AND substr(${entry}->'reversal'->>'90', 5, 6) = lpad(${entry}->'reversal'->>'11', 6, '0') THEN substr(${entry}->'reversal'->>'90', 11, 10) END)`;

/**
 * A reversal attempt of entry `$1` was answered `$2`, a code that undid nothing, and the entry (pending: its end is
 * recorded after this) is about to end: the code is written to its row (by its id: two pending reversals of one
 * terminal and STAN, a STAN used again or a repeat beside its reversal, each keep their own), and a late approval there
 * already (another node's, `LATE_APPROVAL`, or passed on, `passingOn`) is returned (JSON text, with the row's `id`: the
 * node that got the answer stores the repeat as entry `againId(id)`). The approval and the code stay on the row, which
 * so carries the repeat: a node that stops before that store is durable leaves it for the next attempt's answer
 * (another node's, once it claims the entry), or for any node's `REPEATS_OWED` once the row ended, and the repeat's id,
 * the same every time, stores it once; so this statement may be run again (its reply lost) and does the same. Neither
 * returned nor written with its code (so never owed here) when another row of the transaction carries the same approval
 * with a code (its repeat stored or owed there: `LATE_APPROVAL`, `passingOn`, or this statement before) or with its
 * repeat stored (its code cleared since by a later attempt, `ATTEMPT`), a row of the entry's booking (booking-sql.ts
 * `sameBooking`, and the original's field 7, {@link rowTime} by `$3` (`timeIn90`, as `LATE_APPROVAL`'s `$11`: with a
 * fresh field 7 on every attempt, the one field 90 carries), unknown on one side or equal: a later transaction reusing the terminal's STAN for the same
 * amount keeps an identical approval, and an older booking's code or repeat is not this one's): a copy `passingOn` made, one of two rows
 * carrying the approval answered before the other whichever it is, and a second would be one `0401` too many. The rows
 * of the transaction carrying the approval, and the entry's, are locked first, in id order, all of them (`c` is
 * materialized and counted whole, not read only up to a first row that covers): of two such answers at once
 * (two nodes) the second waits for the first and reads its code (read committed: a locked row is read again once the
 * lock is granted). A row so covered records which row's code covers it (`covered_by`: the lowest id of those
 * carrying a code, or the row that one names: the root, whose repeat is owed, never one in between; none when only a
 * stored repeat covers it) and its own code (`covered_code`): that row ending
 * otherwise than reversed, its code cleared by a re-attempt and its repeat never stored, gives the obligation back to
 * this one ({@link passingOn}). A row not covered keeps the row it named (`covered_by`: it took the obligation back,
 * or that row's code was cleared since) and returns that row's id, as `LATE_APPROVAL` and `REPEATS_OWED` do: a slow
 * node that got that row's `25` first stores that row's repeat (`againId`), and this one is the same entry
 * (`'exists'`), never a second `0401` of one approval. No row back: the entry is no pending reversal (nothing written).
 */
export const UNDID_NOTHING = `WITH x AS (SELECT late_approval, entry->'reversal'->>'41' AS terminal, entry->'reversal'->>'11' AS stan,
        ${rowTime('entry', '$3')} AS time, entry->'reversal'->'4' AS amount, entry->'reversal'->>'2' AS card, entry->'reversal'->>'32' AS acquirer
      FROM iso8583_saf WHERE id = $1),
    c AS MATERIALIZED (SELECT o.id, o.undid_nothing, o.covered_by FROM iso8583_saf o, x
      WHERE o.entry->>'kind' IS NULL AND o.entry->'reversal'->>'41' = x.terminal AND o.entry->'reversal'->>'11' = x.stan
        AND (o.id = $1 OR (o.late_approval = x.late_approval
          AND (x.time IS NULL OR ${rowTime('o.entry', '$3')} IS NULL OR ${rowTime('o.entry', '$3')} = x.time)
          AND ${sameBooking(bookingOf('o'), { amount: 'x.amount', card: 'x.card', acquirer: 'x.acquirer' })}))
      ORDER BY o.id FOR UPDATE OF o),
    v AS (SELECT count(*) FILTER (WHERE c.id <> $1 AND (c.undid_nothing IS NOT NULL
      OR EXISTS (SELECT 1 FROM iso8583_saf a WHERE a.id = c.id || '${AGAIN_SUFFIX}'))) > 0 AS covered,
      min(c.id) FILTER (WHERE c.id <> $1 AND c.undid_nothing IS NOT NULL) AS source FROM c)
  UPDATE iso8583_saf s SET undid_nothing = CASE WHEN s.late_approval IS NULL OR NOT v.covered THEN $2::text END,
    covered_by = CASE WHEN s.late_approval IS NOT NULL AND v.covered
      THEN (SELECT coalesce(r.covered_by, r.id) FROM c r WHERE r.id = v.source) ELSE s.covered_by END,
    covered_code = CASE WHEN s.late_approval IS NOT NULL AND v.covered THEN $2::text END
  FROM v WHERE s.id = $1 AND s.entry->>'kind' IS NULL AND s.done_at IS NULL
  RETURNING (CASE WHEN NOT v.covered AND NOT ${cappedRoot('s')} THEN s.late_approval::text END) AS approval, coalesce(s.covered_by, s.id) AS id`;

/**
 * The id of the repeat a late approval calls for, of the reversal entry `id` (its row): the same on every node and every
 * try, so that the store holds one whoever stores it and however often (`ReversalJournal.add` resolves `'exists'`).
 */
export function againId(id: string): string {
  return `${id}${AGAIN_SUFFIX}`;
}

/** {@link rowTime} of the row whose `entry` is unqualified, by `$11`. */
const ROW_TIME = rowTime('entry', '$11');

/**
 * Whether a row's reversal (the row of `transactionRow`) is of the booking of a late approval, by
 * transactions-in-flight.ts `approvesBooking`'s rule in SQL: its field 7 `$6` (`NULL`: unknown) against the original's
 * the row carries ({@link ROW_TIME}, by `$11`), its amount `$7` (0: none), its acquirer `$8` and its card's mark `$9`
 * (`cardMark`; `NULL` when absent): the same field 7, acquirer and card where both say one, and the same amount or
 * less (a partial approval) where both say one.
 */
const OF_BOOKING = `($6::text IS NULL OR ${ROW_TIME} IS NULL OR ${ROW_TIME} = $6::text)
      AND ($7::numeric = 0 OR ${amountOf("entry->'reversal'->'4'")} = 0 OR $7::numeric <= ${amountOf("entry->'reversal'->'4'")})
      AND ($8::text IS NULL OR entry->'reversal'->>'32' IS NULL OR entry->'reversal'->>'32' = $8::text)
      AND ($9::text IS NULL OR entry->'reversal'->>'2' IS NULL OR ${cardMark("(entry->'reversal'->>'2')")} = $9::text)`;

/**
 * Most repeats `LATE_APPROVAL` follows down a chain from its root (`<id>.again`, `<id>.again.again` ...): a bound on
 * its recursion, far above the cap on repeats (reversal-again.ts `REPEATS_AGAIN_MAX`, per process). Sixty-four.
 */
const CHAIN_MAX = 64;

/**
 * A late approval of the transaction (its kept fields `$4`, JSON) reached this node, which remembers no reversal of
 * it: a reversal entry of the transaction answered with a code that undid nothing (`reversed`, `undid_nothing` set,
 * done less than `$5` ms ago: `OVERTAKEN_FOR_MS`, the while a node's memory keeps one, or up to twice that for a try
 * made later, `OVERTAKEN_FOR_MS` from the approval's arrival; the purge keeps the row `OWED_FOR_MS`, whatever
 * `purgeAfter`: an older row of the terminal's STAN is another transaction's), or pending
 * with that code written (its end not recorded yet), has the code returned with the entry's reversal (JSON text) and
 * its row's `id` (the row it names, `covered_by`, when the code came back from that one: `passingOn`): the node stores the repeat as entry `againId(id)`. Whatever it finds, the approval is left on the row
 * (`late_approval`), and the code stays: a node that stops before the repeat's store is durable loses nothing (any
 * node's `REPEATS_OWED` finds the row, or a later copy of the approval the code), and every node that stores the
 * repeat stores the same entry, once. The approval is dated (`late_approval_at`: its arrival, now less a retried
 * look-up's delay, `$5` beyond `OVERTAKEN_FOR_MS`; a date left already stays), for `passingOn` and `REPEATS_OWED`. A pending one without the code returns none (the node whose reversal is
 * answered next reads the approval, `UNDID_NOTHING`; its entry ending otherwise passes it on, `passingOn`). A repeat's own row (`againId`) is never the one
 * but when it carries this approval already (a chain's, below): a resent copy of the approval reaches the row that
 * carries it, before any newer row of the transaction (`transactionRow`), whose code calls for the repeat already
 * stored or owed (`'exists'`), not a second (sr67a #1); pending, it waits there.
 * Only a row of the approval's booking (transactions-in-flight.ts `approvesBooking`'s rule, {@link OF_BOOKING}): a
 * row of another transaction reusing the terminal's STAN is left, its code and its own late approval with it. None
 * at all when a request of the approval's booking approved in time retired its code less than `$5` ms ago (a row with
 * `retired_at`, saf-sql.ts `DONE`): the approval is that one, which the terminal was told; left on a pending repeat
 * of the booking it would call for a `0401` of it (that repeat's `25`), or be reported unreversed (its end). Nor, ever,
 * on a row so retired (`retired_at`), however long ago: a `25` written on it after its retirement (its reversal was
 * pending then) is of a booking approved in time, and would return its code for a `0401` of that approval.
 * Only a row of the bank `$10` (the node's address, upstream-marker.ts `ofBank`, as `REPEATS_OWED`): an approval from
 * one bank is never left on (nor takes the code of) another bank's row under a shared key, whose repeat would be owed
 * to, and sent by, that other bank's nodes.
 *
 * A chain of repeats (sr66b #9): a row found with its code that carries another approval than this one (its kept
 * fields differ: `kept` keeps fields 37 and 38, so a retransmitted request's approval differs from the first, a host's
 * copy does not) whose repeat is stored is not this approval's: the statement follows the chain down (`ch`: the
 * repeat `<root>.again`, its own repeat, ...; each a primary-key look-up, at most {@link CHAIN_MAX}) while each row
 * carries another approval, and takes the first that carries none, or this one (a copy: it names the repeat stored or
 * owed already), or the last. So the repeat's `25` reverses this approval too (pending: left on it, `UNDID_NOTHING`
 * reads it), or its code calls for a repeat of its own (`<repeat>.again`), as the file journal's memory does; never
 * one approval twice. No row's approval is ever replaced (the root's neither: sr67a #3, sr67m #1; a chain row's, the
 * one its repeat answers). The chain's rows are read unlocked; the row taken is locked by the update, and a `25` written on it
 * meanwhile leaves the approval with the code, for any node's `REPEATS_OWED`. The bound (mend67b #1): one approval
 * waits on each row of the chain, the root too. The last row taken carrying another approval (pending with it; or
 * answered, its repeat not stored yet; or stored by another node after this statement's snapshot) keeps it, and this
 * one is placed nowhere: `placed` is false (true: the row carries this approval now), and journal-overtaken.ts runs the
 * statement once more (a fresh snapshot sees a repeat stored since), then reports it unreversed
 * (`ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED`) rather than dropping it unseen.
 */
export const LATE_APPROVAL = `WITH RECURSIVE t AS MATERIALIZED (${transactionRow(
  'undid_nothing, covered_by, late_approval',
  `(id NOT LIKE '%${AGAIN_SUFFIX}' OR late_approval = $4::jsonb) AND retired_at IS NULL AND (done_at IS NULL OR (outcome = 'reversed' AND undid_nothing IS NOT NULL AND done_at > now() - $5::float8 * interval '1 millisecond'))
      AND ${OF_BOOKING} AND ${ofBank('iso8583_saf', '$10')}
      AND NOT EXISTS (SELECT 1 FROM iso8583_saf z WHERE z.upstream = ANY($1::text[]) AND z.entry->>'kind' IS NULL
        AND z.entry->'reversal'->>'41' = $2::text AND z.entry->'reversal'->>'11' = $3::text
        AND z.retired_at > now() - $5::float8 * interval '1 millisecond' AND ${OF_BOOKING})`,
)}),
  ch AS (SELECT a.id, a.late_approval, 1 AS depth FROM t, iso8583_saf a
      WHERE a.id = coalesce(t.covered_by, t.id) || '${AGAIN_SUFFIX}' AND a.entry->>'kind' IS NULL
        AND t.undid_nothing IS NOT NULL AND t.late_approval IS NOT NULL AND t.late_approval <> $4::jsonb
    UNION ALL SELECT a.id, a.late_approval, ch.depth + 1 FROM ch, iso8583_saf a
      WHERE a.id = ch.id || '${AGAIN_SUFFIX}' AND a.entry->>'kind' IS NULL
        AND ch.late_approval IS NOT NULL AND ch.late_approval <> $4::jsonb AND ch.depth < ${CHAIN_MAX}),
  w AS (SELECT coalesce((SELECT id FROM ch ORDER BY depth DESC LIMIT 1), t.id) AS id FROM t)
  UPDATE iso8583_saf s SET late_approval = coalesce(s.late_approval, $4::jsonb),
    late_approval_at = coalesce(s.late_approval_at, now() - greatest($5::float8 - ${OVERTAKEN_FOR_MS}, 0) * interval '1 millisecond')
  FROM w WHERE s.id = w.id
  RETURNING CASE WHEN NOT ${cappedRoot('s')} THEN s.undid_nothing END AS code, (s.entry->'reversal')::text AS reversal,
    CASE WHEN s.undid_nothing IS NOT NULL THEN coalesce(s.covered_by, s.id) ELSE s.id END AS id,
    s.late_approval = $4::jsonb AS placed`;

/**
 * The repeats owed (at most 100): reversal entries under the upstream keys `$1` answered with a code that undid nothing
 * (`reversed`, `undid_nothing` set) less than `$2` ms ago (`OWED_FOR_MS`: a retried look-up may leave an approval on a
 * row ended up to twice `OVERTAKEN_FOR_MS` before, and the next read is up to a minute later), counted from the row's
 * end or from the approval's date on it (`late_approval_at`: passed on later, `passingOn`), whichever is later, on whose row a late
 * approval was left (`LATE_APPROVAL`) and whose repeat (`againId`) is not stored: the node that found the code stopped
 * before that store was durable. Read with the row's `id` (the row it names, `covered_by`, when its repeat came back from that one: `passingOn`; the
 * repeat's id stays that row's), its reversal and the approval (JSON text): any node stores the repeat, under
 * the one id (a node storing it at the same time finds it stored). Only rows of the bank `$3` (the reading node's
 * address, upstream-marker.ts `ofBank`): the repeat goes to the bank that approved the original late, and a row under a
 * key whose row came to name another bank (its repeat's add refused there: `ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`)
 * stays owed to its own bank's nodes, read again once the key names that bank again, never by the other bank's. Nor
 * a row whose repeat the cap refused on any node ({@link CAP_REPEAT}): reported there once, owed nowhere after.
 */
export const REPEATS_OWED = `SELECT coalesce(s.covered_by, s.id) AS id, (s.entry->'reversal')::text AS reversal, s.undid_nothing AS code, s.late_approval::text AS approval
  FROM iso8583_saf s
  WHERE s.upstream = ANY($1::text[]) AND s.entry->>'kind' IS NULL AND s.outcome = 'reversed' AND ${ofBank('s', '$3')}
    AND s.undid_nothing IS NOT NULL AND s.late_approval IS NOT NULL
    AND greatest(s.done_at, s.late_approval_at) > now() - $2 * interval '1 millisecond'
    AND NOT EXISTS (SELECT 1 FROM iso8583_saf a WHERE a.id = coalesce(s.covered_by, s.id) || '${AGAIN_SUFFIX}')
    AND NOT ${cappedRoot('s')}
  ORDER BY s.done_at LIMIT 100`;

/**
 * The cap on repeats refused the repeat of the row whose id is `$1` (its root: `againId`'s row; reversal-again.ts
 * `REPEATS_AGAIN_MAX`): dated once (`repeats_capped_at`, schema-saf.ts step 16; a date left already stays), so that no
 * node stores it after (`REPEATS_OWED`, `LATE_APPROVAL` and `UNDID_NOTHING` return none for it: {@link cappedRoot}),
 * whichever node refused it and however often the nodes restart. Run again, it does the same.
 */
export const CAP_REPEAT = 'UPDATE iso8583_saf SET repeats_capped_at = coalesce(repeats_capped_at, now()) WHERE id = $1';

/**
 * What a statement that ends rows (saf-sql.ts `DONE`, `FORGET`) returns of each from its CTE `m` (the row `alias` as
 * it ended), for {@link passingOn}: with these, `m` has `retires` (whether its request's approval in time retires the
 * transaction's code) and `outcome`.
 */
export const endedColumns = (alias: string): string => `${alias}.id, ${alias}.entry->'reversal'->>'41' AS terminal, ${alias}.entry->'reversal'->>'11' AS stan,
  ${alias}.entry->'reversal'->'4' AS amount, ${alias}.entry->'reversal'->>'2' AS card, ${alias}.entry->'reversal'->>'32' AS acquirer,
  ${alias}.late_approval AS approval, ${alias}.late_approval_at AS approval_at, coalesce(${alias}.covered_by, ${alias}.id) AS root`;

/**
 * The one home of "a row ends" (every statement that ends rows: saf-sql.ts `DONE`, `FORGET`): after its CTE `m`
 * ({@link endedColumns}, `retires`, `outcome`; the rows it ended, the batch's ids `batch`), the CTEs `g` and `p`. A row
 * that ended otherwise than `reversed` (its request declined or never left, `not-needed`; its add forgotten,
 * `not-sent`; or given up, `abandoned`, `expired`), without retiring anything, and on which a late approval was left
 * (`LATE_APPROVAL`: another node's repeat of the transaction, pending when the original's late approval came) has that
 * approval passed on, in the same statement, to the row `LATE_APPROVAL` would have taken as it came: the newest reversal
 * entry of the transaction under the upstream keys `keys` outside the batch, not a repeat's (`againId`), of the same
 * booking as the row that ended (booking-sql.ts `sameBooking`: a row of the terminal's STAN used again by another
 * transaction, another amount say, is left), pending (the node whose reversal is answered next reads it,
 * `UNDID_NOTHING`), or ended `reversed` with a code that undid nothing less than `OVERTAKEN_FOR_MS` before the approval
 * came (`late_approval_at`; an older one is another transaction's), however long ago that was (the purge keeps such a
 * row while a pending row of its transaction carries an approval: saf-sql.ts `PURGE`), unless an approval is on it
 * already (its repeat is stored or owed once). The row that takes it is dated (`late_approval_at`, now): any node's
 * `REPEATS_OWED` reads it for `OWED_FOR_MS` from then. So a repeat declined, timed out or never sent retires nothing:
 * the late approval is still reversed, whichever node's it was. The approval stays on the row that ended too (copied:
 * `UNDID_NOTHING` of that row reopened returns it no more once a row with a code carries it). Not when an entry of the
 * batch of the same terminal and STAN retires (its approval in time is the transaction's one outcome; one statement
 * changes a row once). But first, back: a row whose reversal's `25` deferred to the code of the row that ended
 * (`covered_by`, `UNDID_NOTHING`), that code cleared since by a re-attempt (`ATTEMPT`) and neither row's repeat stored,
 * takes the obligation back (its own code, `covered_code`, and dated now: `REPEATS_OWED` reads it), the lowest id of
 * them, once, while no other row naming the same root (`root`: the row whose repeat is owed) holds a code. Without this
 * the approval was owed nowhere. Every row keeps naming the root (`covered_by`, passed on twice or more too: mend62b),
 * so the row that takes it back names it, with its code now: the repeat keeps the root's id
 * (`againId`; `REPEATS_OWED` and `LATE_APPROVAL` return it), so that the repeat a slow node stores for the `25` that
 * returned the approval on that row, and the one owed here, are one entry (`'exists'`), never two `0401`s. `g` names
 * each row that carried an approval (`id`) and the row that took it (`target`, `NULL` when none: {@link ENDED_ROWS}
 * says so). `p` updates the target whatever it holds (one holding an approval already keeps it) and returns the
 * approval it holds after the update (`held`): read from the row as locked, not from the statement's snapshot, so that
 * an approval another node's `LATE_APPROVAL` left on it after the snapshot is seen (sr67m #3: the snapshot's empty row
 * took the pass-on for done, and the approval was left unreported); {@link ENDED_ROWS} reports one that differs. Each
 * target is updated with one row of `g` (sr68a #1): two rows of a batch can pick the same one, a root giving the
 * obligation back to it (`back`) and another row of the booking taking it as its newest; `UPDATE ... FROM` applies one
 * joined row per target, which one unspecified, and were it the `newest` one the target kept the approval without its
 * code back, owed nowhere and unreported. So `p` joins `g` one row per target, the one giving the obligation back
 * first ({@link ENDED_ROWS} still reads every row of `g`). `p` also returns whether the target is still one an approval
 * is reversed on (`live`: pending, or ended `reversed` with a code that undid nothing, as the locked row stands): one
 * another node ended otherwise while this statement waited for its lock (sr68a #2: the snapshot saw it pending) takes
 * the approval but no `25` or `REPEATS_OWED` ever reads it there; {@link ENDED_ROWS} reports it.
 */
export function passingOn(batch: string, keys: string): string {
  return `g0 AS (SELECT m.id, m.approval, m.terminal, m.stan, (SELECT min(d.id) FROM iso8583_saf d
        WHERE d.entry->>'kind' IS NULL AND d.entry->'reversal'->>'41' = m.terminal AND d.entry->'reversal'->>'11' = m.stan
          AND d.covered_by = m.root AND d.undid_nothing IS NULL AND d.late_approval IS NOT NULL AND d.id <> ALL(${batch})
          AND NOT EXISTS (SELECT 1 FROM iso8583_saf a WHERE a.id IN (d.id || '${AGAIN_SUFFIX}', m.root || '${AGAIN_SUFFIX}'))
          AND NOT EXISTS (SELECT 1 FROM iso8583_saf h WHERE h.entry->>'kind' IS NULL AND h.entry->'reversal'->>'41' = m.terminal
            AND h.entry->'reversal'->>'11' = m.stan AND coalesce(h.covered_by, h.id) = m.root AND h.undid_nothing IS NOT NULL
            AND h.id <> ALL(${batch}))) AS back,
      (SELECT t.id FROM iso8583_saf t
        WHERE t.upstream = ANY(${keys}) AND t.entry->>'kind' IS NULL
          AND t.entry->'reversal'->>'41' = m.terminal AND t.entry->'reversal'->>'11' = m.stan
          AND t.id NOT LIKE '%${AGAIN_SUFFIX}' AND t.id <> ALL(${batch})
          AND (t.done_at IS NULL OR (t.outcome = 'reversed' AND t.undid_nothing IS NOT NULL
            AND t.done_at > coalesce(m.approval_at, now()) - ${OVERTAKEN_FOR_MS} * interval '1 millisecond'))
          AND ${sameBooking(bookingOf('t'), { amount: 'm.amount', card: 'm.card', acquirer: 'm.acquirer' })}
        ORDER BY t.created_at DESC LIMIT 1) AS newest
    FROM m WHERE NOT m.retires AND m.outcome <> 'reversed' AND m.approval IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM m k WHERE k.retires AND k.terminal = m.terminal AND k.stan = m.stan)),
  g AS (SELECT g0.*, coalesce(g0.back, g0.newest) AS target FROM g0),
  p AS (UPDATE iso8583_saf o SET late_approval = coalesce(o.late_approval, g.approval),
      late_approval_at = CASE WHEN o.late_approval IS NULL OR o.id = g.back THEN now() ELSE o.late_approval_at END,
      undid_nothing = CASE WHEN o.id = g.back THEN o.covered_code ELSE o.undid_nothing END
    FROM (SELECT DISTINCT ON (target) * FROM g WHERE target IS NOT NULL ORDER BY target, back IS NULL, id) g
    WHERE o.entry->>'kind' IS NULL AND o.entry->'reversal'->>'41' = g.terminal AND o.entry->'reversal'->>'11' = g.stan
      AND o.id = g.target
    RETURNING o.id, o.late_approval AS held, (o.done_at IS NULL OR (o.outcome = 'reversed' AND o.undid_nothing IS NOT NULL)) AS live)`;
}

/**
 * The rows {@link passingOn} may change for the batch rows `s` that `from` names (each reversal entry that may end
 * otherwise than `reversed`, retiring nothing): every row of its terminal and STAN outside the batch `batch` that is
 * pending or carries a code or an approval, under the upstream keys `keys` and of its booking (`newest`: booking-sql.ts
 * `sameBooking`) or naming its root (`covered_by`: `back`): the rows `p` may change, not another key's (sr63e #3) nor
 * another transaction's that reused the STAN (every `done` of a declined original waited on those; sr64b #2).
 * A statement that passes on locks them with its batch's rows, all together in id order, before it changes any (saf-sql.ts
 * `DONE`, `FORGET`): `UNDID_NOTHING` locks a transaction's rows in that order too, so that the two wait for each other
 * instead of deadlocking (sr62b #3, sr63e #2). Whether the batch row carries a late approval is not asked: the set is
 * read from the statement's snapshot, and an approval left on the batch row after it (another node's `LATE_APPROVAL`
 * committing while the statement waits for that row, which it then reads again, approval and all) would have left the
 * pass-on's target out of the set, locked last, after the batch row: the deadlock again (sr63i). The targets
 * `passingOn` picks are read from that same snapshot, so the set holds every one of them for a batch row the snapshot
 * sees. Not otherwise: `FORGET`'s batch row may be one its snapshot does not see yet (the unsure add committing after
 * the statement began), which `from` then joins to nothing: its set is empty, and an approval left on that row in the
 * same moment is passed on to a target locked last, as before sr63i (a deadlock with an `UNDID_NOTHING` is possible
 * there: PostgreSQL aborts one of the two, a `FORGET` aborted is tried again at the next renewal; sr64b #3). That row
 * is ended all the same: `FORGET`'s insert waits for the add, and its `ON CONFLICT DO UPDATE` ends the row the add
 * committed, seen by the snapshot or not (pg-add-unknown.test.ts; sr64i #2).
 */
export const passOnLockRows = (from: string, batch: string, keys: string): string => `SELECT o.id FROM ${from}, iso8583_saf o
    WHERE ((o.upstream = ANY(${keys}) AND ${sameBooking(bookingOf('o'), bookingOf('s'))}) OR o.covered_by = coalesce(s.covered_by, s.id))
      AND s.entry->>'kind' IS NULL AND o.entry->>'kind' IS NULL
      AND o.entry->'reversal'->>'41' = s.entry->'reversal'->>'41' AND o.entry->'reversal'->>'11' = s.entry->'reversal'->>'11'
      AND (o.undid_nothing IS NOT NULL OR o.late_approval IS NOT NULL OR o.done_at IS NULL) AND o.id <> ALL(${batch})`;

/**
 * The end of a statement made with {@link passingOn}: each row it ended (`id`), and whether a late approval it carried
 * found no row to pass on to (`unreversed`: no reversal of its booking that undid nothing, in time, nor pending; or its
 * code was retired by an approval in time of the transaction's request; or the row `passingOn` picks holds another
 * approval, `p`'s `held` after its update, which it keeps: a chain row's, `LATE_APPROVAL`, whose newest row outside
 * the chain is the root holding the approval before it, mend67b #2; or one left on it by another node as the
 * statement ran; or the target, as `p` left it, is no row an approval is reversed on: `p`'s `live`, sr68a #2; a
 * report only, the approval stays where `p` put it). pass-on.ts `ended` logs those.
 */
export const ENDED_ROWS = `SELECT m.id, (g.id IS NOT NULL AND (g.target IS NULL
    OR (SELECT p.live FROM p WHERE p.id = g.target) IS NOT TRUE
    OR (g.back IS NULL AND (SELECT p.held FROM p WHERE p.id = g.target) IS DISTINCT FROM g.approval))) AS unreversed FROM m LEFT JOIN g ON g.id = m.id`;
