/**
 * Two gateway nodes on one PostgreSQL store name the same two upstreams in a different order (a rolling change of the
 * failover order): the reversals a node left pending for one bank are taken over and sent to that bank, never to the
 * other one. The first upstream's reversals used to be stored under the key `upstream` (the name the HTTP app gives
 * the first connector), so the node whose first upstream was the other bank sent them there.
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
import { startBank } from './helpers/silent-bank.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
const work = mkdtempSync(join(tmpdir(), 'iso8583-pg-order-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

const stan = (n: number): string => String(n).padStart(6, '0');
const isReversal = (m: IsoMessage): boolean => m['0'] === '0400' || m['0'] === '0401';

test('two nodes naming the same upstreams in another order: a dead node\'s reversals go to the bank of their purchases', async (t) => {
  const url = cluster.createDatabase('upstream_order');
  const bank1 = await startBank();
  const bank2 = await startBank();
  t.after(() => Promise.all([bank1.close(), bank2.close()]));
  const common = ['--store', url, '--saf-lease', '1000', '--request-timeout', '300', '--reversal-retry-interval', '200', '--echo-interval', '0', '--log-level', 'warn'];
  const b1 = `b1=127.0.0.1:${bank1.port}`;
  const b2 = `b2=127.0.0.1:${bank2.port}`;
  // Node A fails over from b1 to b2: its purchases go to bank 1, which never answers them (each is reversed).
  const a = await startGateway(['--upstream', b1, '--upstream', b2, ...common, '--reversal-journal', join(work, 'a')]);
  await waitUntil(() => bank1.links() === 1 && bank2.links() === 1, { what: 'node A connected to both banks' });
  const stans = [1, 2, 3];
  const statuses = await Promise.all(
    stans.map(async (n) => {
      const message = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1202103000', '11': stan(n), '41': 'ORDER001', '49': '840' };
      const res = await fetch(`http://${a.http.host}:${a.http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      await res.text();
      return res.status;
    }),
  );
  assert.deepEqual(statuses, [504, 504, 504]);
  await waitUntil(() => stans.every((n) => bank1.messages().some((m) => m['0'] === '0400' && m['11'] === stan(n))), { what: 'node A reversing each purchase at bank 1' });
  a.process.kill('SIGKILL');
  await a.process.exited;

  // Node B names bank 2 first: it takes node A's reversals over once their lease ends.
  bank1.answer();
  bank2.answer();
  await startGateway(['--upstream', b2, '--upstream', b1, ...common, '--reversal-journal', join(work, 'b')]);
  const store = new pg.Pool({ connectionString: url });
  try {
    await waitUntil(async () => (await store.query('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0].n === 0, {
      what: "node A's reversals taken over and answered",
      timeoutMs: 30_000,
    });
  } finally {
    await store.end();
  }
  assert.deepEqual(bank2.messages().filter(isReversal).map((m) => m['11']), [], 'no reversal of a bank 1 purchase sent to bank 2');
  for (const n of stans) {
    assert.ok(bank1.messages().some((m) => m['0'] === '0401' && m['11'] === stan(n)), `the reversal of ${stan(n)} resumed at bank 1 (0401)`);
  }
});
