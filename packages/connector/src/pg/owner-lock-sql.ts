/**
 * The statements of the owner lock (owner-lock.ts) on `iso8583_saf_owner` (schema-saf.ts, version 4), and the test
 * of an owner's liveness the SAF statements use (saf-sql.ts). An owner's lock is the session advisory lock
 * `(OWNER_LOCK_NAMESPACE, key)` (the two-int4 form: `pg_locks` shows it as `classid`, `objid`, `objsubid = 2`), `key`
 * the owner's row's own number (unique: no two owners share a lock, unlike a hash of the name). The server releases
 * it when the session that took it ends: the process died (even by SIGKILL: its socket closes), or its connection was
 * cut or ended by the server.
 */

/** The first key of every owner lock: keeps them apart from the other advisory locks (migrations.ts, terminal-lock.ts). */
export const OWNER_LOCK_NAMESPACE = 858_300_003;

/** True while the owner lock of key `key` (an SQL expression) is held, or asked for, by a session of this database. */
export function ownerLockHeld(key: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${OWNER_LOCK_NAMESPACE} AND l.objid = ${key} AND l.objsubid = 2)`;
}

/**
 * True while no session holds, or asks for, the owner lock of key `key`: a test of each row, made again on a row's new
 * version when the statement waited for a change to it (`IS NOT TRUE`: a `NOT EXISTS` is turned into a join by the
 * planner, and a join is not made again then: the row of an owner that took its lock back meanwhile passed as free).
 */
export function ownerLockFree(key: string): string {
  return `${ownerLockHeld(key)} IS NOT TRUE`;
}

/**
 * The token of the server's incarnation (NULL until a node registers on it; see {@link FILL_SERVER_TOKEN}): a SQL
 * function of schema version 7, also the default of `server_token` (an earlier version's REGISTER names no token).
 */
const CURRENT_TOKEN = 'iso8583_server_token()';

/**
 * Makes the token of the server's incarnation, unless there is one: a random value in the UNLOGGED one-row table
 * `iso8583_server_token` (schema-saf.ts, version 7). PostgreSQL empties an unlogged table after a crash-restart (a
 * backend killed: the postmaster ends every session and reinitialises, its `pg_postmaster_start_time()` unchanged),
 * and a promoted standby starts with it empty; a clean restart keeps it, but changes the start time. Run as a
 * statement of its own before {@link REGISTER}: two nodes that race both see the one token that won (the loser's
 * insert waits for the winner's commit, and `REGISTER`, a later statement, sees it), which one statement would not (its
 * snapshot taken before that commit). `md5(random() ...)`: no extension needed (`gen_random_uuid` is core only from
 * PostgreSQL 13).
 */
export const FILL_SERVER_TOKEN = `INSERT INTO iso8583_server_token (token)
  VALUES (md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text))
  ON CONFLICT (one) DO NOTHING`;

/**
 * True for an owner row `o` registered (its lock taken) on the server that runs now: the same postmaster, so that its
 * lock, if free, was given up on this server (its session ended) and not lost with a server that is gone. Advisory
 * locks live in one server's memory; owner rows are replicated: on a standby promoted after the primary failed (its
 * own postmaster, started at another time, maybe before every owner registered) or on a server restarted, no session
 * holds an owner's lock, whether the node runs or not, and a live node may not have seen its lock's session go yet (a
 * connection to the old primary hanging silently): it could still be writing an original whose entry another node
 * would reverse. Such an owner is never taken for gone: its entries wait for their lease, and a live node registers
 * on the new server at its next statement (each checks the lock), which makes it judged there from then on. Compared
 * by the server's identity, not by time (`locked_at` against `pg_postmaster_start_time()`): a standby started before
 * the owners registered on the primary found them all gone at once, and two machines' clocks need not agree. The
 * identity is the postmaster's start and the incarnation's token ({@link FILL_SERVER_TOKEN}): a crash-restart keeps
 * the start but not the token (it made every live owner gone at once, claimed before they registered again). NULL (a
 * row of an earlier version's node, schema version 7), or no token yet: never gone.
 */
export function registeredHere(o: string): string {
  return `(${o}.server_started = pg_postmaster_start_time() AND ${o}.server_token = ${CURRENT_TOKEN})`;
}

/**
 * When the server process of session `a` (a row of `pg_stat_activity`) started: microseconds since the epoch, as a
 * `bigint` (the driver reads it as a string, exact; no date style or time zone of the session in it). With the
 * process's number it names one session: a number is reused once its process has ended.
 */
const BACKEND_STARTED = (a: string): string => `(extract(epoch FROM ${a}.backend_start) * 1000000)::bigint`;

/**
 * True while the owner lock of key `key` is held by the session whose server process is `pid`, started at `started`
 * ({@link BACKEND_STARTED}), all SQL expressions: that very session, not another one of the same owner name (its node
 * restarted) nor a later process given the same number. The start is not compared (the process's number alone) when
 * `started` is NULL or the holder's start cannot be read: PostgreSQL shows it only to a session with the rights of the
 * holder's role (or `pg_read_all_stats`), and a pool whose sessions run under another role than the lock's (a caller's
 * pool whose 'connect' hook sets its role; the lock's session gets the pool's options, not its hooks) read NULL, which
 * made the node's own lock look gone: every not-needed refused, the lock dropped, taken again and refused again
 * (sr68b #1; docs/operations.md says which role reads it). The same "this process, this start" as {@link END_HUNG},
 * whose NULL rule is the other way: it ends a process, so it needs the start read and equal (never a reused number).
 * What every statement of a node's own entries tests (saf-sql.ts `whileLockHeld`: `ADD`, `ATTEMPT`, `RENEW`...; `DONE`
 * through {@link ownerGone}).
 */
export function ownerLockHeldBy(key: string, pid: string, started: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${OWNER_LOCK_NAMESPACE} AND l.objid = ${key} AND l.objsubid = 2 AND l.pid = ${pid}::int
      AND (SELECT ${BACKEND_STARTED('a')} = ${started}::bigint FROM pg_stat_get_activity(l.pid) a) IS NOT FALSE)`;
}

