// Replies whose client had gone before they were written ("reply dropped: the client has gone"): a client that sends
// many requests and leaves has each one's reply dropped, at once when the sequences finish. Each is counted
// (`ISO8583_ERR_INBOUND_CLIENT_GONE`) and handed to onLateResult; its line was written once per reply, uncapped: the
// lines are capped as the endpoint's close lines are (its twin "closed before it was written" already was).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { heldSequence } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('reply client gone lines – many replies dropped because the client left: every one counted and handed over, their lines capped', async (t) => {
  const logs = captureLogs('info');
  const { held, late, sequence, onLateResult } = heldSequence();
  const { port, endpoint } = await startEndpoint(t, { sequence, onLateResult, logger: logs.logger, maxInFlightPerConnection: 100 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const requests = 60;
  for (let i = 1; i <= requests; i++) client.send(purchase(i));
  await waitUntil(() => endpoint.stats().inFlight === requests, { timeoutMs: 10_000, what: 'every request to be in its sequence' });
  // A reset (a FIN would leave the connection half open, still writing the replies).
  const disconnected = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  client.socket.resetAndDestroy();
  await within(disconnected, 10_000, 'the connection did not close');
  held.open();
  await waitUntil(() => late.length === requests, { timeoutMs: 10_000, what: 'every result to be handed over' });
  assert.ok(late.every((l) => l.endsWith(':client-gone')));
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'], requests);
  const lines = logs.text().split('\n').filter((line) => line.includes('the client has gone')).length;
  assert.ok(lines >= 1 && lines <= 20, `${lines} lines for ${requests} replies dropped`);
});

test('reply client gone lines – without onLateResult every reply dropped has its own line, naming its STAN (nothing else names it)', async (t) => {
  const logs = captureLogs('info');
  const { held, sequence } = heldSequence();
  const { port, endpoint } = await startEndpoint(t, { sequence, logger: logs.logger, maxInFlightPerConnection: 100 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const requests = 60;
  for (let i = 1; i <= requests; i++) client.send(purchase(i));
  await waitUntil(() => endpoint.stats().inFlight === requests, { timeoutMs: 10_000, what: 'every request to be in its sequence' });
  const disconnected = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  client.socket.resetAndDestroy();
  await within(disconnected, 10_000, 'the connection did not close');
  held.open();
  await waitUntil(() => endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] === requests, { timeoutMs: 10_000, what: 'every reply to be dropped' });
  const lines = logs.text().split('\n').filter((line) => line.includes('the client has gone')).map((line) => JSON.parse(line) as { stan?: string; terminal?: string; suppressed?: number });
  assert.equal(lines.length, requests, 'one line for each approval its terminal never got');
  assert.deepEqual(new Set(lines.map((l) => l.stan)), new Set(Array.from({ length: requests }, (_, i) => String(i + 1).padStart(6, '0'))));
  assert.ok(lines.every((l) => l.terminal === 'TERM0001' && l.suppressed === undefined));
});
