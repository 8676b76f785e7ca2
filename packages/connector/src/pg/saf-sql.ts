/**
 * The statements of the PostgreSQL SAF queue (pg/journal.ts) on `iso8583_saf` (schema-saf.ts). Times are the
 * database's (`now()`), so that the nodes' clocks do not matter; `$n * interval '1 millisecond'` is a lease or an age.
 */
import { GONE_OWNERS, ownerGone, ownerLockFree, ownerLockHeldBy, registeredHere } from './owner-lock-sql.js';
import { AGAIN_SUFFIX, ENDED_ROWS, endedColumns, passOnLockRows, passingOn } from './overtaken-sql.js';
import { bookingOf, sameBooking } from './booking-sql.js';
import { ofBank } from './upstream-marker.js';

/**
 * A row's lease end (`lease_until`) in microseconds since the epoch, as text (whatever type parsers the pool's caller
 * set), as the statements that set it return it (`lease`): what `RELEASE` compares, exactly, to tell that a lease was
 * not renewed since.
 */
const leaseOf = (alias: string): string => `((extract(epoch FROM ${alias}.lease_until) * 1000000)::int8)::text`;

/** In a statement made by {@link whileLockHeld}: whether the owner lock was found held (checked once a statement). */
const LOCK_HELD = '(SELECT held FROM owner_lock)';

/**
 * `statement` (an `INSERT` or `UPDATE` named `name` in the statement, that tests {@link LOCK_HELD} and returns `id,
 * lease`) run only while the owner lock whose key is the parameter `key` (`$n`; NULL: no lock to check) is held by
 * the session that took it last as the node knows it (`pid`, `started`: parameters, `REGISTER`'s `pid` and `started`;
 * owner-lock-sql.ts `ownerLockHeldBy`, as `DONE` names it): refused for want of it, the statement changes nothing and
 * returns one row of NULLs (the caller's sign that the lock's session ended, seen or not: owner-lock.ts `refused`).
 * Held by another session is refused too (fix69p, sr68 "Left alone"): the node killed and started again under the same
 * owner name took the lock back (the same key) before a statement the dead process sent ran; a live node whose lock
 * was taken again since it sent the statement is refused as well, which it takes as it takes a break of its hold
 * (`heldSince`: the refusal of an earlier hold changes nothing; an add or an attempt asked during a broken hold is not
 * sent anyway, `ReversalManager.late`).
 */
function whileLockHeld(key: string, pid: string, started: string, name: string, statement: string): string {
  return `WITH owner_lock AS MATERIALIZED (SELECT (${key}::int IS NULL OR ${ownerLockHeldBy(`${key}::int`, pid, started)}) AS held),
  ${name} AS (${statement})
  SELECT id, lease FROM ${name}
  UNION ALL SELECT NULL, NULL FROM owner_lock WHERE NOT held`;
}

/** Outcomes that say the host answered: they end the entry whoever holds it (idempotent). */
export const ANSWERED: ReadonlySet<string> = new Set(['reversed', 'delivered']);

/**
 * Outcomes the SAF queue records as it lets an entry go (it never sends it again): one that fails to commit is
 * retried until it does. `not-needed` is not among them: when it fails the caller reverses the original instead.
 */
export const FINAL: ReadonlySet<string> = new Set(['reversed', 'delivered', 'abandoned', 'expired']);

