/**
 * Which bank (`host:port`) the SAF entries of each store key belong to, and what a store key still owes. An entry
 * carries no host: a node sends the entries of its keys to whatever host its connector points at. Two configurations
 * that share a key (a lone gateway upstream's `upstream`, a flow's connector name) on one database at two banks, or a
 * start pointed at another bank over the entries of the last one, would send one bank's reversals (card data and all)
 * to the other. So a start records its upstream per key (`iso8583_saf_upstream`, SAF schema step 12) before it claims
 * anything, and is refused while a key it claims still holds pending entries recorded for another upstream
 * ({@link recordUpstreamAddress}): the rule of the file journal's `upstream.json` (cli journal-upstream.ts), in the
 * store. And a start with reversal and SAF off reads what its keys still owe ({@link pendingUnder}: reversal-unsent.ts).
 */
import type pg from 'pg';
import { connectorError } from '../errors.js';
import { owedText } from '../journal-owed.js';
import type { JournalOwed } from '../journal-read-owed.js';

/** The class of the transaction advisory lock taken per key while its upstream is checked and recorded (int4). */
const MARKER_LOCK = 858_300_002;

/** The pending entries (and, of them, the reversals) of the keys `$1` (an array): what they still owe. */
const PENDING = `SELECT count(*)::int AS entries, (count(*) FILTER (WHERE entry->>'kind' IS NULL))::int AS reversals
  FROM iso8583_saf WHERE upstream = ANY($1::text[]) AND done_at IS NULL`;

/** The entries the keys `keys` still owe on the database of `db` (0 when it has no SAF table yet: never migrated). */
export async function pendingUnder(db: pg.Pool | pg.PoolClient, keys: readonly string[]): Promise<JournalOwed> {
  const { rows: [table] } = await db.query<{ made: boolean }>("SELECT to_regclass('iso8583_saf') IS NOT NULL AS made");
  if (table?.made !== true) return { entries: 0, reversals: 0, damaged: 0, owed: 0 };
  const { rows: [row] } = await db.query<{ entries: number; reversals: number }>(PENDING, [[...keys]]);
  const entries = row?.entries ?? 0;
  return { entries, reversals: row?.reversals ?? 0, damaged: 0, owed: entries };
}

/**
 * Records `address` (the connector's `host:port`) as the upstream of each of `keys` (the keys its journal claims), each
 * in a transaction of its own under an advisory lock of that key (several nodes starting together check and write it
 * one at a time): nothing written when it is recorded already (the nodes of one deployment). A key recorded for
 * another upstream is taken over when it owes nothing; while it holds pending entries the start is refused:
 * `ISO8583_ERR_CONNECTOR_OPTIONS` (field `host`) naming the key, both upstreams, and what to do (point it back until
 * they are sent, keep the entries apart, or, the same bank at a new address, delete the key's row). A key with no row
 * (a database from before step 12) is taken as this upstream's, as a journal folder without its marker is.
 */
export async function recordUpstreamAddress(pool: pg.Pool, keys: readonly string[], address: string): Promise<void> {
  for (const key of keys) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MARKER_LOCK, key]);
      const { rows: [row] } = await client.query<{ address: string }>('SELECT address FROM iso8583_saf_upstream WHERE upstream = $1', [key]);
      if (row?.address !== address) {
        const owed = row === undefined ? undefined : await pendingUnder(client, [key]);
        if (row !== undefined && owed !== undefined && owed.owed > 0) {
          throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', otherUpstreamText(key, row.address, address, owed), { field: 'host' });
        }
        await client.query(
          'INSERT INTO iso8583_saf_upstream (upstream, address) VALUES ($1, $2) ON CONFLICT (upstream) DO UPDATE SET address = EXCLUDED.address, recorded_at = now()',
          [key, address],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** The refusal of a start at `address` over `key`'s pending entries recorded for `recorded` (see {@link recordUpstreamAddress}). */
function otherUpstreamText(key: string, recorded: string, address: string, owed: JournalOwed): string {
  return (
    `the store holds ${owedText(owed)} under the key ${JSON.stringify(key)} for the upstream ${recorded} (iso8583_saf_upstream), not ${address}: ` +
    `the start would send them to another host. Point it back at ${recorded} until they are sent, or keep its entries apart (another store key, or another database); ` +
    `if it is the same bank at a new address, delete the key's row: DELETE FROM iso8583_saf_upstream WHERE upstream = '${key.replaceAll("'", "''")}'`
  );
}