/**
 * True when owner `owner` (an SQL expression: its name), whose owner lock's key is `key` (an SQL expression: the
 * journal's own lock's key, NULL without one), is gone as the journal that sends the statement knows it: registered on
 * the server that runs now ({@link registeredHere}) and its lock not held by that journal's lock session (server
 * process `pid`, started at `started`: SQL expressions, `REGISTER`'s `pid` and `started` when the lock was last
 * taken; NULL `pid`: none). Held by no session (as {@link GONE_OWNERS} judges an owner gone), or by another session:
 * the node killed and restarted under the same name, which took the lock back before this statement, sent by the dead
 * process, ran (sr67p #2); a live node whose lock was taken again since it sent the statement is refused too, and runs
 * it again under the new session (journal-batches.ts `markDone`). False when `key` is NULL (this journal holds no owner
 * lock: a stale row of the same name, left by an earlier run with the lock, says nothing of it), for an owner with no
 * row (never registered) or registered on another server's incarnation: its entries wait for their lease. What a
 * `done` of `not-needed` tests (saf-sql.ts `DONE`): another node may claim such an owner's entries at once
 * (`CLAIM_GONE`), and a restarted one holds them under its name, so a late commit of a node that died must not end one.
 */
export function ownerGone(owner: string, key: string, pid: string, started: string): string {
  return `(${key}::int IS NOT NULL AND EXISTS (SELECT 1 FROM iso8583_saf_owner o
    WHERE o.key = ${key}::int AND o.owner = ${owner} AND ${registeredHere('o')} AND ${ownerLockHeldBy('o.key', pid, started)} IS NOT TRUE))`;
}