/**
 * Adds entries held by `$2` (`$4`: a JSON array of entries), of the bank `$8` (`bank`: the node's address, upstream-marker.ts
 * `upstreamAddress`; NULL without one: upstream-marker.ts `ofBank`); an id already stored is not added (and not returned: an
 * entry not guarded then goes through `ADD_AGAIN`), nor
 * is an entry marked `guard` (the reversal of a request about to be sent) while a reversal entry of the same
 * transaction (the reversal's fields 41 and 11) is pending under one of the keys `$5`, on any node: that request is
 * in flight there, or being reversed, and this one must not go. A guarded row carries its transaction's key (`txn`:
 * `$7`, 41, 11), unique among pending rows (index `iso8583_saf_txn`): an add of the same transaction not committed yet
 * on another node, or earlier in the same batch, makes this one wait for it and skip it if it commits (`ON CONFLICT DO
 * NOTHING`), which `NOT EXISTS` alone cannot see. `$7` is the upstream `$1` (as in earlier versions: a single
 * upstream's rows keep their key), or for an upstream group's member (`guardAcross`) the first of the group's keys
 * `$5` in sort order, the same for every bank of the group on every node, so that two nodes adding the same
 * transaction for two banks at once clash too (each key its own, both would commit: both banks debit); `NOT EXISTS` still covers the rows under former keys, and those of
 * earlier versions (`txn` NULL). Entries go in the order of their keys, so that two nodes adding the same
 * transactions in two batches wait for each other in one order.
 *
 * With `$6` (the key of `$2`'s owner lock, owner-lock.ts), only while that lock is held by its session `$9`, `$10` (`whileLockHeld`), as `ATTEMPT`: once its session
 * ended, another node claims `$2`'s entries at once and reverses them, and this node must send none of their requests
 * (it may not have seen the session end yet). Nothing is added then, and one row of NULLs says so.
 *
 * A guarded entry (an original's reversal, `addOriginal`) is fenced from its add (`attempt_until`, as an attempt's
 * flight) for its `guard` ms (`PgJournal.addOriginal`: the lease and the original's answer timeout): its node may
 * write the original until `lease - claimInterval` ms after it asked for the add (`ReversalManager.late`), also once
 * its owner lock's session ended unseen, and the bank may process it until its answer timeout after that; so no node
 * claims the entry before then, neither by lease nor as an owner gone's (`CLAIM_GONE`): its reversal would reach the
 * bank before the original is done there (answered 25, the original approved after it: charged, and told 68). Past the
 * fence (the original's answer is due) the owner gone's entry is taken over at once; its first attempt replaces it.
 */
export const ADD = whileLockHeld('$6', '$9', '$10', 'added', `INSERT INTO iso8583_saf (id, upstream, entry, attempts, lease_owner, lease_until, txn, attempt_until, bank)
  SELECT id, $1, entry, attempts, $2, now() + $3 * interval '1 millisecond', txn,
    CASE WHEN guarded THEN now() + fence * interval '1 millisecond' END, $8 FROM (
    SELECT e->>'id' AS id, e - 'attempts' - 'guard' AS entry, coalesce((e->>'attempts')::int, 0) AS attempts,
      e->'guard' IS NOT NULL AS guarded, (e->>'guard')::float8 AS fence,
      CASE WHEN e->'guard' IS NOT NULL AND e->'reversal'->>'41' IS NOT NULL AND e->'reversal'->>'11' IS NOT NULL
        THEN jsonb_build_array($7::text, e->'reversal'->>'41', e->'reversal'->>'11')::text END AS txn
    FROM jsonb_array_elements($4::jsonb) AS e
    WHERE e->'guard' IS NULL OR NOT EXISTS (
      SELECT 1 FROM iso8583_saf p
      WHERE p.upstream = ANY($5::text[]) AND p.done_at IS NULL AND p.entry->>'kind' IS NULL
        AND p.entry->'reversal'->>'41' = e->'reversal'->>'41' AND p.entry->'reversal'->>'11' = e->'reversal'->>'11')
    ORDER BY txn) AS a
  WHERE ${LOCK_HELD}
  ON CONFLICT DO NOTHING
  RETURNING id, ${leaseOf('iso8583_saf')} AS lease`);

/**
 * The outcome of a row whose add failed (its request was not sent): unlike `not-needed` (the original was answered,
 * and a reversal that follows reopens it), nothing reopens it, and no claim takes it.
 */
export const NOT_SENT = 'not-sent';

/**
 * `ADD` again of entries (not guarded: `add`, never `addOriginal`) whose id the store holds already (`ADD` skipped them):
 * one `$2` ended `not-sent` (`FORGET`: an earlier add of the same entry whose fate was unknown, the caller told it
 * failed) is made pending again with the entry given, held by `$2` for a lease, of the bank `$6` (as `ADD`'s `$8`), as a new add would be; one of any other
 * state (another node claimed it and sends it, or it ended otherwise) is left as it is, and not returned. An id no
 * longer stored (its row purged) is added. With `$5` (the key of `$2`'s owner lock), only while that lock is held by its
 * session `$7`, `$8` (as `ADD`); refused for want of it, one row of NULLs says so.
 */
