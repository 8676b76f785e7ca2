// An event-loop stall longer than the ping's bound is not a lost owner lock. The driver arms a ping's bound when the
// ping is sent: after a stall of the loop longer than that bound, its timer ran before the answer already in the socket
// was read, and that one timer took the live session for lost (logged `ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST`, the
// connection dropped): other nodes could take over this node's entries at once. Now a ping that passed its bound is
// asked again on a fresh bound first (a hung connection is still found: pg-owner-lock-ping.test.ts).
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { liveBehindRelay, lockSession } from './helpers/pg-owner-lock.js';

/** How long the loop is blocked right after a ping is sent (ms): more than the ping's bound (1 s for a 3 s lease). */
const STALL = 1200;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('an event-loop stall longer than the owner lock\'s ping bound, right after a ping is sent, does not lose the lock', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Seen on the driver's own Client (the lock's session is one): each ping of the lock's session counted; the first
  // one sent blocks the loop for STALL ms once sent (its answer arrives meanwhile).
  const proto = pg.Client.prototype as unknown as { query(this: pg.Client, ...args: unknown[]): unknown };
  const query = proto.query;
  let pings = 0;
  let stalled = false;
  proto.query = function (this: pg.Client, ...args: unknown[]): unknown {
    const result = query.apply(this, args);
    const config = args[0] as { text?: unknown; query_timeout?: unknown } | undefined;
    if (config?.text === 'SELECT 1' && typeof config.query_timeout === 'number') {
      pings += 1;
      if (!stalled) {
        stalled = true;
        const until = performance.now() + STALL;
        while (performance.now() < until); // the loop blocked: a long GC pause, a CPU-bound handler
      }
    }
    return result;
  };
  t.after(() => {
    proto.query = query;
  });
  // A lease of 3 s: renewals (and pings) every second, a ping's bound 1 s.
  const { url, live } = await liveBehindRelay(t, cluster, 'owner_ping_stall', 3000, { logger: pino({ level: 'warn' }, sink) });
  const session = await lockSession(url, 'live-node');
  const since = live.heldSince();
  assert.ok(session !== undefined && since !== undefined, 'the lock is held');
  // The stalled ping, then three more answered: the lock's session was never ended.
  await waitUntil(() => stalled && pings >= 4, { what: 'the stalled ping and three more', timeoutMs: 15_000 });
  const lost = lines.find((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST');
  assert.equal(lost, undefined, `the lock was taken as lost: ${JSON.stringify(lost)}`);
  assert.equal(live.heldSince(), since, 'the lock held without a break');
  assert.equal(await lockSession(url, 'live-node'), session, 'the same session holds the lock');
});
