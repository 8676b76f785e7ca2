// What the PostgreSQL lock-order tests share (pg-done-lock-order, pg-overtaken-lock-order, pg-done-pass-on-lock-order,
// pg-forget-pass-on-lock-order, pg-gone-owners-lock-order): a second session holds one row FOR UPDATE, as a statement locking a transaction's rows
// in id order holds its first; the statement under test is started and must come to wait for that row (seen in
// pg_stat_activity, within a deadline: no sleep); the second session then asks for the next row NOWAIT, as that locker
// would: a statement that took it before waiting would deadlock with it (PostgreSQL aborts one).
import type { TestContext } from 'node:test';
import pg from 'pg';
import { waitUntil } from '@iso8583/test-support';
import { sql } from './pg-owner-lock.js';

/** The rows a lock-order test locks: a table and its key column. */
export interface LockedRows {
  readonly table: string;
  readonly key: string;
}

/** The SAF entries' rows, by id (the default of {@link probeWhileWaiting}). */
export const SAF_ROWS: LockedRows = { table: 'iso8583_saf', key: 'id' };

/**
 * Holds row `held` (of `rows`: by default the SAF entries') in a second session, starts `run` and waits until it waits
 * for a lock (`what` names it in the deadline's message), then asks for row `probe` NOWAIT and lets `held` go.
 * Resolves, once `run` has settled, with the probe's error code: `undefined` when `probe` was free while `run` waited
 * (55P03: `run` held it).
 */
export async function probeWhileWaiting(t: TestContext, url: string, held: string, probe: string, what: string, run: () => Promise<unknown>, rows: LockedRows = SAF_ROWS): Promise<string | undefined> {
  const other = new pg.Client(url);
  await other.connect();
  t.after(() => other.end());
  await other.query('BEGIN');
  await other.query(`SELECT 1 FROM ${rows.table} WHERE ${rows.key} = $1 FOR UPDATE`, [held]);
  const running = run();
  await waitUntil(async () => {
    const [row] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    return row !== undefined && row.n > 0 ? true : undefined;
  }, { what, timeoutMs: 20_000 });
  let code: string | undefined;
  try {
    await other.query(`SELECT 1 FROM ${rows.table} WHERE ${rows.key} = $1 FOR UPDATE NOWAIT`, [probe]);
  } catch (err) {
    code = (err as { code?: string }).code ?? 'error';
  }
  await other.query('ROLLBACK');
  await running;
  return code;
}

