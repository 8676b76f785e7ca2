/** The SAF queue's tables (reversals and advices waiting to be delivered), versions 1-99. */
import type { Migration } from './migrations.js';

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
      lease_owner text,
      lease_until timestamptz
    );
    CREATE INDEX iso8583_saf_pending ON iso8583_saf (lease_until) WHERE done_at IS NULL;`,
  },
];