/**
 * The owners provably gone other than `$1` whose upstream (the key their entries are added under, schema version 6) is
 * one of `$3` (the claim's keys; an owner registered by an older version has none: any claim's): registered on the
 * server that runs now ({@link registeredHere}), and whose lock no session holds. An owner whose lock went with a
 * server restart or a failover (every session ended, live nodes' too) is not among them: its entries wait for their
 * lease; so is one that never registered (the owner lock off, or an older version). Nor is an owner gone of another upstream:
 * one whose upstream no running node serves keeps its row (and its entries) until a node of that upstream takes them,
 * and its row is not locked by every claim of every node each second (a row lock is written to the row, and logged).
 * Likewise an owner of another bank than the claim's `$5` (its `bank`, SAF step 15, as {@link REGISTER} recorded it;
 * NULL, an owner of a node without an address or of an older version, or a claim without one: any claim's): a claim
 * takes only its own bank's entries (saf-sql.ts `claimWhere`), and a dead owner's row stays while it holds pending
 * entries, so a dead node's entries under a key now at another bank would have that bank's nodes lock its row each
 * claim, indefinitely, for nothing. Such an owner's entries of the claim's bank (none but rows stored before SAF step
 * 14, taken as their key's row names them when read) wait for their lease instead.
 * A column, not a subquery of the owner's pending entries: the planner turned that into a join that read every pending
 * row (an `EXISTS`: 10 ms a claim with 50,000 pending instead of 1.1), or a plan costly enough to be compiled (JIT) at
 * every claim (`count(*)`: 270 ms), `bench/explore/pg-claim-gone.bench.ts`.
 *
 * Each row is locked `FOR SHARE` until the statement's transaction ends: the owner's own `REGISTER` (its lock taken
 * again, a `DO UPDATE` of that row) waits for the claim that found it gone, so that the owner records no attempt of an
 * entry the claim is taking over (it would send it while the claiming node sends it too); and a claim that reaches a
 * row a `REGISTER` is changing waits for it, and sees the lock it took (`ownerLockFree`). The rows are locked in owner
 * order (`ORDER BY` in the locking query: the rows are sorted, then locked), as every statement that locks several
 * owner rows takes them (upstream-marker.ts `RESTAMP`, {@link PURGE_OWNERS}): in the table's order a claim deadlocked
 * with a start's `RESTAMP` locking the same two rows the other way round (PostgreSQL aborts one; sr63i).
 */
export const GONE_OWNERS = `SELECT o.owner FROM iso8583_saf_owner o
      WHERE o.owner <> $1 AND ${registeredHere('o')}
        AND (o.upstream IS NULL OR o.upstream = ANY($3::text[]))
        AND ($5::text IS NULL OR o.bank IS NULL OR o.bank = $5::text)
        AND ${ownerLockFree('o.key')}
      ORDER BY o.owner FOR SHARE OF o`;

/**
 * Registers owner `$1` of upstream `$2` and bank `$3` (the node's address in upstream-marker.ts `upstreamAddress`'s
 * form; NULL without one) (its row made, or `locked_at`, `upstream`, `bank`, `server_started` and `server_token`
 * renewed: the server it takes its lock on, {@link registeredHere}; run after {@link FILL_SERVER_TOKEN}) and takes its
 * lock in the same statement, so that no other session sees the row without the lock taken (unless `locked` is false:
 * a live session of the same owner name holds it). Also returns the session's server process (`pid`,
 * `pg_backend_pid()`: behind a relay that pools by session, the driver's `processID` is the relay's, not the server's)
 * and when it started (`started`, {@link BACKEND_STARTED}): what {@link END_HUNG} needs to end that session, hung.
 */
export const REGISTER = `WITH o AS (
    INSERT INTO iso8583_saf_owner AS o (owner, upstream, bank, server_started, server_token)
      VALUES ($1, $2, $3, pg_postmaster_start_time(), ${CURRENT_TOKEN})
    ON CONFLICT (owner) DO UPDATE SET locked_at = now(), upstream = $2, bank = $3, server_started = pg_postmaster_start_time(),
      server_token = EXCLUDED.server_token
    RETURNING o.key)
  SELECT key, pg_try_advisory_lock(${OWNER_LOCK_NAMESPACE}, key) AS locked, pg_backend_pid() AS pid,
    (SELECT ${BACKEND_STARTED('a')} FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()) AS started FROM o`;

/**
 * Ends the server process `$1`, started at `$3` (`started` of {@link REGISTER}), if it is a session holding owner
 * `$2`'s lock: one the owner's node gave up for not answering its ping (its connection hung, owner-lock.ts), which the
 * server may still run, the lock held, until its own keepalive ends it. Only that process, and only while it holds
 * that lock: never another node's session, nor a process whose number was reused (its start differs). Returns nothing
 * of interest; the lock is free once that session has ended. The same "this process, this start" as `ownerLockHeldBy`,
 * with the other NULL rule: a start not read (no rights to the session's activity) ends nothing, where that one, which
 * only keeps a lock alive, compares the process's number alone.
 */
export const END_HUNG = `SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN iso8583_saf_owner o ON o.owner = $2
    JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.pid = $1 AND ${BACKEND_STARTED('a')} = $3::bigint AND l.locktype = 'advisory' AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = ${OWNER_LOCK_NAMESPACE} AND l.objid = o.key AND l.objsubid = 2`;

