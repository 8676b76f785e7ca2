// What the PostgreSQL lock-order tests share (pg-done-lock-order, pg-overtaken-lock-order, pg-done-pass-on-lock-order,
// pg-forget-pass-on-lock-order, pg-gone-owners-lock-order, pg-done-pass-on-late-approval): a second session holds one
// row FOR UPDATE, as a statement locking a transaction's rows in id order holds its first; the statement under test is
// started and must come to wait for that row (seen in pg_stat_activity, within a deadline: no sleep); the second
// session then asks for the next row NOWAIT, as that locker would: a statement that took it before waiting would
// deadlock with it (PostgreSQL aborts one). Or the statement must end without waiting for the held row
// (pg-done-pass-on-lock-keys: waitsWhileHeld).
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

/** A second session, ended after the test, holding row `held` of `rows` FOR UPDATE in a transaction. */
export async function holding(t: TestContext, url: string, rows: LockedRows, held: string): Promise<pg.Client> {
  const other = new pg.Client(url);
  await other.connect();
  t.after(() => other.end());
  await other.query('BEGIN');
  await other.query(`SELECT 1 FROM ${rows.table} WHERE ${rows.key} = $1 FOR UPDATE`, [held]);
  return other;
}

/**
 * The tail of each probe: `other` (see {@link holding}) asks for row `probe` of `rows` NOWAIT, then lets its rows go;
 * resolves, once `running` has settled, with the probe's error code (`undefined`: `probe` was free).
 */
async function probeAndRelease(other: pg.Client, rows: LockedRows, probe: string, running: Promise<unknown>): Promise<string | undefined> {
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

/** `true` while a session of the database of `url` waits for a lock (`blocker`: an SQL condition on its `pg_stat_activity` row, `$1`... its `values`). */
export async function lockWaited(url: string, blocker = 'true', values: unknown[] = []): Promise<true | undefined> {
  const [row] = await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND ${blocker}`, values);
  return row !== undefined && row.n > 0 ? true : undefined;
}

/**
 * Holds row `held` (of `rows`: by default the SAF entries') in a second session while `run` runs: whether `run` came
 * to wait for a lock (only `held` is held) before it settled (either within a deadline: `what` names it in its
 * message); the row let go either way, then `run` awaited (its rejection rejects this).
 */
export async function waitsWhileHeld(t: TestContext, url: string, held: string, what: string, run: () => Promise<unknown>, rows: LockedRows = SAF_ROWS): Promise<boolean> {
  const other = await holding(t, url, rows, held);
  let settled = false;
  const running = run();
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  const first = await waitUntil(async () => (settled ? 'settled' : (await lockWaited(url)) && 'waited'), { what, timeoutMs: 20_000 });
  await other.query('ROLLBACK');
  await running;
  return first === 'waited';
}

/**
 * Holds row `held` (of `rows`: by default the SAF entries') in a second session, starts `run` and waits until it waits
 * for a lock (`what` names it in the deadline's message), then asks for row `probe` NOWAIT and lets `held` go.
 * Resolves, once `run` has settled, with the probe's error code: `undefined` when `probe` was free while `run` waited
 * (55P03: `run` held it).
 */
export async function probeWhileWaiting(t: TestContext, url: string, held: string, probe: string, what: string, run: () => Promise<unknown>, rows: LockedRows = SAF_ROWS): Promise<string | undefined> {
  const other = await holding(t, url, rows, held);
  const running = run();
  await waitUntil(() => lockWaited(url), { what, timeoutMs: 20_000 });
  return probeAndRelease(other, rows, probe, running);
}

/**
 * As {@link probeWhileWaiting} (on `rows`: by default the SAF entries'), with a change landing while `run` waits: a third session
 * runs `land` (an SQL statement that locks row `probe`: a late approval left on it, say) in a transaction before `run`
 * starts (so that `run`'s snapshot does not see it) and commits it once `run` waits for a lock; then, once `run` waits
 * for `held` (the second session's row), asks for `probe` NOWAIT. `undefined`: `probe` was free while `run` waited for
 * `held` (55P03: `run` took it before `held`, outside the id order, once it read the change `land` made).
 */
export async function probeAfterLanding(
  t: TestContext, url: string, held: string, probe: string, land: string, what: string, run: () => Promise<unknown>, rows: LockedRows = SAF_ROWS,
): Promise<string | undefined> {
  const other = await holding(t, url, rows, held);
  const lander = new pg.Client(url);
  await lander.connect();
  t.after(() => lander.end());
  const [{ pid } = { pid: 0 }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  await lander.query('BEGIN');
  await lander.query(land);
  const running = run();
  await waitUntil(() => lockWaited(url), { what, timeoutMs: 20_000 });
  await lander.query('COMMIT');
  await waitUntil(() => lockWaited(url, '$1::int = ANY(pg_blocking_pids(pid))', [pid]), { what: `${what}, held by the second session`, timeoutMs: 20_000 });
  return probeAndRelease(other, rows, probe, running);
}