export const ADD_AGAIN = whileLockHeld('$5', '$7', '$8', 'added_again', `INSERT INTO iso8583_saf AS s (id, upstream, entry, attempts, lease_owner, lease_until, bank)
  SELECT e->>'id', $1, e - 'attempts' - 'guard', coalesce((e->>'attempts')::int, 0), $2, now() + $3 * interval '1 millisecond', $6
  FROM jsonb_array_elements($4::jsonb) AS e
  WHERE ${LOCK_HELD}
  ON CONFLICT (id) DO UPDATE SET upstream = excluded.upstream, entry = excluded.entry, lease_until = excluded.lease_until, bank = excluded.bank,
    done_at = NULL, outcome = NULL, txn = NULL, attempt_until = NULL
  WHERE s.lease_owner = $2 AND s.outcome = '${NOT_SENT}'
  RETURNING s.id, ${leaseOf('s')} AS lease`);

/**
 * Ends the entries `$3` of `$1` whose add this node saw fail without knowing the statement's fate (its connection broke
 * or timed out: the server may have committed it, even later): a row never attempted is marked `not-sent` (its
 * request was not sent), and an id not stored yet gets a finished row with no entry in it, so that an add still running
 * on the server stores nothing. An add that commits while this statement runs (after its snapshot: `k` does not lock
 * its row) is ended too: the insert waits for it, then `ON CONFLICT DO UPDATE` takes the row it committed, its newest
 * version, and ends it (READ COMMITTED, the default; under REPEATABLE READ the statement fails instead, and the next
 * renewal, whose snapshot sees the row, ends it: the ids stay unsure until a `FORGET` commits; sr64i #2). A row
 * another node holds (it claimed the entry) is left as it is. A row ended so passes a late approval left on it on
 * (overtaken-sql.ts `passingOn`, `$4`: the upstream keys claimed), as `DONE` does; returns the rows it ended
 * (`ENDED_ROWS`). As `DONE`, it first locks its rows there and the rows the pass-on may change, together in id order
 * (`k`, overtaken-sql.ts `passOnLockRows`; the insert waits for it: `count`), not its rows in the batch's order and the
 * pass-on's last (sr63e #2).
 */
export const FORGET = `WITH k AS MATERIALIZED (SELECT o.id FROM iso8583_saf o
    WHERE o.id IN (SELECT unnest($3::text[]) UNION ${passOnLockRows('unnest($3::text[]) AS b(id) JOIN iso8583_saf s ON s.id = b.id', '$3::text[]', '$4::text[]')})
    ORDER BY o.id FOR UPDATE OF o),
  m AS (INSERT INTO iso8583_saf AS s (id, upstream, entry, lease_owner, lease_until, done_at, outcome)
    SELECT id, $2, '{}'::jsonb, $1, now(), now(), '${NOT_SENT}' FROM unnest($3::text[]) AS id WHERE (SELECT count(*) FROM k) >= 0
    ON CONFLICT (id) DO UPDATE SET done_at = now(), outcome = '${NOT_SENT}'
    WHERE s.lease_owner = $1 AND s.attempts = 0 AND s.done_at IS NULL
    RETURNING ${endedColumns('s')}, false AS retires, s.outcome),
  ${passingOn('$3::text[]', '$4::text[]')}
  ${ENDED_ROWS}`;

/**
 * Records attempts of entries `$1` holds, not done (or marked `not-needed`: a reversal reopens it; never `not-sent`);
 * renews the lease. A row reopened drops its transaction key (`txn`): a request of the same transaction may have been
 * guarded since, and the reopened row must not clash with it (its reversal still refuses new ones, by `NOT EXISTS`).
 * With `$5` (the key of `$1`'s owner lock, owner-lock.ts), only while that lock is held by its session `$7`, `$8`
 * (`whileLockHeld`): once its session ended,
 * another node may claim the entries at once, and this node must send none of them. Each attempt is fenced: no claim
 * takes its entry before `attempt_until`, `a.f` ms (its flight: `$6`) from the statement's start, by which the node
 * that records it has written it and stopped awaiting its answer, or not sent it (the node counts the flight from
 * before it asked: `PgJournal.attempt`). So an attempt committed just before the owner lock's session ended is not
 * sent by a node that claims its entry at once while it is still in flight. Refused for want of the lock, one row of
 * NULLs says so (as `ADD`). An attempt clears the code an earlier attempt's answer left (`undid_nothing`, overtaken-sql.ts:
 * a node that stopped before its entry's end left it): that answer is overtaken by this attempt's, and a late approval
 * must not take it and store a repeat beside this one (its `late_approval`, left for whoever gets the answer, stays).
 */
