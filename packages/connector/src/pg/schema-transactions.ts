/**
 * The transaction log's table, versions 100-199. One row per record. Version 100 kept the allow-listed record as JSON
 * (`record`); from version 101 each value has a column of its own (`record` NULL): a row is a third of the bytes, and the
 * server parses no JSON (measured: some 2-4 us less server CPU per row, and less on the gateway to write it). `node` is
 * the gateway node that handled the request: every node writes to the one table, so any node answers for all of them.
 *
 * The indexes (version 102) serve the filters of a query, newest first (`ORDER BY at DESC, seq DESC`), each with as
 * little work per stored row as that allows (every row pays for every index, a query pays once):
 * - the primary key `(at, seq)` is also the time index: the newest rows, a time range, and `prune`, read backward or
 *   forward; rows arrive in time order, so its inserts go to its last page;
 * - `terminal` is a B-tree on `(terminal, at DESC, seq DESC)` (version 100): one terminal may have millions of rows,
 *   and a query for its newest reads only `limit` of them, in the index's order (the query's whole order: no sort, the
 *   plan the planner picks for a busy terminal; measured, `(terminal, at)` alone saved nothing worth a sort);
 * - `stan` and `rrn` were hash indexes (versions 102 and 103; one GIN index on both from version 104, below): an
 *   equality finds the few rows of a STAN (six digits, a value recurs on each terminal and after each wrap) or of an
 *   RRN (about one row), which the query sorts. A hash entry is a 4-byte hash code, found without comparing texts:
 *   measured apart, the heap row and its four index entries cost the server some 35 % less CPU than the five B-tree
 *   entries of version 101 (2-7 us a transaction in a gateway; see docs/operations.md).
 *
 * Version 103 keeps the planner's statistics (ANALYZE) to the columns a query filters or orders on: the table grows
 * by every request, so autovacuum analyzes it again and again, and the other sixteen columns only cost it CPU.
 *
 * Version 105 adds `iso8583_transaction_batches`: the token of each batch (batch-token.ts), stored in the batch's
 * transaction and deleted by a later one, so that a batch sent again after its answer was lost is stored once.
 *
 * Version 104 finds STANs and RRNs through one GIN index instead of two hash indexes: its key is the array
 * {@link TRANSACTION_KEYS} (`ARRAY[stan, rrn]`), and with `fastupdate` (GIN's default) a row's two keys are appended to
 * the index's pending list and merged into the index in bulk, sorted, once the list is over `gin_pending_list_limit`
 * (4 MB by default; a query reads the list too). Measured apart (bench/explore/pg-index-variants.bench.ts), it saves no
 * server CPU: 2026-12-01's two runs gave the hash indexes some 5 us a row and the GIN index some 3, but no run since
 * has shown it (one had the GIN index dearer, 13.1-13.4 against 11.9; 2026-12-03 0.1-0.9 us dearer, within or just
 * past the spread of the rounds, +-1.5 us: 11.1, 12.2, 11.5 against 10.3, 12.1, 10.6), and the GIN index writes about 28 % more WAL a row (760 bytes against 595)
 * and makes a query by STAN or RRN read its pending list (2-3 ms with 40,000 rows in it, 13-16 ms full; 0.2-1 ms
 * merged, as the hash indexes always take): see docs/operations.md. Kept in this release (going back rebuilds both
 * indexes under ACCESS EXCLUSIVE on a large table, and older nodes would run the new query as a scan): the next
 * candidate change of the table, a migration with its test. A query
 * asks `ARRAY[stan, rrn] @> ARRAY[$1] AND stan = $1` (or `rrn`): the index finds the rows holding the value as either key, the equality keeps those where it is
 * the STAN (a STAN and an RRN are never the same length in practice, but nothing relies on it). `stan`, `rrn` and
 * `terminal` take the `"C"` collation (byte order): GIN sorts its keys when it merges the pending list, and a B-tree
 * compares texts on every insert; in a database of a language's collation (`en_US.UTF-8`, ICU `en-US`) each comparison
 * would go through it (measured: the GIN merge some 4 us a row dearer in an ICU `en-US` database). Equality, all a
 * query asks of these columns, is the same in any deterministic collation; no query orders by them.
 */
import type { Migration } from './migrations.js';

/**
 * The columns no query of the log filters or orders on (transaction-sql.ts reads them, never selects by them): from
 * version 103, ANALYZE gathers no statistics on them. Listed once, for the migration and its test.
 */
export const UNQUERIED_COLUMNS: readonly string[] = [
  'record', 'node', 'latency_ms', 'outcome', 'upstream', 'mti', 'response_mti', 'pan', 'processing_code', 'amount', 'currency',
  'transmission_time', 'local_time', 'local_date', 'auth_code', 'response_code', 'merchant', 'error_code',
];

/**
 * The key of the GIN index on STAN and RRN (schema version 104): the expression of the index, written once for the
 * migration and for the query, which must name it as it is for the planner to use the index.
 */
export const TRANSACTION_KEYS = 'ARRAY[stan, rrn]';

