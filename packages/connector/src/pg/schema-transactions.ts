/** The transaction log's tables, versions 100-199. */
import type { Migration } from './migrations.js';

export const TRANSACTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 100,
    name: 'transaction log',
    sql: `CREATE TABLE iso8583_transactions (
      seq bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      record jsonb NOT NULL,
      stan text,
      terminal text,
      rrn text
    );
    CREATE INDEX iso8583_transactions_at ON iso8583_transactions (at DESC);
    CREATE INDEX iso8583_transactions_stan ON iso8583_transactions (stan, at DESC);
    CREATE INDEX iso8583_transactions_terminal ON iso8583_transactions (terminal, at DESC);
    CREATE INDEX iso8583_transactions_rrn ON iso8583_transactions (rrn, at DESC);`,
  },
];