export const ATTEMPT = whileLockHeld('$5', '$7', '$8', 'attempted', `UPDATE iso8583_saf s
  SET attempts = greatest(s.attempts, a.n), lease_until = now() + $2 * interval '1 millisecond', done_at = NULL, outcome = NULL, undid_nothing = NULL,
    txn = CASE WHEN s.done_at IS NULL THEN s.txn END, attempt_until = now() + a.f * interval '1 millisecond'
  FROM unnest($3::text[], $4::int[], $6::float8[]) AS a(id, n, f)
  WHERE s.id = a.id AND s.lease_owner = $1 AND (s.done_at IS NULL OR s.outcome = 'not-needed')
    AND ${LOCK_HELD}
  RETURNING s.id, ${leaseOf('s')} AS lease`);

/**
 * Makes entry `$2` pending again while `$1` holds it (or has it marked `not-needed`: a `done` whose reply was lost
 * may have committed it), its lease renewed (`$3` ms), as `ATTEMPT` reopens it, without counting an attempt: the
 * original's answer could not be recorded, and its reversal must stay in the store whatever happens to this node
 * (`PgJournal.reopen`). With `$4` (the key of `$1`'s owner lock), only while that lock is held by its session `$5`, `$6`
 * (as `ATTEMPT`); refused
 * for want of it, one row of NULLs says so. No row back: the entry is not `$1`'s (another node claimed it, and sends
 * it) or it ended otherwise (a host's answer).
 */
export const REOPEN = whileLockHeld('$4', '$5', '$6', 'reopened', `UPDATE iso8583_saf s
  SET lease_until = now() + $3 * interval '1 millisecond', done_at = NULL, outcome = NULL, txn = CASE WHEN s.done_at IS NULL THEN s.txn END
  WHERE s.id = $2 AND s.lease_owner = $1 AND (s.done_at IS NULL OR s.outcome = 'not-needed') AND ${LOCK_HELD}
  RETURNING s.id, ${leaseOf('s')} AS lease`);

/**
 * Takes back attempt `$3` of entry `$2`, recorded but not sent (the node stalled: see `PgJournal.attempt`), while `$1`
 * still holds it and no later attempt was recorded: the node that sends it next counts from what was really sent, and
 * need not wait for its flight (nothing is in flight).
 */
export const UNCOUNT = `UPDATE iso8583_saf SET attempts = $3::int - 1, attempt_until = NULL
  WHERE id = $2 AND lease_owner = $1 AND attempts = $3::int AND done_at IS NULL`;

