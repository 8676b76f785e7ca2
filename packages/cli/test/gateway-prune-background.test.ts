// `iso8583 gateway --store URL`: the transaction log's prune at start runs in the background once the ports are open,
// as the daily one does. It was awaited before any listener opened: 300,000 old rows held the POS port 15 s, and one old
// row locked by another session (a report, a manual fix left open) failed every start with exit 1 after the statement
// timeout. Then the prune waited for that row in the background, and a stop meanwhile took ~7 s (the log's close waited
// for the prune's connection). Now a locked row is waited for at most a second: the prune ends (a warning, retried next
// time), a stop is prompt, and the next prune takes the rows; a prune that fails is logged with its code and reason (a
// privilege the role lacks named), not fatal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PgTransactionLog } from '@iso8583/connector';
import { startPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

/** Milliseconds each wait of these tests may take. */
const WAIT = 30_000;

/** A database with the log's schema and `rows` records 40 days old (older than the default 30 days' retention). */
async function logWithOldRows(t: { after(fn: () => unknown): void }, name: string, rows: number): Promise<{ url: string; locker: pg.Client }> {
  const url = cluster.createDatabase(name);
  const log = new PgTransactionLog({ connectionString: url, node: 'n0' });
  await log.open();
  await log.close();
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.after(() => locker.end());
  for (let i = 0; i < rows; i++) {
    await locker.query(
      `INSERT INTO iso8583_transactions (at, node, latency_ms, outcome, upstream, mti) VALUES (now() - interval '40 days' + $1 * interval '1 second', 'n', 1, 'approved', 'u', '0200')`,
      [i],
    );
  }
  return { url, locker };
}

/** Holds the oldest row in an open transaction (a DBA's session left open): a prune that waited for it never ended. */
async function lockOldestRow(locker: pg.Client): Promise<void> {
  await locker.query('BEGIN');
  const locked = await locker.query(`SELECT seq FROM iso8583_transactions WHERE seq = (SELECT min(seq) FROM iso8583_transactions) FOR UPDATE`);
  assert.equal(locked.rowCount, 1);
}

/** Starts the gateway on `url` in a folder of its own (the log's spill folder is the default journal folder, under it). */
function startGateway(
  t: { after(fn: () => unknown): void },
  url: string,
): { output: () => string; seen: (text: string, what: string) => Promise<void>; stop: () => Promise<number | null> } {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-prune-bg-'));
  const child = spawn(process.execPath, [BIN, 'gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--store', url], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let text = '';
  const waiting: { text: string; resolve(): void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const add = (b: Buffer): void => {
    text += b.toString('utf8');
    for (const w of waiting.filter((x) => text.includes(x.text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ended = exited.then((code) => {
    throw new Error(`the gateway exited (${code}) first: ${text}`);
  });
  ended.catch(() => undefined);
  return {
    output: () => text,
    seen: (wanted, what) =>
      within(
        Promise.race([text.includes(wanted) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ text: wanted, resolve })), ended]),
        WAIT,
        `${what}; output: ${text}`,
      ),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('the first prune meets an old row another session holds locked: a warning, a prompt stop, the next start takes it', async (t) => {
  const { url, locker } = await logWithOldRows(t, 'prune_locked', 2);
  await lockOldestRow(locker);
  const gateway = startGateway(t, url);
  await gateway.seen('gateway listening pos=', 'the listening line');
  // The prune ends though a row is locked (it waited for it before, and logged nothing until the row was free): a
  // warning, not an error (nothing is wrong with the log), after at most the prune's lock wait (a second).
  await gateway.seen('the transaction log prune met a locked row: retried next time', 'the prune given up on the locked row');
  const line = gateway.output().split('\n').find((l) => l.includes('retried next time')) ?? '';
  assert.match(line, /"level":40/);
  assert.match(line, /ISO8583_ERR_CONNECTOR_STORE.*55P03/);
  const stopping = Date.now();
  assert.equal(await within(gateway.stop(), WAIT, `the gateway to stop; output: ${gateway.output()}`), 0, gateway.output());
  t.diagnostic(`stop with the row still locked: ${Date.now() - stopping} ms`);
  const { rows } = await locker.query<{ n: string }>(`SELECT count(*) AS n FROM iso8583_transactions`);
  assert.equal(rows[0]?.n, '2', 'the rows are still there');
  await locker.query('ROLLBACK');
  // The row free again: the next prune (here the next start's) removes them.
  const next = startGateway(t, url);
  await next.seen('transaction log pruned', 'the next prune once the row is free');
  assert.match(next.output(), /"removed":2/);
  assert.equal(await within(next.stop(), WAIT, `the gateway to stop; output: ${next.output()}`), 0, next.output());
});

test('a first prune that fails (the role lacks DELETE on the log) is an error naming the privileges, and the gateway keeps serving', async (t) => {
  const { url, locker } = await logWithOldRows(t, 'prune_fails', 1);
  // Every privilege but DELETE on the log's table: the journal's tables made by the role itself at the start.
  await locker.query(`CREATE ROLE prune_no_delete LOGIN; GRANT USAGE, CREATE ON SCHEMA public TO prune_no_delete;
    GRANT ALL ON ALL TABLES IN SCHEMA public TO prune_no_delete; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO prune_no_delete;
    REVOKE DELETE ON iso8583_transactions FROM prune_no_delete`);
  const gateway = startGateway(t, url.replace(/\/\/[^@/]+@/, '//prune_no_delete@'));
  await gateway.seen('gateway listening pos=', 'the listening line');
  await gateway.seen('the transaction log cannot be pruned', 'the prune failure logged');
  const line = gateway.output().split('\n').find((l) => l.includes('the transaction log cannot be pruned')) ?? '';
  assert.match(line, /"level":50/);
  assert.match(line, /ISO8583_ERR_CONNECTOR_STORE/);
  assert.match(line, /42501/);
  assert.match(line, /SELECT and DELETE on iso8583_transactions and iso8583_transaction_batches/);
  // Still serving: a stop is a clean one (exit 0).
  assert.equal(await within(gateway.stop(), WAIT, `the gateway to stop; output: ${gateway.output()}`), 0, gateway.output());
});
