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
import { liveOnKey, ownerLockFree, ownerLockHeld } from './owner-lock-sql.js';

/** The class of the transaction advisory lock taken per key while its upstream is checked and recorded (int4). */
const MARKER_LOCK = 858_300_005;

/** The pending entries (and, of them, the reversals) of the keys `$1` (an array): what they still owe. */
const PENDING = `SELECT count(*)::int AS entries, (count(*) FILTER (WHERE entry->>'kind' IS NULL))::int AS reversals
  FROM iso8583_saf s WHERE s.upstream = ANY($1::text[]) AND s.done_at IS NULL`;

/**
 * {@link PENDING}, of the entries no live node holds: not those under a running lease of an owner whose owner lock is
 * held (a node running now, sending them). A lease of a node stopped, or of a node without the owner lock
 * (`ownerLock: false`: its liveness unknown), counts.
 */
const PENDING_UNHELD = `${PENDING}
    AND NOT (s.lease_until > now() AND EXISTS (SELECT 1 FROM iso8583_saf_owner o
      WHERE o.owner = s.lease_owner AND ${ownerLockHeld('o.key')}))`;

/**
 * The live nodes (other than the owner `$2`) on the key `$1`: sessions holding its key lock (a node that claims it, as
 * its `upstream` or a `formerUpstreams` key: owner-lock-sql.ts) or the owner lock of an owner registered under it; idle
 * or not.
 */
const LIVE_OWNERS = `SELECT count(*)::int AS n FROM (${liveOnKey('$1', '$2')}) live`;

/**
 * The entries the keys `keys` still owe on the database of `db` (0 when it has no SAF table yet: never migrated);
 * `unheld`: only those no live node holds ({@link PENDING_UNHELD}): what a start with reversal off would leave unsent.
 */
export async function pendingUnder(db: pg.Pool | pg.PoolClient, keys: readonly string[], unheld = false): Promise<JournalOwed> {
  const { rows: [table] } = await db.query<{ made: boolean; owners: boolean }>(
    "SELECT to_regclass('iso8583_saf') IS NOT NULL AS made, to_regclass('iso8583_saf_owner') IS NOT NULL AS owners",
  );
  if (table?.made !== true) return { entries: 0, reversals: 0, damaged: 0, owed: 0 };
  // A database before SAF step 4 (no owners to read yet): every pending entry counts.
  const { rows: [row] } = await db.query<{ entries: number; reversals: number }>(unheld && table.owners ? PENDING_UNHELD : PENDING, [[...keys]]);
  const entries = row?.entries ?? 0;
  return { entries, reversals: row?.reversals ?? 0, damaged: 0, owed: entries };
}

/**
 * The form of an upstream `host:port` the store records and compares: the host in lower case, without a trailing dot
 * (`Bank.Example.:5000` and `bank.example:5000` name one host). Other spellings of one bank (an FQDN and its IP, a
 * tunnel per node) are not known to be one: every node of a deployment names the bank alike (docs/operations.md).
 */
export function upstreamAddress(address: string): string {
  const colon = address.lastIndexOf(':');
  const host = colon < 0 ? address : address.slice(0, colon);
  const port = colon < 0 ? '' : address.slice(colon);
  return host.toLowerCase().replace(/\.$/, '') + port;
}

/**
 * {@link upstreamAddress} in SQL, of the text expression `expr` (evaluated more than once): one rule, the same form
 * (pg-entry-bank.test.ts compares them). Reads a key's row however it was written (by hand, by an earlier version).
 */
export const upstreamAddressSql = (expr: string): string =>
  `(regexp_replace(lower(coalesce(substring(${expr} from '^(.*):[^:]*$'), ${expr})), '\\.$', '') || coalesce(substring(${expr} from '(:[^:]*)$'), ''))`;

/**
 * The bank the SAF row `alias` belongs to, in the form of {@link upstreamAddress}: the one recorded with it at its add
 * (`bank`, SAF step 14: the adding node's address), else (a row added without an address, or by a node of an earlier
 * version during a rolling upgrade) its key's row as it is now; NULL when neither says.
 */