/**
 * Marks entries done: any holder's for the outcomes `$4` (a host's answer), else only `$1`'s. An entry marked done
 * whose `$5` is true (its request approved in time: `PgJournal.retireOvertaken`) retires, in the same statement, a
 * reversal of its transaction that undid nothing (overtaken-sql.ts): the code is cleared from the rows of reversal
 * entries under the upstream keys `$6` naming its reversal's fields 41 and 11, of the same booking (booking-sql.ts
 * `sameBooking`: amount, card, acquirer), on which no late approval was left yet (an index look-up by fields 41 and 11:
 * `iso8583_saf_original`, or `iso8583_saf_overtaken`, schema-saf.ts; about a millisecond a statement either way), so
 * that the original's late approval (the same booking) finds nothing to reverse (`LATE_APPROVAL`), on any node; a new
 * transaction reusing the STAN leaves it. Such a row still pending (its code written, its own `done` failed or not
 * run yet) is ended as that `done` would (`reversed`): no node claims it after a crash and sends it again to undo what
 * the terminal was told approved; its holder's later `done` marks no row, which is no failure (a host's answer:
 * `ANSWERED`). A row without a code (a reversal of that booking still owed) is left, but for a late approval left on it
 * pending (`LATE_APPROVAL`: another node's repeat, no repeat stored of it, `againId`), which is taken off (`r`), as
 * it is off a row that ended otherwise than `reversed` and passed it on (`passingOn` copies it: ATTEMPT, REOPEN or RELEASE
 * may reopen a `not-needed` one, whose `25` would otherwise return it, `UNDID_NOTHING`): the
 * transaction's one outcome is that approval in time, so neither the row's end (`passingOn`, no alarm) nor its
 * reversal's `25` (`UNDID_NOTHING`) reverses it. A row in the batch itself is left as it is (one statement changes a
 * row once). A late approval left already on a row with the code is not undone: its repeat is stored, or owed. A late approval left on a row that ends otherwise than `reversed` is passed on to its transaction's reversal
 * that undid nothing (overtaken-sql.ts `passingOn`), in the same statement. Returns the rows it ended (`ENDED_ROWS`).
 *
 * The rows of the booking so retired, those of it still pending too, are marked (`retired_at`, now): a late approval
 * arriving after this is that booking's approval in time, left on none of them (overtaken-sql.ts `LATE_APPROVAL`);
 * the purge keeps them as long as a code (`PURGE`). The batch's rows and those rows are all locked first, together,
 * in id order (`k`, materialized: the rows `c` found, read without a lock, each row's values then read again as
 * locked), before any is changed (`m` and `l` take only rows of `k`), and with them, for a batch row that may pass a
 * late approval on (a reversal entry that ends otherwise than `reversed`, retiring nothing: whether it carries one or
 * not in the snapshot, as one may land on it before it is locked, sr63i), every row of its terminal and
 * STAN `passingOn` may pass it to (pending, or carrying a code or an approval: the rows `p` may change, sr62b #3;
 * locked last, after the batch row, they deadlocked with an id-ordered `UNDID_NOTHING`): `UNDID_NOTHING` locks the rows of a transaction
 * in that order too, so that two nodes, one retiring and one writing a `25`, wait for each other instead of
 * deadlocking (PostgreSQL would abort one: a `done` of a final outcome is retried until it commits, a `25`'s write
 * fails its attempt, which is tried again).
 *
 * A `not-needed` (the original answered: its reversal not owed) ends only a row `$1` still holds: its lease not over
 * (`lease_until`, on the database's clock as the statement changes the row), or its fence not passed (`attempt_until`:
 * no node claims it before; an original still at the bank, its node back from a database outage, pg-original-at-bank) and `$1` not an owner provably gone
 * (owner-lock-sql.ts `ownerGone`: its owner lock's session ended, the node killed or cut off), tested once every row
 * of `k` is locked (`owner_gone`, after `k`'s count): a node killed while its `done` waited for a row lock (its statement runs on
 * in its session and commits once it can) no longer ends an entry another node may claim at once, or by lease, and
 * reverse (the terminal got no answer). Refused, the row stays pending, as when another node claimed it (the caller
 * reverses the original: reversal.ts `answered`). `$7` is the key of `$1`'s owner lock (owner-lock.ts; NULL without
 * one: never gone, whatever row of that name is stored), `$8` and `$9` the server process of the session that holds it
 * and its start (a lock held by another session, `$1` restarted, is gone to this statement); a batch with a `not-needed` that finds that owner gone also
 * returns one row of NULL id (as {@link whileLockHeld}'s refusal, its `unreversed` false): the sign that the lock's
 * session ended, seen or not (owner-lock.ts `refused`), which takes it again at once (the `EXISTS` on `d`: a batch of
 * answered outcomes only, refused nothing, returns none).
 */
