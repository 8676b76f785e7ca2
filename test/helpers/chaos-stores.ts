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

/**
 * Two gateways on the PostgreSQL database at `url` (each with its own `--reversal-journal` folder under `work`, as
 * docs/operations.md asks): node A's entries, once it is killed, are taken over by node B (its owner lock gone) or by
 * A's next start. Call `end` when done.
 */
export function pgStore(url: string, work: string): ChaosStore & { end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const pending = async (): Promise<number> =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0]?.n ?? 0;
  return {
    flags: (node) => ['--store', url, '--reversal-journal', join(work, node), '--saf-lease', '3000'],
    twoNodes: true,
    words: async () => {
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
