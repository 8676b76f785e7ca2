// maxInFlight bounds the messages of the whole endpoint in their sequence at once (40 connections of 64 large frames
// each were 258 MB more of memory with no bound but the per-connection one): at the bound, a connection's request
// waits unstarted and its reading pauses; once a message ends it starts, and reading goes on. Real sockets on
// 127.0.0.1; the order of events is followed through the endpoint's stats and log lines, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { validateInboundOptions } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('in-flight cap – a second connection waits at maxInFlight, reading paused, and goes on once a message ends', async (t) => {
  const held = gate();
  const logs = captureLogs('debug');
  const sequence: Sequence = async (m, c) => {
    if (m.fields['41'] !== 'TERMB001') await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlight: 2, logger: logs.logger });
  t.after(() => held.open());
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  a.send(purchase(1));
  a.send(purchase(2));
  await waitUntil(() => endpoint.stats().inFlight === 2, { what: 'A\'s two requests started' });
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const bReply = b.request(purchase(3, { 41: 'TERMB001' }));
  const paused = await within(logs.waitFor(/"connection":2,.*maxInFlight is reached: reading paused/), 5_000, 'B did not pause at the cap');
  assert.equal((JSON.parse(paused) as { connection: number }).connection, 2, 'the second connection paused');
  assert.equal(endpoint.stats().messages, 2, 'B\'s request not started while the cap is reached');
  assert.equal(endpoint.stats().inFlight, 2);
  held.open();
  const reply = await within(bReply, 10_000, 'B\'s request did not start once A\'s ended');
  assert.equal(reply.fields['11'], '000003');
  assert.equal(reply.fields['39'], '00');
  for (let i = 0; i < 2; i++) assert.equal((await within(a.reply(), 10_000, `A's reply ${i + 1}`)).fields['39'], '00');
  // Reading went on: B is served again at once.
  assert.equal((await within(b.request(purchase(4, { 41: 'TERMB001' })), 10_000, 'B after the cap')).fields['39'], '00');
  assert.equal(endpoint.stats().messages, 4);
});

test('in-flight cap – maxInFlight defaults to 10000 and is checked as a count', () => {
  assert.equal(validateInboundOptions({ port: 0, sequence: approveAll }).maxInFlight, 10000);
  assert.throws(() => validateInboundOptions({ port: 0, sequence: approveAll, maxInFlight: 0 }), (err: { code: string; problems: Array<{ field: string }> }) =>
    err.code === 'ISO8583_ERR_INBOUND_OPTIONS' && err.problems.some((p) => p.field === 'maxInFlight'));
});