export const DONE = `WITH d AS (SELECT * FROM unnest($2::text[], $3::text[], $5::bool[]) AS d(id, outcome, retires)),
  c AS (SELECT s.id FROM iso8583_saf s JOIN d ON s.id = d.id
    UNION SELECT o.id FROM iso8583_saf s JOIN d ON s.id = d.id AND d.retires, iso8583_saf o
    WHERE o.upstream = ANY($6::text[]) AND o.entry->>'kind' IS NULL
      AND o.entry->'reversal'->>'41' = s.entry->'reversal'->>'41' AND o.entry->'reversal'->>'11' = s.entry->'reversal'->>'11'
      AND ${sameBooking(bookingOf('o'), bookingOf('s'))}
      AND (o.undid_nothing IS NOT NULL OR o.late_approval IS NOT NULL OR o.done_at IS NULL) AND o.id <> ALL($2::text[])
    UNION ${passOnLockRows("iso8583_saf s JOIN d ON s.id = d.id AND NOT d.retires AND d.outcome <> 'reversed'", '$2::text[]', '$6::text[]')}),
  k AS MATERIALIZED (SELECT o.id, o.upstream, o.entry, (o.undid_nothing IS NOT NULL AND o.late_approval IS NULL) AS clears,
      ((o.done_at IS NULL OR o.outcome <> 'reversed') AND o.undid_nothing IS NULL AND o.late_approval IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM iso8583_saf a WHERE a.id = o.id || '${AGAIN_SUFFIX}')) AS takes,
      (o.undid_nothing IS NOT NULL OR o.late_approval IS NOT NULL OR o.done_at IS NULL) AS open
    FROM iso8583_saf o WHERE o.id IN (SELECT id FROM c)
    ORDER BY o.id FOR UPDATE OF o),
  owner_gone AS MATERIALIZED (SELECT CASE WHEN (SELECT count(*) FROM k) >= 0 THEN ${ownerGone('$1', '$7', '$8', '$9')} END AS gone),
  m AS (UPDATE iso8583_saf s SET done_at = now(), outcome = d.outcome
    FROM k, d
    WHERE s.id = k.id AND s.id = d.id AND s.done_at IS NULL AND (s.lease_owner = $1 OR d.outcome = ANY($4::text[]))
      AND (d.outcome <> 'not-needed' OR ((s.lease_until > clock_timestamp() OR s.attempt_until > clock_timestamp()) AND (SELECT gone FROM owner_gone) IS NOT TRUE))
    RETURNING ${endedColumns('s')}, d.retires, d.outcome),
  l AS (SELECT k.id, k.clears, k.takes FROM k, m
    WHERE m.retires AND k.upstream = ANY($6::text[]) AND k.entry->>'kind' IS NULL
      AND k.entry->'reversal'->>'41' = m.terminal AND k.entry->'reversal'->>'11' = m.stan
      AND ${sameBooking(bookingOf('k'), { amount: 'm.amount', card: 'm.card', acquirer: 'm.acquirer' })}
      AND k.open AND k.id <> ALL($2::text[])),
  r AS (UPDATE iso8583_saf o SET undid_nothing = CASE WHEN l.clears THEN NULL ELSE o.undid_nothing END,
      done_at = CASE WHEN l.clears THEN COALESCE(o.done_at, now()) ELSE o.done_at END,
      outcome = CASE WHEN l.clears THEN COALESCE(o.outcome, 'reversed') ELSE o.outcome END,
      late_approval = CASE WHEN l.takes THEN NULL ELSE o.late_approval END,
      late_approval_at = CASE WHEN l.takes THEN NULL ELSE o.late_approval_at END,
      retired_at = now()
    FROM l WHERE o.id = l.id),
  ${passingOn('$2::text[]', '$6::text[]')}
  ${ENDED_ROWS}
  UNION ALL SELECT NULL, false FROM owner_gone WHERE gone AND EXISTS (SELECT 1 FROM d WHERE d.outcome = 'not-needed')`;

/**
 * Takes up to `$4` entries of the upstreams `$3` (its own key, and the keys it was stored under before) that match
 * `which`, oldest first, skipping those another claim locked, and those whose last attempt may still be in flight on
 * the node that recorded it (`attempt_until`, ATTEMPT); with each its `age` in ms on the database's clock (the
 * claiming node dates the entry on its own clock from it). Only entries of the bank `$5` (the claiming node's address,
 * upstream-marker.ts `ofBank`): an entry kept under a key whose row came to name another bank (journal-bank.ts
 * `release`) is never taken by that bank's nodes, by lease or as an owner gone's, nor is another bank's entry taken by
 * a node that has not yet seen its key's row change (its renewal reads it every `lease / 3` ms).
 */
