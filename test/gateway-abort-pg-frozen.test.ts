/**
 * An aborted stop (a second SIGTERM) of the real `iso8583 gateway` whose PostgreSQL store has stopped answering (a
 * frozen relay: nothing forwarded, nothing closed) while an advice is at the bank: the connector's destroy does not
 * wait for the store (its statements are cut after a short grace), so the end line `gateway aborted` is written once
 * the link and the store are closed (no `closing: true`), and the advice stays pending in the store: the next start
 * sends it exactly once (a repeat, 0221), once the aborted node's lease has ended.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freezingRelay, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { storeAdvice } from './helpers/saf-advice.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-abort-pg-frozen-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

async function pendingEntries(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

test('an abort with the PostgreSQL store frozen ends its line once the store is cut (no closing: true); the next start sends the advice once', async (t) => {
  const url = cluster.createDatabase('abort_frozen');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  let answering = false;
  const bank = await startBank((request) => (answering ? approve(request) : undefined));
  t.after(() => bank.close());
  // A short lease and retry interval (3 s, not the 10 s default: the next start's repeat waits for it) keep the wait
  // for the take-over short; the bank answers that repeat at once, well inside it.
  const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'spill'), '--log-level', 'info', '--shutdown-deadline', '60000', '--saf-initial-delay', '0', '--saf-lease', '1500', '--saf-retry-interval', '3000'];
  const first = await startGateway([...flags, '--store', relay.url]);
  const base = `http://${first.http.host}:${first.http.port}`;
  assert.equal(await storeAdvice(base, '300901', 'FRZNTRM1', '5413330089010434'), 202);
  await bank.waitFor((m) => m['0'] === '0220' && Number(m['11']) === 300901);

  // The store stops answering; the graceful stop waits for the advice at the bank; the second signal aborts it.
  relay.freeze();
  first.process.kill('SIGTERM');
  await first.process.waitForLine(/SIGTERM: stopping/);
  first.process.kill('SIGTERM');
  assert.equal((await exitWithin(first.process, 10_000, 'the gateway after a second SIGTERM')).code, 1);
  const aborted = logLine(first.process.stderr(), 'gateway aborted');
  assert.equal(aborted.closing, undefined, `written once the store was cut, not before: ${JSON.stringify(aborted)}`);
  assert.deepEqual(aborted.safLeft, { reversals: 0, advices: 1 });
  assert.equal(await pendingEntries(url), 1, 'the advice stays pending in the store');

  // The next start (on the database directly) takes it over once the aborted node's lease has ended, and sends it once.
  answering = true;
  const seen = bank.received.length;
  const second = await startGateway([...flags, '--store', url]);
  await bank.waitFor((m, i) => i >= seen && m['0'] === '0221' && Number(m['11']) === 300901);
  await waitUntil(async () => (await pendingEntries(url)) === 0, { what: 'the advice to be marked done' });
  second.process.kill('SIGTERM');
  assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
  assert.deepEqual(
    bank.received.slice(seen).filter((m) => Number(m['11']) === 300901).map((m) => m['0']),
    ['0221'],
    'sent once by the next start',
  );
  const all = first.process.stdout() + first.process.stderr() + second.process.stdout() + second.process.stderr();
  assert.doesNotMatch(all, /5413330089010434/);
});
