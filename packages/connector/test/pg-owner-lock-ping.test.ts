// The owner lock's liveness ping is bounded (the claim interval, `lease / 3`, at least 1 s). Unbounded, a ping on a
// connection that hung (the server ended the session, its FATAL message and FIN lost) never ended: the node, idle (no
// entry to renew, whose statement would have found the lock gone), took its lock for held for ever and never pinged
// again; its next request's add was refused (its lock not held) and failed. Now the ping's bound ends it: the lock is
// taken as lost (logged with the bound) and taken again, and the next add is stored.
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { entry, liveBehindRelay, lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('an idle node whose owner-lock session hung (ended by the server, unseen) takes its lock again by itself within the ping\'s bound', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // A lease of 3 s: renewals (and pings) every second, a ping's bound 1 s.
  const { url, relay, live } = await liveBehindRelay(t, cluster, 'owner_ping_hung', 3000, { logger: pino({ level: 'warn' }, sink) });
  const first = await lockSession(url, 'live-node');
  const since = live.heldSince();
  relay.holdLockSession();
  await sql(url, 'SELECT pg_terminate_backend($1)', [first]);
  await waitUntil(async () => (await lockSession(url, 'live-node')) === undefined, { what: 'the server to end the lock\'s session' });
  // No entry held: no renewal statement finds the lock gone; only the ping can, and it hangs.
  await waitUntil(async () => {
    const now = await lockSession(url, 'live-node');
    return now !== undefined && now !== first && live.heldSince() !== undefined && live.heldSince() !== since;
  }, { what: 'the node to take its lock again once its hung ping passed its bound', timeoutMs: 10_000 });
  const lost = lines.find((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST');
  assert.ok(lost !== undefined, 'the lock taken as lost is logged');
  assert.equal(lost.pingWait, 1000);
  assert.match(String(lost.error), /did not answer a ping within 1000 ms/);
  await live.add(entry('p1')); // stored: the lock is held again
  assert.deepEqual(await sql(url, "SELECT lease_owner FROM iso8583_saf WHERE id = 'p1'"), [{ lease_owner: 'live-node' }]);
});
