// With no upstream up, a request is tried on each upstream in turn within the request's time (upstream-group-tries.ts).
// The group's own bound (a `timeout`, no caller's deadline: the gateway's `--request-timeout`) ends a further try's
// wait for a connection only: a try written late in that time gets its whole timeout for the answer. Before: the bound
// was the try's `deadline`, which cut the answer's wait too: written with little time left, it timed out
// (`sent: 'maybe'`) and its reversal undid what the bank may have booked. And the transaction record kept is that of
// the try whose error is the answer. Before: the last try's (cut by the request's time, DEADLINE) while the caller got
// the connect error of the try before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { within } from '@iso8583/test-support';
import { createUpstreamGroup } from '../src/index.js';
import type { TransactionLog, TransactionRecord } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { downPort, peerFor } from './helpers/setup.js';

/** The `iso8583_upstream_requests_total` series of `text` with a value above 0, as `upstream/outcome value`. */
function outcomes(text: string): string[] {
  return [...text.matchAll(/^iso8583_upstream_requests_total\{upstream="(\w+)",outcome="(\w+)"\} (\d+)$/gm)].filter((m) => m[3] !== '0').map((m) => `${m[1]}/${m[2]} ${m[3]}`);
}

test('no upstream up: a try that connects late in the group\'s own time gets its whole timeout for the answer', async (t) => {
  const timeout = 4000;
  let start = Number.POSITIVE_INFINITY;
  let held: Received | undefined;
  let signedOn = false;
  let heldOne!: () => void;
  const signOnCame = new Promise<void>((resolve) => (heldOne = resolve));
  const bank = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800' && !signedOn) {
      // "b" connected, its sign-on held: it stays down until the test answers it.
      held = r;
      heldOne();
      return;
    }
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    // The bank answers after the request's own time is over, well within a whole timeout from the write.
    setTimeout(() => p.send(r.socket, answer(r.message)), Math.max(0, start + timeout + 300 - performance.now()));
  });
  const group = createUpstreamGroup({
    upstreams: [
      { name: 'a', host: '127.0.0.1', port: await downPort(t), reconnect: { initialDelay: 10, maxDelay: 50 } },
      { name: 'b', host: '127.0.0.1', port: bank.port, signOn: true, reconnect: { initialDelay: 10, maxDelay: 50 } },
    ],
  });
  t.after(() => group.destroy());
  void group.connect().catch(() => undefined);
  await within(signOnCame, 10_000, '"b" to send its sign-on');
  assert.deepEqual(group.healthy(), []);
  start = performance.now();
  const asked = group.request(purchase('720101'), { timeout });
  // "b" comes up half way through the request's time ("a" refused at once): the try on "b" is written then.
  const up = setTimeout(() => {
    signedOn = true;
    bank.send(held!.socket, answer(held!.message));
  }, timeout / 2);
  t.after(() => clearTimeout(up));
  const response = await asked;
  assert.equal(response['39'], '00');
  assert.deepEqual(outcomes(await group.registry.metrics()), ['a/failed 1', 'b/answered 1']);
});

test('no upstream up: the record kept is that of the try whose error is the answer, not the try cut by the request\'s time', async (t) => {
  const records: TransactionRecord[] = [];
  let recordedOne!: () => void;
  const recorded = new Promise<void>((resolve) => (recordedOne = resolve));
  const log: TransactionLog = {
    open: async () => undefined,
    record: async (r: TransactionRecord) => {
      records.push(r);
      recordedOne();
    },
    query: async () => Object.assign([] as TransactionRecord[], { next: undefined }),
    prune: async () => 0,
    close: async () => undefined,
  };
  // "b" takes connections but never answers the sign-on: it stays down, its wait cut by the request's time.
  const silent = await peerFor(t, () => undefined);
  const group = createUpstreamGroup({
    upstreams: [
      { name: 'a', host: '127.0.0.1', port: await downPort(t), reconnect: { initialDelay: 10, maxDelay: 50 }, transactionLog: log },
      { name: 'b', host: '127.0.0.1', port: silent.port, signOn: true, reconnect: { initialDelay: 10, maxDelay: 50 }, transactionLog: log },
    ],
  });
  t.after(() => group.destroy());
  void group.connect().catch(() => undefined);
  await assert.rejects(group.request(purchase('720102'), { timeout: 500 }), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  await within(recorded, 10_000, 'the request\'s record');
  assert.deepEqual(outcomes(await group.registry.metrics()), ['a/failed 1', 'b/failed 1']);
  assert.deepEqual(
    records.map((r) => [r.outcome, r.errorCode]),
    [['error', 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED']],
  );
});