export const TRANSACTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 100,
    name: 'transaction log',
    sql: `CREATE TABLE iso8583_transactions (
      seq bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      node text NOT NULL,
      stan text,
      terminal text,
      rrn text,
      record json NOT NULL
    );
    CREATE INDEX iso8583_transactions_at ON iso8583_transactions (at DESC, seq DESC);
    CREATE INDEX iso8583_transactions_stan ON iso8583_transactions (stan, at DESC, seq DESC) WHERE stan IS NOT NULL;
    CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at DESC, seq DESC) WHERE terminal IS NOT NULL;
    CREATE INDEX iso8583_transactions_rrn ON iso8583_transactions (rrn, at DESC, seq DESC) WHERE rrn IS NOT NULL;`,
  },
  {
    // Adding a column with no default and dropping a NOT NULL change the catalog only: no row is rewritten, whatever
    // the size of the table. Rows of version 100 keep their JSON (`record`) and are read as they are.
    version: 101,
    name: 'transaction log: one column per value',
    sql: `ALTER TABLE iso8583_transactions
      ALTER COLUMN record DROP NOT NULL,
      ADD COLUMN latency_ms double precision,
      ADD COLUMN outcome text,
      ADD COLUMN upstream text,
      ADD COLUMN mti text,
      ADD COLUMN response_mti text,
      ADD COLUMN pan text,
      ADD COLUMN processing_code text,
      ADD COLUMN amount text,
      ADD COLUMN currency text,
      ADD COLUMN transmission_time text,
      ADD COLUMN local_time text,
      ADD COLUMN local_date text,
      ADD COLUMN auth_code text,
      ADD COLUMN response_code text,
      ADD COLUMN merchant text,
      ADD COLUMN error_code text;`,
  },
  {
    // Builds three indexes (in the migration's transaction, which holds the table ACCESS EXCLUSIVE until it commits: on
    // a large table, reads and writes wait for the builds; the rows themselves are not rewritten). The primary key moves from `seq` to `(at, seq)` and replaces the `at` index;
    // `prune` finds its rows by `at`; `stan` and `rrn` become hash indexes; `terminal` stays. Rows of every version
    // keep their place and are read as they were.
    version: 102,
    name: 'transaction log: the primary key is the time index; hash indexes for STAN and RRN',
    sql: `ALTER TABLE iso8583_transactions DROP CONSTRAINT iso8583_transactions_pkey;
    DROP INDEX iso8583_transactions_at, iso8583_transactions_stan, iso8583_transactions_rrn;
    ALTER TABLE iso8583_transactions ADD CONSTRAINT iso8583_transactions_pkey PRIMARY KEY (at, seq);
    CREATE INDEX iso8583_transactions_stan ON iso8583_transactions USING hash (stan);
    CREATE INDEX iso8583_transactions_rrn ON iso8583_transactions USING hash (rrn);`,
  },
  {
    // Catalog only (no row, no index touched): ANALYZE (autovacuum's, on a table that grows by every request) keeps
    // statistics for the columns a query filters or orders on (`at`, `seq`, `stan`, `terminal`, `rrn`) and no longer
    // samples and sorts the sixteen others, which no plan reads: measured, an ANALYZE of 300,000 rows took 210-315 ms
    // of the server's CPU before, 98-131 ms after (see docs/operations.md).
    version: 103,
    name: 'transaction log: planner statistics only for the columns a query filters on',
    sql: `ALTER TABLE iso8583_transactions ${UNQUERIED_COLUMNS.map((c) => `ALTER COLUMN ${c} SET STATISTICS 0`).join(', ')};`,
  },
  {
    // The collation of a column changes in the catalog only (text stays text: no row is rewritten); the indexes on the
    // three columns are dropped first and two built again (in the migration's transaction, which holds the table
    // ACCESS EXCLUSIVE until it commits: on a large table, reads and writes wait for the builds).
    version: 104,
    name: 'transaction log: one GIN index for STAN and RRN; the key columns in the "C" collation',
    sql: `DROP INDEX iso8583_transactions_stan, iso8583_transactions_rrn, iso8583_transactions_terminal;
    ALTER TABLE iso8583_transactions
      ALTER COLUMN stan TYPE text COLLATE "C",
      ALTER COLUMN rrn TYPE text COLLATE "C",
      ALTER COLUMN terminal TYPE text COLLATE "C";
    CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at DESC, seq DESC) WHERE terminal IS NOT NULL;
    CREATE INDEX iso8583_transactions_keys ON iso8583_transactions USING gin ((${TRANSACTION_KEYS}));`,
  },
  {
    // A new table, no row of the log touched: the token each batch stores with its rows (batch-token.ts), so that a
    // batch sent again after its answer was lost is stored once. Tokens are deleted 32 at a time by a later batch.
    version: 105,
    name: 'transaction log: a token per batch, so that a batch sent again is stored once',
    sql: `CREATE TABLE iso8583_transaction_batches (id text COLLATE "C" PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());`,
  },
];
