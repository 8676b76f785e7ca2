/**
 * The transaction log's table, versions 100-199. One row per record: `record` is the allow-listed record itself
 * (`json`, kept as written: nothing queries inside it, and `json` takes a third less time to insert than `jsonb`; see
 * transaction-record.ts), beside it the columns that queries filter and sort on, each with an index that
 * ends in the sort order of a query (newest first: `at DESC, seq DESC`), so that a query by STAN, terminal or RRN reads
 * only its rows and stops at `limit`. `node` is the gateway node that handled the request: every node writes to the
 * one table, so any node answers for all of them.
 */
import type { Migration } from './migrations.js';

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
];
