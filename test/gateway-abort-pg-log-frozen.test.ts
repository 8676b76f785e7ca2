/**
 * An aborted stop (a second SIGTERM) of the real `iso8583 gateway` while its PostgreSQL transaction log has a batch in
 * flight on a database that stopped answering (a frozen relay: the batch's COPY never reaches the server, nothing is
 * closed). The abort does not wait out the log's `closeTimeout` (5 s, far past the process's exit): the batch is
 * handed over in doubt and kept, with its records, in the `--reversal-journal` folder before the end line, said with
 * its count (no card data); the next start stores it once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { freezingRelay, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-abort-pg-log-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** An echo test (0800, 301): answered and recorded, and no SAF entry of its own (the store's journal is not written). */
function echo(stan: number): IsoMessage {
  return { '0': '0800', '7': '1203101500', '11': String(stan).padStart(6, '0'), '41': 'LOGFRZ01', '70': '301' };
}

async function post(http: { host: string; port: number }, message: IsoMessage): Promise<number> {
  const res = await fetch(`http://${http.host}:${http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  await res.text();
  return res.status;
}

test('an abort with the transaction log\'s batch in flight on a frozen database keeps the batch for the next start, said with its count, before the end line', async (t) => {
  const url = cluster.createDatabase('abort_log_frozen');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const dir = join(work, 'journal');
  const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', dir, '--echo-interval', '0', '--log-level', 'info', '--shutdown-deadline', '60000'];
  const first = await startGateway([...flags, '--store', relay.url]);

  // The log's next batch (its COPY) freezes the database; the echo is answered, its record in that batch.
  relay.freezeOn('COPY iso8583_transactions');
  assert.equal(await post(first.http, echo(410001)), 200);
  await relay.frozen;
  first.process.kill('SIGTERM');
  await first.process.waitForLine(/SIGTERM: stopping/);
  first.process.kill('SIGTERM');
  assert.equal((await exitWithin(first.process, 10_000, 'the gateway after a second SIGTERM')).code, 1);
  const log = first.process.stderr();
  const kept = logLine(log, 'the transaction log closed before its database took these records: kept for the next start');
  assert.deepEqual([kept.code, kept.kept, kept.inDoubt], ['ISO8583_WARN_TRANSACTION_LOG_KEPT', 1, 1], `the batch in flight kept, with its count: ${JSON.stringify(kept)}`);
  assert.ok(log.indexOf('ISO8583_WARN_TRANSACTION_LOG_KEPT') < log.indexOf('gateway aborted'), 'said before the end line');
  const aborted = logLine(log, 'gateway aborted');
  assert.equal(aborted.closing, undefined, `written once the log was closed, not after its wait ran out: ${JSON.stringify(aborted)}`);
  assert.deepEqual(aborted.safLeft, { reversals: 0, advices: 0 });
  const spills = readdirSync(dir).filter((n) => n.startsWith('transaction-spill-'));
  assert.equal(spills.length, 1, `one spill file in ${dir}`);
  assert.doesNotMatch(readFileSync(join(dir, spills[0] as string), 'utf8'), /5413330089010434/, 'the PAN masked at rest');

  // The next start (on the database directly) stores the kept batch once.
  const second = await startGateway([...flags, '--store', url]);
  const body = (await (await fetch(`http://${second.http.host}:${second.http.port}/transactions?terminal=LOGFRZ01`)).json()) as { result: { stan?: string; outcome: string }[] };
  assert.deepEqual(body.result.map((r) => `${String(r.stan)}/${r.outcome}`), ['410001/approved'], 'stored once by the next start');
  second.process.kill('SIGTERM');
  assert.equal((await exitWithin(second.process, 30_000, 'the second gateway stopping')).code, 0);
  assert.doesNotMatch(log + first.process.stdout() + second.process.stdout() + second.process.stderr(), /5413330089010434/);
});
