// maxInFlight counts a sequence until it settles, not until its client has had the timeout answer: a sequence that
// timed out still runs (at a slow bank, every one of them), so with the count ending at the answer the number running
// had no bound. Real sockets on 127.0.0.1; the order of events is followed through the endpoint's stats and log
// lines, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('in-flight cap – a sequence that timed out holds its place until it settles', async (t) => {
  const held = gate();
  const late: string[] = [];
  const logs = captureLogs('debug');
  const sequence: Sequence = async (m, c) => {
    if (m.fields['41'] !== 'TERMB001') await held.promise;
    return approveAll(m, c);
  };
  const onLateResult = (_r: unknown, m: { fields: Record<string, unknown> }, _c: unknown, reason: string): void => {
    late.push(`${String(m.fields['11'])}:${reason}`);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlight: 1, sequenceTimeout: 100, onLateResult, logger: logs.logger });
  t.after(() => held.open());
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  const timedOut = await within(a.request(purchase(1)), 10_000, 'no timeout answer');
  assert.equal(timedOut.fields['39'], '96');
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const bReply = b.request(purchase(2, { 41: 'TERMB001' }));
  await within(logs.waitFor(/"connection":2,.*maxInFlight is reached: reading paused/), 10_000, 'B did not pause at the cap');
  assert.equal(endpoint.stats().messages, 1, 'B\'s request not started while the late sequence runs');
  held.open();
  assert.equal((await within(bReply, 10_000, 'B\'s request did not start once the late sequence settled')).fields['39'], '00');
  await waitUntil(() => late.length === 1, { what: 'the late result handed over' });
  assert.deepEqual(late, ['000001:sequence-timeout']);
  await waitUntil(() => endpoint.stats().inFlight === 0, { what: 'nothing in flight' });
});