/**
 * At the open of a journal without the owner lock (`ownerLock: false`) of owner `$1`: forgets this name's row when no
 * session holds its lock (tested again on the row's newest version, `ownerLockFree`, once a claim that locked it
 * committed): a row an earlier run of the same name with the lock left (killed). Kept, other nodes judged that owner
 * gone and took this run's entries at once, whatever their lease (sr67n #4): the lease alone says when they can be
 * claimed without the lock; the earlier run's entries, held under the same name, wait for their lease too (as after a
 * start of the same name with the lock, whose `REGISTER` makes the row live again). `held` is true when a session holds
 * the row's lock now (`pg_locks` is read live: a row another node's `PURGE_OWNERS` deleted after this statement's snapshot
 * is not judged held): a journal of the same name that runs (the start is refused, as with the lock).
 */
export const FORGET_STALE_OWNER = `WITH d AS (DELETE FROM iso8583_saf_owner o WHERE o.owner = $1 AND ${ownerLockFree('o.key')} RETURNING o.owner)
  SELECT EXISTS (SELECT 1 FROM iso8583_saf_owner o WHERE o.owner = $1 AND ${ownerLockHeld('o.key')}) AND NOT EXISTS (SELECT 1 FROM d) AS held`;

/** Forgets owner `$1` (at close: the entries it still holds then wait for their lease). */
export const UNREGISTER = `DELETE FROM iso8583_saf_owner WHERE owner = $1`;

/**
 * Forgets the owners whose lock no session holds and that hold no pending entry. Their rows are locked first, in owner
 * order (`p`, as {@link GONE_OWNERS} and upstream-marker.ts `RESTAMP`; a `DELETE` alone takes them in the table's order,
 * which deadlocked with those), each tested again as locked, then deleted.
 */
export const PURGE_OWNERS = `DELETE FROM iso8583_saf_owner o
  WHERE o.owner IN (SELECT p.owner FROM iso8583_saf_owner p
    WHERE ${ownerLockFree('p.key')}
      AND NOT EXISTS (SELECT 1 FROM iso8583_saf s WHERE s.lease_owner = p.owner AND s.done_at IS NULL)
    ORDER BY p.owner FOR UPDATE OF p)`;

/**
 * The first key of every key lock: a shared session advisory lock `(KEY_LOCK_NAMESPACE, {@link keyLockId})` a node's
 * owner lock session holds on each store key its journal claims (`upstream` and every `formerUpstreams` key), taken
 * with the owner lock (owner-lock.ts) and let go with its session. The owner's row names one key only (`upstream`):
 * the bank-marker check of a start (upstream-marker.ts) finds by these locks the running nodes that claim a key as a
 * former one too. Shared: the nodes of one deployment hold them together; nothing takes them exclusively.
 */
export const KEY_LOCK_NAMESPACE = 858_300_004;

/** The second key of the key lock of the store key `key` (an SQL expression): its hash, as a number of 0 or more. */
export function keyLockId(key: string): string {
  return `(hashtext(${key}) & 2147483647)`;
}

/** Takes the key locks of the keys `$1` (an array) on the owner lock's session (never waits: shared, and never held otherwise). */
export const TAKE_KEY_LOCKS = `SELECT pg_try_advisory_lock_shared(${KEY_LOCK_NAMESPACE}, ${keyLockId('k')}) FROM unnest($1::text[]) k`;

/**
 * The server processes (`pid`) of the running nodes on the key `key` (an SQL expression) other than the owner `owner`
 * (an SQL expression): the sessions holding its key lock, and (nodes of a version before key locks) the owner lock
 * sessions of the owners registered under it; the owner `owner`'s own session left out.
 */
export function liveOnKey(key: string, owner: string): string {
  const here = `l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.objsubid = 2`;
  return `SELECT l.pid FROM pg_locks l WHERE ${here} AND l.granted AND l.classid = ${KEY_LOCK_NAMESPACE} AND l.objid = ${keyLockId(key)}
    UNION SELECT l.pid FROM pg_locks l JOIN iso8583_saf_owner o ON o.upstream = ${key} AND o.owner <> ${owner}
      WHERE ${here} AND l.granted AND l.classid = ${OWNER_LOCK_NAMESPACE} AND l.objid = o.key
    EXCEPT SELECT l.pid FROM pg_locks l JOIN iso8583_saf_owner o ON o.owner = ${owner}
      WHERE ${here} AND l.classid = ${OWNER_LOCK_NAMESPACE} AND l.objid = o.key`;
}
