/**
 * The stores a chaos run (chaos-run.ts) can put the gateways on: the file journal of one node (`--reversal-journal`),
 * or a PostgreSQL database two nodes share (`--store`), each read by the auditor as a start would read it.
 */
import { join } from 'node:path';
import pg from 'pg';
import { waitUntil } from '@iso8583/test-support';
import { journalWords } from './chaos-journal.js';
import type { JournalWord } from './chaos-journal.js';
import type { ChaosStore } from './chaos-run.js';

/** The SAF entries a gateway's `GET /stats` counts as waiting (`upstream.safDepth`). */
async function safDepth(http: { host: string; port: number }): Promise<number> {
  const stats = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { upstream?: { safDepth?: number } };
  return stats.upstream?.safDepth ?? -1;
}

/** One gateway on the file journal in `dir`: drained once its `GET /stats` counts no SAF entry waiting. */
export function fileStore(dir: string): ChaosStore {
  return {
    flags: () => ['--reversal-journal', dir],
    twoNodes: false,
    words: () => Promise.resolve(journalWords(dir)),
    drained: async (http) => {
      await waitUntil(async () => (await Promise.all(http.map(safDepth))).every((n) => n === 0), { what: 'the gateway\'s SAF queue drained (GET /stats safDepth 0)', timeoutMs: 30_000 });
    },
  };
}

/** The `application_name` of node `node`'s sessions (its `--store` URL names it): the auditor tells them apart by it. */
export function chaosSessionName(node: 'a' | 'b'): string {
  return `iso8583-chaos-${node}`;
}

/** The `application_name` of the auditor's own session. */
export const AUDITOR_SESSION = 'iso8583-chaos-auditor';

/**
 * Two gateways on the PostgreSQL database at `url` (each with its own `--reversal-journal` folder under `work`, as
 * docs/operations.md asks): node A's entries, once it is killed, are taken over by node B (its owner lock gone) or by
 * A's next start. Call `end` when done.
 */
export function pgStore(url: string, work: string): ChaosStore & { end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 1, application_name: AUDITOR_SESSION });
  const pending = async (): Promise<number> =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0]?.n ?? 0;
  const sessions = async (node: 'a' | 'b'): Promise<number> =>
    (await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [chaosSessionName(node)],
    )).rows[0]?.n ?? -1;
  const nodeUrl = (node: 'a' | 'b'): string => {
    const u = new URL(url);
    u.searchParams.set('application_name', chaosSessionName(node));
    return u.toString();
  };
  return {
    flags: (node) => ['--store', nodeUrl(node), '--reversal-journal', join(work, node), '--saf-lease', '3000'],
    twoNodes: true,
    words: async () => {
      // A statement the killed node had sent runs on in its server session after the process has exited (a `done`
      // waiting on a row lock commits later, docs/operations.md): read once every session of node A has ended (each
      // ends once its statement is over and it finds its client gone).
      await waitUntil(async () => (await sessions('a')) === 0, { what: 'the killed node A\'s database sessions to end (pg_stat_activity)', timeoutMs: 30_000 });
      const { rows } = await pool.query<{ key: string; outcome: JournalWord | null }>(
        `SELECT trim(entry->'reversal'->>'41') || '/' || (entry->'reversal'->>'11') || '/' || (entry->'reversal'->>'7') AS key, outcome
         FROM iso8583_saf`,
      );
      return new Map(rows.map((r) => [r.key, r.outcome ?? 'open']));
    },
    drained: async () => {
      await waitUntil(async () => (await pending()) === 0, { what: 'every SAF entry in the store done', timeoutMs: 30_000 });
    },
    end: () => pool.end(),
  };
}
