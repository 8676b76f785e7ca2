/**
 * Two gateway nodes on one PostgreSQL store: a purchase is in flight on node A when A dies (SIGKILL); the terminal,
 * moved to node B by its load balancer, repeats it (0201, same STAN and terminal). Node B refuses the repeat while
 * the purchase's reversal is pending in the store, then takes that reversal over: the bank never approves a repeat of
 * a purchase it is about to see reversed (the terminal would hand over goods for a purchase the bank then undoes).
 */
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { IsoMessage } from '@iso8583/codec';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';
import type { GatewayAddresses } from './helpers/cli.js';
import { startBank } from './helpers/silent-bank.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
const work = mkdtempSync(join(tmpdir(), 'iso8583-pg-repeat-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

const purchase = (mti: string): IsoMessage => ({ '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1202103000', '11': '000042', '41': 'REPEAT01', '49': '840' });

async function post(node: GatewayAddresses, message: IsoMessage): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${node.http.host}:${node.http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  return { status: res.status, body: await res.text() };
}

test('a repeat (0201) sent to node B while node A\'s purchase is pending in the store is refused, and the purchase is reversed once', async (t) => {
  const url = cluster.createDatabase('repeat_other_node');
  const bank = await startBank();
  t.after(() => bank.close());
  const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--store', url, '--saf-lease', '1000', '--request-timeout', '5000', '--reversal-retry-interval', '200', '--echo-interval', '0', '--log-level', 'warn'];
  const a = await startGateway([...flags, '--reversal-journal', join(work, 'a')]);
  const b = await startGateway([...flags, '--reversal-journal', join(work, 'b')]);
  await waitUntil(() => bank.links() === 2, { what: 'both nodes connected to the bank' });

  // The purchase reaches the bank through node A, which dies before any answer.
  const first = post(a, purchase('0200')).catch(() => undefined);
  await waitUntil(() => bank.messages().some((m) => m['0'] === '0200'), { what: 'the purchase at the bank' });
  a.process.kill('SIGKILL');
  await a.process.exited;
  await first;

  const repeat = await post(b, purchase('0201'));
  assert.equal(repeat.status, 400, `the repeat refused: ${repeat.body}`);
  assert.match(repeat.body, /ISO8583_ERR_CONNECTOR_DUPLICATE_KEY/);
  assert.deepEqual(bank.messages().filter((m) => m['0'] === '0201'), [], 'the repeat never reached the bank');

  // Node B takes node A's reversal over once its lease ends, and the bank answers it.
  bank.answer();
  const store = new pg.Pool({ connectionString: url });
  try {
    await waitUntil(async () => (await store.query("SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL OR outcome <> 'reversed'")).rows[0].n === 0, {
      what: "node A's purchase reversed by node B",
      timeoutMs: 30_000,
    });
  } finally {
    await store.end();
  }
  assert.ok(bank.messages().some((m) => m['0'] === '0401' && m['11'] === '000042'), 'the purchase reversed at the bank');
  // Once reversed, the terminal's next transaction with a new STAN goes through (not refused for good).
  const next = await post(b, { ...purchase('0200'), '11': '000043' });
  assert.notEqual(next.status, 400, next.body);
});
