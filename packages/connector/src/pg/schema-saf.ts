/**
 * The SAF queue's tables (reversals and advices waiting to be delivered), versions 1-99 (16 so far).
 *
 * `iso8583_saf`: one row per entry. `entry` is the entry as the connector made it (JSON, opaque here beyond `id` and
 * `at`); `attempts` the attempts recorded (each before it was sent). `lease_owner` is the node that holds the entry
 * and `lease_until` (the database's clock) when its hold ends unless renewed: another node may claim it after. A row
 * with `done_at` set is finished (`outcome`) and is never sent again; it is deleted `purgeAfter` ms later. `txn` is the
 * transaction key of an entry added with `addOriginal` (unique while pending), else NULL. `attempt_until` (version 6)
 * is when the last attempt recorded is over at the latest (its `flight`): no node claims the entry before.
 *
 * `iso8583_saf_owner`: one row per node that holds its owner lock (owner-lock.ts): an entry whose `lease_owner` has a
 * row here registered on the server that runs now (`server_started` and `server_token`, version 7) and whose lock no session holds is
 * claimed at once, without waiting for its lease (found by the index `iso8583_saf_lease_owner` on the pending rows,
 * version 5).
 */
import type { Migration } from './migrations.js';

/**
 * `create` (a `CREATE [UNIQUE] INDEX IF NOT EXISTS name ...`) run by a migration, after dropping an index of that
 * `name` left invalid: a `CREATE INDEX CONCURRENTLY` an operator ran by hand before the upgrade (so that writes to the
 * table go on while it builds; see docs/operations.md) and that failed or was cancelled leaves its index in the
 * catalog, invalid (never used by a query, yet kept up by every write), and `IF NOT EXISTS` alone would keep it. A
 * valid one is kept as it is: the step records itself without building it again.
 */
function indexStep(name: string, create: string): string {
  return `DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('${name}') AND NOT indisvalid) THEN DROP INDEX ${name}; END IF;
    END $$;
    ${create}`;
}

