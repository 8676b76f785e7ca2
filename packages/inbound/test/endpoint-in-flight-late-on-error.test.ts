// The places under maxInFlight that outlast a message's answer: an onError that timed out still runs after its client
// had the 96 (the sequence failed at once, so no sequence hold), and holds its place as a sequence that timed out
// does, until it settles (it held none: the number of onErrors running had no bound); and the hold's timer, cut by the
// endpoint's close, says nothing after it (a warning from an endpoint closed). Real sockets on 127.0.0.1; the order
// of events is followed through log lines and a second endpoint's hold of the same bound (timers of one duration
// fire in the order they were set), no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { assertHeldUntilSettled, gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('in-flight cap – an onError that timed out holds its place until it settles', async (t) => {
  const held = gate();
  const late: string[] = [];
  const logs = captureLogs('debug');
  const sequence: Sequence = (m, c) => {
    if (m.fields['41'] === 'TERMB001') return approveAll(m, c);
    throw new Error('the bank link failed');
  };
  const onError: Sequence = async (m) => {
    await held.promise;
    return { ...m.fields, 0: '0210', 39: '91' };
  };
  // Long enough that B pauses well before the hold's bound (one more sequenceTimeout) frees the place.
  const { endpoint, port } = await startEndpoint(t, {
    sequence, onError, maxInFlight: 1, sequenceTimeout: 2000, logger: logs.logger,
    onLateResult: (_r, m, _c, reason, source) => late.push(`${String(m.fields['11'])}:${reason}:${source}`),
  });
  t.after(() => held.open());
  await assertHeldUntilSettled(t, { endpoint, port, logs, held, late }, 'onError', '000001:sequence-timeout:onError');
});

test('in-flight cap – an onError that timed out and never settles frees its place after one more sequenceTimeout, with a warning', async (t) => {
  const logs = captureLogs('debug');
  const sequence: Sequence = (m, c) => {
    if (m.fields['41'] === 'TERMB001') return approveAll(m, c);
    throw new Error('the bank link failed');
  };
  const { port } = await startEndpoint(t, { sequence, onError: () => new Promise(() => undefined), maxInFlight: 1, sequenceTimeout: 300, logger: logs.logger });
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  assert.equal((await within(a.request(purchase(1)), 10_000, 'no 96 after onError\'s timeout')).fields['39'], '96');
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const bReply = b.request(purchase(2, { 41: 'TERMB001' }));
  const freed = await within(logs.waitFor(/its maxInFlight place is freed/), 10_000, 'the hold of an onError that never settles was never freed');
  assert.match(freed, /"code":"ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT".*"source":"onError".*"heldMs":300/);
  assert.equal((await within(bReply, 10_000, 'B\'s request did not start once the hold was freed')).fields['39'], '00');
});

test('in-flight cap – a hold cut by the endpoint\'s close says nothing after it', async (t) => {
  const neverSettles: Sequence = () => new Promise(() => undefined);
  const closedLogs = captureLogs('debug');
  const openLogs = captureLogs('debug');
  const options = { sequence: neverSettles, maxInFlight: 10, sequenceTimeout: 300, onLateResult: () => undefined };
  const closing = await startEndpoint(t, { ...options, logger: closedLogs.logger });
  const open = await startEndpoint(t, { ...options, logger: openLogs.logger });
  const a = await TestClient.connect(closing.port);
  t.after(() => a.destroy());
  assert.equal((await within(a.request(purchase(1)), 10_000, 'no timeout answer')).fields['39'], '96');
  // Its hold is set (at the answer) before the other endpoint's: with the same bound, its timer would fire first.
  await within(closing.endpoint.close({ deadline: 2000 }), 10_000, 'the close did not end');
  const b = await TestClient.connect(open.port);
  t.after(() => b.destroy());
  assert.equal((await within(b.request(purchase(2)), 10_000, 'no timeout answer')).fields['39'], '96');
  await within(openLogs.waitFor(/its maxInFlight place is freed/), 10_000, 'the open endpoint\'s hold was never freed');
  assert.match(closedLogs.text(), /inbound endpoint closed/);
  assert.doesNotMatch(closedLogs.text(), /its maxInFlight place is freed/, 'a warning after the endpoint closed');
});