const entryBank = (alias: string): string =>
  `coalesce(${alias}.bank, (SELECT ${upstreamAddressSql('m.address')} FROM iso8583_saf_upstream m WHERE m.upstream = ${alias}.upstream))`;

/**
 * Whether the SAF row `alias` is of the bank `param` (a parameter: the node's address in the form of
 * {@link upstreamAddress}; NULL: a node without an address, which takes any): a row of no known bank is anyone's (as
 * before SAF step 14). What a claim (saf-sql.ts `CLAIM`, `CLAIM_GONE`) and the repeats owed (overtaken-sql.ts
 * `REPEATS_OWED`) take: a node never sends another bank's entry to its own, whatever its keys' rows say meanwhile.
 */
export const ofBank = (alias: string, param: string): string => `(${param}::text IS NULL OR coalesce(${entryBank(alias)} = ${param}::text, true))`;

/**
 * The entries of the keys `$1` (an array) taken as the bank `$2`'s (the form of {@link upstreamAddress}): when a start
 * records keys that had no row (deleted to move its bank to a new address, as the refusal says; or never recorded),
 * their entries (pending, or owing a repeat) are this start's bank's, as its keys are. Not those held under a running
 * lease of an owner whose owner lock is held (as `PENDING_UNHELD`): a node running now, which sends them to its own bank.
 * The owners whose lock is free (nodes that died or stopped) and that hold a pending entry so taken are this bank's
 * too (their row's `bank`, SAF step 15, owner-lock-sql.ts `GONE_OWNERS`): a claim at the new address finds such an
 * owner gone and takes its entries at once; its row kept the address it registered with, and they waited for their
 * lease (sr62b #1). An owner whose lock is held keeps its row's bank (its own `REGISTER` writes it); so does an owner
 * whose own key (its row's `upstream`; NULL: registered by an earlier version, taken as any key's) is not one the start
 * moves, though it held an entry of one (a former key of its): its own key's nodes, at its bank, take its entries
 * (sr63e #1). An owner of a key the start moves is moved whatever key the entries it held are under: one holding only
 * entries of a former key, moved too, kept its old bank, and a claim at the new address found it not gone, its
 * reversals waiting a whole lease (sr64i). One statement over
 * every key the start moves, its owner rows locked in one order (by `owner`) before they are written: two such
 * starts, or a start and a claim of owners gone (`GONE_OWNERS`, in that order too), never wait for each other in a
 * cycle. A statement a key (in the keys' order, in one transaction) held the owner rows of the first key while it
 * locked those of the next, some sorting lower: a cycle with such a claim again (sr64b #1).
 */
const RESTAMP = `WITH s AS (UPDATE iso8583_saf s SET bank = $2 WHERE s.upstream = ANY($1::text[]) AND s.bank IS DISTINCT FROM $2
    AND (s.done_at IS NULL OR s.late_approval IS NOT NULL)
    AND NOT (s.done_at IS NULL AND s.lease_until > now() AND EXISTS (SELECT 1 FROM iso8583_saf_owner o
      WHERE o.owner = s.lease_owner AND ${ownerLockHeld('o.key')}))
    RETURNING s.lease_owner, s.upstream, s.done_at),
  t AS (SELECT o.owner FROM iso8583_saf_owner o WHERE o.bank IS DISTINCT FROM $2
    AND (o.upstream IS NULL OR o.upstream = ANY($1::text[]))
    AND EXISTS (SELECT 1 FROM s WHERE s.lease_owner = o.owner AND s.done_at IS NULL)
    AND ${ownerLockFree('o.key')}
    ORDER BY o.owner FOR UPDATE OF o)
  UPDATE iso8583_saf_owner o SET bank = $2 FROM t WHERE o.owner = t.owner`;