export const SAF_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'saf entries',
    sql: `CREATE TABLE iso8583_saf (
      id text PRIMARY KEY,
      upstream text NOT NULL DEFAULT '',
      entry jsonb NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      done_at timestamptz,
      outcome text,
      lease_owner text NOT NULL,
      lease_until timestamptz NOT NULL
    );
    CREATE INDEX iso8583_saf_claimable ON iso8583_saf (upstream, lease_until) WHERE done_at IS NULL;
    CREATE INDEX iso8583_saf_done ON iso8583_saf (done_at) WHERE done_at IS NOT NULL;`,
  },
  {
    // The pending entries of a transaction (terminal, STAN), whatever node holds them: a request is refused while one
    // is pending (saf-sql.ts, ADD). Not unique: rows of earlier versions may repeat a transaction.
    version: 2,
    name: 'saf entries by transaction',
    sql: indexStep(
      'iso8583_saf_transaction',
      `CREATE INDEX IF NOT EXISTS iso8583_saf_transaction ON iso8583_saf (upstream, (entry->'reversal'->>'41'), (entry->'reversal'->>'11'))
      WHERE done_at IS NULL AND entry->>'kind' IS NULL;`,
    ),
  },
  {
    // The transaction key of a guarded row (saf-sql.ts, ADD), unique while pending: an add of the same transaction on
    // two nodes at once (neither sees the other's uncommitted row) stores one. Rows of earlier versions have none.
    version: 3,
    name: 'saf guarded transaction key',
    sql: `ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS txn text;
    ${indexStep('iso8583_saf_txn', 'CREATE UNIQUE INDEX IF NOT EXISTS iso8583_saf_txn ON iso8583_saf (txn) WHERE done_at IS NULL AND txn IS NOT NULL;')}`,
  },
  {
    // The owners that hold their owner lock (owner-lock.ts): `key` numbers the lock, `locked_at` is when its session
    // took it (an owner whose lock went with a server restart is not taken for gone). Nodes of earlier versions
    // register nothing: their entries wait for their lease, as before.
    version: 4,
    name: 'saf owners',
    sql: `CREATE TABLE IF NOT EXISTS iso8583_saf_owner (
      owner text PRIMARY KEY,
      key integer GENERATED ALWAYS AS IDENTITY UNIQUE,
      locked_at timestamptz NOT NULL DEFAULT now()
    );`,
  },
  {
    // The pending entries of an owner (saf-sql.ts, CLAIM_GONE: those of owners gone; owner-lock-sql.ts, PURGE_OWNERS:
    // an owner that holds none): looked up, not read through every pending row each second on every node.
    version: 5,
    name: 'saf pending entries by owner',
    sql: indexStep('iso8583_saf_lease_owner', 'CREATE INDEX IF NOT EXISTS iso8583_saf_lease_owner ON iso8583_saf (lease_owner) WHERE done_at IS NULL;'),
  },
  {
    // Until when the last attempt recorded may be in flight (written, its answer awaited), on the database's clock: no
    // claim takes the entry before (saf-sql.ts, ATTEMPT, claimWhere). NULL: no attempt in flight (none recorded, or
    // one taken back). Rows of earlier versions have none: taken as before. And each owner's upstream (owner-lock-sql.ts,
    // REGISTER): only a claim of that upstream finds it gone (GONE_OWNERS); NULL (an older node's): any claim.
    version: 6,
    name: 'saf attempt in flight, owner upstream',
    sql: `ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS attempt_until timestamptz;
    ALTER TABLE iso8583_saf_owner ADD COLUMN IF NOT EXISTS upstream text;`,
  },
  {
    // The server an owner took its lock on: its `pg_postmaster_start_time()` then (owner-lock-sql.ts, REGISTER). A
    // lock lives in one server's memory and is not replicated; the row is: on a standby promoted (its own postmaster)
    // or a server restarted, an owner registered before holds no lock there, alive or not, and is never taken for gone
    // (GONE_OWNERS, STRANDED: only an owner registered on the server that runs now). The rows there already get NULL
    // (registered by an earlier version, maybe before a restart: never taken for gone, their entries wait for their
    // lease); a row made later gets the server's start by default, also one a node of an earlier version still running
    // makes (its REGISTER does not name the column; its `DO UPDATE` leaves it as it was: at worst never gone, after a
    // restart or a failover). Added without a rewrite (the default set apart: for the rows to come, not those there).
    //
    // And the server's incarnation (owner-lock-sql.ts, SERVER_TOKEN): a random token in an UNLOGGED one-row table,
    // filled by the first node that registers. A crash-restart (a backend killed, by the OOM killer say: every session
    // ended, the server reinitialised) keeps `pg_postmaster_start_time()` but empties unlogged tables, as a promoted
    // standby starts with them empty: an owner registered before has another token (`server_token`), and is never
    // taken for gone either. A row made by an earlier version's node gets the token of the moment by default (NULL
    // before any node of this version registered: never gone), as it gets the server's start.
    version: 7,
    name: 'saf owner server',
    sql: `ALTER TABLE iso8583_saf_owner ADD COLUMN IF NOT EXISTS server_started timestamptz;
    ALTER TABLE iso8583_saf_owner ALTER COLUMN server_started SET DEFAULT pg_postmaster_start_time();
    CREATE UNLOGGED TABLE IF NOT EXISTS iso8583_server_token (one boolean PRIMARY KEY DEFAULT true CHECK (one), token text NOT NULL);
    CREATE OR REPLACE FUNCTION iso8583_server_token() RETURNS text LANGUAGE sql STABLE AS 'SELECT token FROM iso8583_server_token';
    ALTER TABLE iso8583_saf_owner ADD COLUMN IF NOT EXISTS server_token text;
    ALTER TABLE iso8583_saf_owner ALTER COLUMN server_token SET DEFAULT iso8583_server_token();`,
  },
  {
    // A reversal's answer that undid nothing (`25`, original not found: it overtook its original at the bank), and a
    // late approval of its original, may reach two nodes (overtaken-sql.ts): `undid_nothing` is the code of such an
    // answer, written before the entry's end, read by the node that reverses the late approval (its repeat's id is the
    // row's: stored once);
    // `late_approval` the approval's kept fields (MTI, STAN, terminal, response code, amounts: no card data) when it
    // came while the entry was pending, read by the node whose reversal is answered. Rows last `purgeAfter`, as
    // before (one holding a code, and its `.again` repeat, at least `OWED_FOR_MS`). Their index is step 10's.
    // Nullable, added without a rewrite: a node of version 7 still running writes neither and reads neither
    // (its late approvals are handled in its memory only, as before); one starting after this step is refused (a newer
    // schema). A step, once released, never changes: what it lacks is a step of its own (step 10).
    version: 8,
    name: 'saf reversal that undid nothing',
    sql: `ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS undid_nothing text;
    ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS late_approval jsonb;`,
  },
  {
    // Where an original went, any node's (originals-sql.ts, ORIGINAL_UPSTREAM: an upstream group's reversal, advice or
    // repeat of an original this process does not remember): the reversal entries of a transaction (terminal, STAN),
    // pending or done (until their purge), found without reading the table (300000 rows: 108 ms read, 0.1 ms by this
    // index). One index entry more per entry's add and end.
    version: 9,
    name: 'saf originals by transaction',
    sql: indexStep(
      'iso8583_saf_original',
      `CREATE INDEX IF NOT EXISTS iso8583_saf_original ON iso8583_saf ((entry->'reversal'->>'41'), (entry->'reversal'->>'11'))
      WHERE entry->>'kind' IS NULL;`,
    ),
  },
  {
    // The rows of a transaction holding a code that undid nothing or a late approval (step 8's columns; overtaken-sql.ts
    // looks them up by `=`): a done row is in no other index of its transaction. It was added to step 8 after builds
    // that had step 8 without it had run: a database they migrated to step 8 never got it (step 8 is recorded, so never
    // run again), and every look-up read the table. A step of its own runs on every database; `IF NOT EXISTS` (and
    // `indexStep`) keeps the index a database migrated by a build with the longer step 8 already has.
    version: 10,
    name: 'saf rows that undid nothing by transaction',
    sql: indexStep(
      'iso8583_saf_overtaken',
      `CREATE INDEX IF NOT EXISTS iso8583_saf_overtaken ON iso8583_saf (upstream, (entry->'reversal'->>'41'), (entry->'reversal'->>'11'))
      WHERE undid_nothing IS NOT NULL OR late_approval IS NOT NULL;`,
    ),
  },
  {
    // When a late approval was left on a row (overtaken-sql.ts): as it came, by a look-up (`LATE_APPROVAL`: its arrival),
    // or passed on to it from a row that ended otherwise than reversed (`passingOn`: then). A row that ends passes its
    // approval on only to a reversal of its transaction that undid nothing in time for it (an older one is another
    // transaction's), and the repeat it calls for is owed (`REPEATS_OWED`), and its row kept (`PURGE`), from then, not
    // from the row's end. Nullable, added without a rewrite: rows of earlier versions have none (counted from their
    // end, as before); a node of version 10 still running writes none.
    version: 11,
    name: 'saf late approval time',
    sql: 'ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS late_approval_at timestamptz;',
  },
  {
    // The upstream (`host:port`) each store key's entries belong to (upstream-marker.ts): a start pointed at another
    // bank is refused while its keys still owe entries recorded for the one before; one that owes nothing rewrites the
    // row. A new table, nothing rewritten: a node of version 11 still running records nothing (its keys' rows, when
    // missing, are taken as the next start's upstream's, as on a database from before).
    version: 12,
    name: 'saf upstream address per key',
    sql: `CREATE TABLE IF NOT EXISTS iso8583_saf_upstream (
      upstream text PRIMARY KEY,
      address text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );`,
  },
  {
    // Two records of the late approvals' bookkeeping (overtaken-sql.ts). `covered_by`: the row whose code covers this
    // row's late approval (UNDID_NOTHING wrote no code here, its repeat being owed there), and `covered_code` the code
    // this row's reversal was answered: when that row ends otherwise than reversed, its code cleared by a re-attempt
    // (ATTEMPT) and its repeat never stored, the obligation goes back to this row, once (`passingOn`). `retired_at`:
    // when a request of the row's booking approved in time retired the booking's code that undid nothing (saf-sql.ts
    // `DONE`): a late approval arriving after it is that approval, left on no row (`LATE_APPROVAL`). Nullable, added
    // without a rewrite: a node of version 12 still running writes none of them (as before: a row it covers carries
    // no link, a retirement it records is not remembered) and a row of earlier versions has none.
    version: 13,
    name: 'saf late approval covered by, retirement',
    sql: `ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS covered_by text;
    ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS covered_code text;
    ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS retired_at timestamptz;`,
  },
  {
    // The bank each entry belongs to (upstream-marker.ts `ofBank`): the address (`host:port`, upstream-marker.ts
    // `upstreamAddress`'s form) of the node that added it. Claims and the repeats owed take only their node's bank's
    // entries: a key's row that comes to name another bank no longer hands the entries kept under it to that bank's
    // nodes. The rows stored before are left NULL (no backfill): such a row is taken as its key's row names it when
    // read (upstream-marker.ts `entryBank`), so one stranded before the upgrade (a bank's entry under a key whose row
    // came to name another) is still recovered by pointing the row back, not stamped with the other bank for ever; and
    // the step is the ALTER alone (no table scan under its ACCESS EXCLUSIVE lock, which older nodes' adds and claims
    // would wait on during a rolling upgrade). Nullable, added without a rewrite: a node of version 13 still running
    // writes none (its rows are taken as their key's row names them when read) and claims without it (as before: the
    // protection holds once every node runs this version).
    version: 14,
    name: 'saf entry bank',
    sql: 'ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS bank text;',
  },
  {
    // Each owner's bank (owner-lock-sql.ts, REGISTER: its node's address, upstream-marker.ts `upstreamAddress`'s form):
    // a claim finds gone only the owners of its own bank (GONE_OWNERS), whose entries it may take; the row of a dead
    // owner holding another bank's entries (kept while it holds them) is not locked by every claim of the other bank's
    // nodes each second for nothing. The ALTER alone (no backfill, no rewrite): an owner row made before, or by a node
    // of version 14 still running, has none, and is found gone by any claim of its key (as before).
    version: 15,
    name: 'saf owner bank',
    sql: 'ALTER TABLE iso8583_saf_owner ADD COLUMN IF NOT EXISTS bank text;',
  },
  {
    // When the cap on repeats (reversal-again.ts `REPEATS_AGAIN_MAX`) refused the repeat a row's late approval calls
    // for (its `againId`; overtaken-sql.ts `CAP_REPEAT`): no node stores it after (`REPEATS_OWED`, `LATE_APPROVAL`,
    // `UNDID_NOTHING` skip it). The cap was each process's memory alone: the row stayed owed, and another node, or the
    // same after a restart, stored and sent the repeat the cap had refused. The ALTER alone (nullable, no rewrite nor
    // backfill): a node of version 15 still running writes none and reads none (it may still send a repeat another
    // node refused, as before: the protection holds once every node runs this version).
    version: 16,
    name: 'saf repeat capped',
    sql: 'ALTER TABLE iso8583_saf ADD COLUMN IF NOT EXISTS repeats_capped_at timestamptz;',
  },
];