function claimWhere(which: string, before = ''): string {
  return `${before}UPDATE iso8583_saf s SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond'
  WHERE s.id IN (
    SELECT id FROM iso8583_saf
    WHERE upstream = ANY($3::text[]) AND done_at IS NULL AND ${which} AND (attempt_until IS NULL OR attempt_until < now())
      AND ${ofBank('iso8583_saf', '$5')}
    ORDER BY created_at LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING s.id, s.entry, s.attempts, (extract(epoch FROM now() - s.created_at) * 1000)::float8 AS age, ${leaseOf('s')} AS lease`;
}

/** Claims the entries whose lease ended (by the index on `upstream, lease_until`). */
export const CLAIM = claimWhere('lease_until < now()');

/**
 * Claims the entries of owners provably gone other than `$1` (owner-lock-sql.ts, `GONE_OWNERS`: their lock's session
 * ended, their rows locked until this claim commits), whatever their lease, once out of any fence (an attempt's
 * flight, or the lease and the answer timeout from its add of an original's reversal: `ADD`). Their pending rows are
 * found by the index on `lease_owner` (schema-saf.ts, version 5): none is read while no owner is gone, nor while one
 * is gone whose entries were all taken over (its row stays until a renewal's purge).
 */
export const CLAIM_GONE = claimWhere(
  'lease_owner = ANY (ARRAY(SELECT owner FROM gone))',
  `WITH gone AS MATERIALIZED (${GONE_OWNERS})
  `,
);

/**
 * Renews `$1`'s leases on the entries `$3` not done; returns those still held. With `$4` (the key of `$1`'s owner
 * lock), only while that lock is held by its session `$5`, `$6`, as `ADD`: a node whose lock's session ended (maybe unseen) sends none of its
 * entries, and must not keep them from a node that claims by lease alone (nor bump the lease of one it let go meanwhile:
 * the `RELEASE` of it, once the lock is back, would then miss it). Nothing is renewed then, and one row of NULLs says so.
 */
export const RENEW = whileLockHeld('$4', '$5', '$6', 'renewed', `UPDATE iso8583_saf s SET lease_until = now() + $2 * interval '1 millisecond'
  WHERE id = ANY($3::text[]) AND lease_owner = $1 AND done_at IS NULL AND ${LOCK_HELD}
  RETURNING id, ${leaseOf('s')} AS lease`);

/**
 * Of the entries `$2` a renewal of `$1` (`RENEW`) did not renew, those this node ended itself (its `done` committed, its
 * answer not processed yet: journal-leases.ts, `markDone`): not taken over by another node (journal-renewal.ts). Read
 * only when a renewal misses some (rare: one indexed read by primary key).
 */
export const ENDED_HERE = 'SELECT id FROM iso8583_saf WHERE id = ANY($2::text[]) AND lease_owner = $1 AND done_at IS NOT NULL';

/**
 * Ends `$1`'s leases on the entries `$2` now (another node may claim them at once); an entry given a lease end in `$3`
 * (the one it had as this node let it go: `lease` of the statement that set it) only while its lease is still that
 * one: not one this node claimed again since (and may be sending: its claim, or its attempt, set a new one). Their
 * attempts' fences are lifted too: none is in flight (an entry let go had its next attempt refused, so its last one
 * was over; `close` hands entries back once the SAF queue's attempts are over). The fence of an original's reversal
 * never attempted (`ADD`: until the original's answer is due) stays: a node stopped, or destroyed, with requests
 * in flight hands their entries back while the bank may still be processing them, and their reversal must not get
 * there first.
 *
 * Such an entry marked `not-needed` is reopened, as `ATTEMPT` reopens it (and drops its `txn`): this node let it go
 * as it was to reverse it (its attempt refused for want of the owner lock), the `not-needed` a commit it did not see
 * (its `done` failed, its connection cut after the commit). Left done, that reversal would never be sent.
 */
export const RELEASE = `UPDATE iso8583_saf s SET attempt_until = CASE WHEN s.attempts = 0 THEN s.attempt_until END,
    lease_until = now(), done_at = NULL, outcome = NULL,
    txn = CASE WHEN s.done_at IS NULL THEN s.txn END
  FROM unnest($2::text[], $3::text[]) AS r(id, lease)
  WHERE s.id = r.id AND s.lease_owner = $1 AND (r.lease IS NULL OR ${leaseOf('s')} = r.lease)
    AND (s.done_at IS NULL OR (r.lease IS NOT NULL AND s.outcome = 'not-needed'))`;

