// A group request tried on several upstreams (each down: its sign-on never answered) is one request: the group's totals (what the console shows)
// count it once, by its outcome, while each upstream's own stats count its try; its one transaction record's latency
// runs from the first try's start to the outcome (it was the last try's only). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { TransactionLog, TransactionRecord } from '../src/index.js';
import { createUpstreamGroup } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';

test('a group request tried on three upstreams that are down counts once in the group totals, its record timed from its first try', async (t) => {
  const names = ['a', 'b', 'c'];
  // A log of the test's own, shared by the three upstreams: the records each connector writes.
  const records: TransactionRecord[] = [];
  const log: TransactionLog = {
    open: async () => undefined,
    record: async (r) => void records.push(r),
    query: async () => [],
    prune: async () => 0,
    close: async () => undefined,
  };
  // Hosts that accept connections and never answer the sign-on: each try waits its 300 ms for it, then fails.
  const peers = await Promise.all(names.map(() => peerFor(t, () => undefined)));
  const group = createUpstreamGroup({
    upstreams: names.map((name, i) => ({ name, host: '127.0.0.1', port: (peers[i] as { port: number }).port, signOn: true, requestTimeout: 300, reconnect: { initialDelay: 10, maxDelay: 50 }, transactionLog: log })),
  });
  t.after(() => group.destroy());
  await assert.rejects(group.connect());
  const start = performance.now();
  await assert.rejects(group.request(purchase('620001'), { timeout: 20_000 }));
  const elapsed = performance.now() - start;

  const tries = [...group.connectors.values()].map((c) => c.stats());
  assert.equal(tries.reduce((n, s) => n + s.requests, 0), 3, 'each upstream counts its own try');
  assert.deepEqual(group.supersededTries(), { requests: 2, timeouts: 0, errors: 2 });
  const totals = group.totals();
  assert.deepEqual(totals, { requests: 1, responses: 0, timeouts: 0, errors: 1 }, 'one request, one error');

  assert.equal(records.length, 1, 'one record for the request');
  const record = records[0] as TransactionRecord;
  assert.equal(record.outcome, 'error');
  // Three tries of about 300 ms each: the record's latency is the request's, not its last try's.
  assert.ok(record.latencyMs >= elapsed - 100, `latency ${record.latencyMs} ms of a request that took ${elapsed} ms`);
  assert.ok(record.latencyMs <= elapsed + 1);
});