/**
 * Records `address` (the connector's `host:port`, in the form of {@link upstreamAddress}) as the upstream of each of
 * `keys` (the keys its journal claims), all in one transaction under an advisory lock of each key (several nodes
 * starting together check and write them one at a time): every key is checked before any row is written (a refused
 * start writes nothing); nothing written for a key recorded already (the nodes of one deployment). A key recorded for
 * another upstream is taken over when it owes nothing and no live node (`owner`'s aside: a node whose owner lock is
 * held, that claims the key, as its `upstream` or a former one) runs on it; otherwise the start is refused: `ISO8583_ERR_CONNECTOR_OPTIONS`
 * (field `host`) naming the key, both upstreams, and what to do (point it back until they are sent, keep the entries
 * apart, stop the nodes, or, the same bank at a new address and every node of the key stopped, delete the key's row); the
 * running nodes are checked first, so the row's deletion is suggested only when none runs. A key with no row (a database from
 * before step 12, or deleted to move a bank) is taken as this upstream's, its entries too (`RESTAMP`, but
 * those a running node holds), as a journal folder without its marker is; while live nodes run on it, its entries are
 * left as they are (a row deleted under running nodes: theirs may be another bank's). The live nodes are known by
 * their owner lock only: with the owner lock off (`ownerLock: false`) an idle node at the other upstream is not seen.
 */
export async function recordUpstreamAddress(pool: pg.Pool, keys: readonly string[], address: string, owner: string): Promise<void> {
  const own = upstreamAddress(address);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // In one order (the keys sorted): two starts over keys in common never wait for each other's locks in a cycle.
    for (const key of [...new Set(keys)].sort()) await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MARKER_LOCK, key]);
    const write: string[] = [];
    const unrecorded: string[] = [];
    for (const key of new Set(keys)) {
      const { rows: [row] } = await client.query<{ address: string }>('SELECT address FROM iso8583_saf_upstream WHERE upstream = $1', [key]);
      if (row !== undefined && upstreamAddress(row.address) === own) continue;
      // No row, and nodes running on the key (their bank unknown: a row deleted under them, or nodes of a version
      // before step 12): the key is recorded, but none of its entries is taken as this start's bank's (they may be
      // another bank's, held or kept by those nodes); with them stopped, deleting the row again moves them.
      if (row === undefined && ((await client.query<{ n: number }>(LIVE_OWNERS, [key, owner])).rows[0]?.n ?? 0) === 0) unrecorded.push(key);
      if (row !== undefined) {
        // The running nodes first: the refusal over pending entries suggests deleting the key's row, which with a node
        // of the key running makes every such node refuse all requests at its next renewal (another bank's row).
        const { rows: [live] } = await client.query<{ n: number }>(LIVE_OWNERS, [key, owner]);
        if ((live?.n ?? 0) > 0) throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', liveOwnersText(key, row.address, own, live?.n ?? 0), { field: 'host' });
        const owed = await pendingUnder(client, [key]);
        if (owed.owed > 0) throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', otherUpstreamText(key, row.address, own, owed), { field: 'host' });
      }
      write.push(key);
    }
    for (const key of write) {
      await client.query(
        'INSERT INTO iso8583_saf_upstream (upstream, address) VALUES ($1, $2) ON CONFLICT (upstream) DO UPDATE SET address = EXCLUDED.address, recorded_at = now()',
        [key, own],
      );
    }
    if (unrecorded.length > 0) await client.query(RESTAMP, [unrecorded, own]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The refusal of a start at `address` over `key`, recorded for `recorded`, on which `n` live nodes run (see {@link recordUpstreamAddress}). */
function liveOwnersText(key: string, recorded: string, address: string, n: number): string {
  return (
    `${n} running node(s) use the key ${JSON.stringify(key)} (iso8583_saf_upstream: nodes at ${recorded} are running on this key), not ${address}: ` +
    `the entries they add would be sent to another host. Stop them first, or keep this start's entries apart (another store key, or another database)`
  );
}

/** The refusal of a start at `address` over `key`'s pending entries recorded for `recorded` (see {@link recordUpstreamAddress}). */
function otherUpstreamText(key: string, recorded: string, address: string, owed: JournalOwed): string {
  return (
    `the store holds ${owedText(owed)} under the key ${JSON.stringify(key)} for the upstream ${recorded} (iso8583_saf_upstream), not ${address}: ` +
    `the start would send them to another host. Point it back at ${recorded} until they are sent, or keep its entries apart (another store key, or another database); ` +
    `if it is the same bank at a new address, with every node of the key stopped, delete the key's row: DELETE FROM iso8583_saf_upstream WHERE upstream = '${key.replaceAll("'", "''")}'`
  );
}
