// maxInFlight counts a sequence until it settles, not until its client has had the timeout answer: a sequence that
// timed out still runs (at a slow bank, every one of them), so with the count ending at the answer the number running
// had no bound. That hold is bounded too (one more sequenceTimeout): a sequence that never settles took its place for
// good, the endpoint's capacity lost bit by bit, silently. Real sockets on 127.0.0.1; the order of events is followed through the endpoint's stats and log
// lines, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { assertHeldUntilSettled, gate, heldSequence } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('in-flight cap – a sequence that timed out holds its place until it settles', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const logs = captureLogs('debug');
  // Long enough that B pauses well before the hold's bound (one more sequenceTimeout) frees the place.
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlight: 1, sequenceTimeout: 2000, onLateResult, logger: logs.logger });
  t.after(() => held.open());
  await assertHeldUntilSettled(t, { endpoint, port, logs, held, late }, 'sequence', '000001:sequence-timeout');
  await waitUntil(() => endpoint.stats().inFlight === 0, { what: 'nothing in flight' });
});

test('in-flight cap – a sequence that timed out and never settles frees its place after one more sequenceTimeout, with a warning', async (t) => {
  const logs = captureLogs('debug');
  // A's sequence never settles, whatever its signal says (a promise no one settles).
  const sequence: Sequence = (m, c) => (m.fields['41'] === 'TERMB001' ? approveAll(m, c) : new Promise(() => undefined));
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlight: 1, sequenceTimeout: 300, onLateResult: () => undefined, logger: logs.logger });
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  assert.equal((await within(a.request(purchase(1)), 10_000, 'no timeout answer')).fields['39'], '96');
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const bReply = b.request(purchase(2, { 41: 'TERMB001' }));
  const freed = await within(logs.waitFor(/its maxInFlight place is freed/), 10_000, 'the hold of a sequence that never settles was never freed');
  assert.match(freed, /"code":"ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT".*"heldMs":300/);
  assert.equal((await within(bReply, 10_000, 'B\'s request did not start once the hold was freed')).fields['39'], '00');
  await waitUntil(() => endpoint.stats().inFlight === 0, { what: 'nothing in flight' });
});

test('in-flight cap – a message that timed out holds one place while its onError runs, not two', async (t) => {
  const logs = captureLogs('debug');
  const onErrorHeld = gate();
  const onErrorStarted = gate();
  t.after(() => onErrorHeld.open());
  const sequence: Sequence = (m, c) => (m.fields['41'] === 'TERMB001' ? approveAll(m, c) : new Promise(() => undefined));
  const onError: Sequence = async (m) => {
    onErrorStarted.open();
    await onErrorHeld.promise;
    return { ...m.fields, 0: '0210', 39: '91' };
  };
  // Long enough that onError is still held while B is answered (its own bound, and the late hold's, are 3 s).
  const { endpoint, port } = await startEndpoint(t, { sequence, onError, maxInFlight: 2, sequenceTimeout: 3000, onLateResult: () => undefined, logger: logs.logger });
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  const aReply = a.request(purchase(1));
  await within(onErrorStarted.promise, 10_000, 'onError did not start');
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  assert.equal((await within(b.request(purchase(2, { 41: 'TERMB001' })), 10_000, 'B was not answered')).fields['39'], '00');
  assert.doesNotMatch(logs.text(), /maxInFlight is reached/, 'B found a place: A held one, not two');
  onErrorHeld.open();
  assert.equal((await within(aReply, 10_000, 'A was not answered')).fields['39'], '91');
  await waitUntil(() => endpoint.stats().inFlight === 0, { what: 'nothing in flight' });
});

test('in-flight cap – a sequence the close gave up on that times out after the close holds no place and says nothing', async (t) => {
  // It ignores its signal: the close (deadline 50) gives up on it before its sequenceTimeout (300); it expires after,
  // and its hold would have been armed then (after the close let every hold go), its warning coming later still.
  const neverSettles: Sequence = () => new Promise(() => undefined);
  const closedLogs = captureLogs('debug');
  const openLogs = captureLogs('debug');
  const options = { sequence: neverSettles, maxInFlight: 10, sequenceTimeout: 300, onLateResult: () => undefined };
  const closing = await startEndpoint(t, { ...options, logger: closedLogs.logger });
  const open = await startEndpoint(t, { ...options, logger: openLogs.logger });
  const a = await TestClient.connect(closing.port);
  t.after(() => a.destroy());
  a.request(purchase(1)).catch(() => undefined);
  await waitUntil(() => closing.endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'A\'s sequence to start' });
  await within(closing.endpoint.close({ deadline: 50 }), 10_000, 'the close did not end at its deadline');
  // B starts after the close: its expiry and its hold's bound come after A's would (timers of one duration fire in
  // the order they were set), so once B's hold has said it is freed, A's would have too.
  const b = await TestClient.connect(open.port);
  t.after(() => b.destroy());
  assert.equal((await within(b.request(purchase(2)), 10_000, 'no timeout answer')).fields['39'], '96');
  await within(openLogs.waitFor(/its maxInFlight place is freed/), 10_000, 'the open endpoint\'s hold was never freed');
  assert.match(closedLogs.text(), /inbound endpoint closed/);
  assert.doesNotMatch(closedLogs.text(), /its maxInFlight place is freed/, 'a warning after the endpoint closed');
});