/**
 * Deletes the rows done more than `$1` ms ago (`purgeAfter`); a row holding the code of a reversal that undid nothing
 * (`undid_nothing`, overtaken-sql.ts), and the repeat a late approval called for (its id `againId`, ending in
 * `AGAIN_SUFFIX`), at least `$2` ms (`OWED_FOR_MS`, the same as `REPEATS_OWED`'s): a late approval that comes meanwhile,
 * on any node, is reversed, as a node's memory would keep it (with `purgeAfter` 0 it was gone at once), one left on the
 * row by a node that died before storing its repeat is still owed at the next read, and a second copy of it (banks
 * resend), or that read, finds its repeat stored (`add` resolves `'exists'`), never sending a second. That time counts
 * from the row's end or from a late approval's date on it (`late_approval_at`), whichever is later; a row marked
 * retired (`retired_at`, `DONE`: a late approval arriving later is told apart by it) likewise, from that mark, and a row whose
 * `25` deferred to another row's code (`covered_by`, overtaken-sql.ts `UNDID_NOTHING`) as a row with the code: its
 * obligation comes back to it when that row ends otherwise (`passingOn`), and purged it was owed nowhere; and a row with the
 * code stays while a pending row of its transaction carries a late approval (overtaken-sql.ts `passingOn`: that row's
 * end may pass the approval on to it, however late), and a row that deferred stays while the row covering it is pending
 * (its end gives the obligation back, however late; an index look-up by fields 41 and 11, `iso8583_saf_original`).
 * A row whose repeat the cap refused (`repeats_capped_at`, overtaken-sql.ts `CAP_REPEAT`) stays, whatever else, while a
 * row names it (`covered_by`: that row's repeat is still this one's, `againId`; it may take the obligation back,
 * `passingOn`): purged, the refusal was forgotten and that repeat owed again, sent past the cap (sr66b #2). The same
 * index look-up, made only for a marked row.
 */
export const PURGE = `DELETE FROM iso8583_saf d
  WHERE d.done_at < now() - $1::float8 * interval '1 millisecond'
    AND ((d.undid_nothing IS NULL AND d.covered_by IS NULL AND d.retired_at IS NULL AND d.id NOT LIKE '%${AGAIN_SUFFIX}')
      OR (greatest(d.done_at, d.late_approval_at, d.retired_at) < now() - greatest($1::float8, $2::float8) * interval '1 millisecond'
        AND NOT EXISTS (SELECT 1 FROM iso8583_saf w
          WHERE w.entry->>'kind' IS NULL AND w.entry->'reversal'->>'41' = d.entry->'reversal'->>'41'
            AND w.entry->'reversal'->>'11' = d.entry->'reversal'->>'11' AND w.done_at IS NULL AND w.late_approval IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM iso8583_saf x WHERE x.id = d.covered_by AND x.done_at IS NULL)))
    AND NOT (d.repeats_capped_at IS NOT NULL AND EXISTS (SELECT 1 FROM iso8583_saf y
      WHERE y.entry->>'kind' IS NULL AND y.entry->'reversal'->>'41' = d.entry->'reversal'->>'41'
        AND y.entry->'reversal'->>'11' = d.entry->'reversal'->>'11' AND y.covered_by = d.id))`;

/**
 * The pending entries no node takes (stranded.ts), by upstream key: out of any attempt's flight, and claimable for more
 * than `$1` ms (their lease ended), or held by an owner provably gone (registered on the server that runs now, its
 * lock free: `GONE_OWNERS` without its upstream test). Reads every pending row: run once a minute, never per claim.
 */
export const STRANDED = `SELECT s.upstream, count(*)::int AS entries FROM iso8583_saf s
  LEFT JOIN iso8583_saf_owner o ON o.owner = s.lease_owner
  WHERE s.done_at IS NULL AND (s.attempt_until IS NULL OR s.attempt_until < now())
    AND (s.lease_until < now() - $1 * interval '1 millisecond'
      OR (${registeredHere('o')} AND ${ownerLockFree('o.key')}))
  GROUP BY s.upstream ORDER BY s.upstream`;
