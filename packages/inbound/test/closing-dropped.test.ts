// Frames a connection read and never started when the close deadline destroyed it (waiting for room under
// `maxInFlightPerConnection`) get no sequence and no reply: each connection says them at its close (`waiting`, beside
// `frames`, those read after it began closing), and the endpoint counts every one of them (`stats().dropped`,
// `iso8583_inbound_dropped_total`), also those of the connections whose line the close-line cap left out. They were
// dropped without a count, and a server-wide close lost most lines. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** More connections than the close lines written in a second for one kind (20): some lines are left out. */
const CLIENTS = 25;
/** Frames each client writes at once: one starts (the per-connection limit is 1), the others wait. */
const FRAMES = 3;

test('close past its deadline – the frames waiting on each connection are said at its close and all counted', async (t) => {
  const held = gate();
  const logs = captureLogs('info');
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence, maxInFlightPerConnection: 1, logger: logs.logger, onLateResult: () => undefined });
  t.after(() => held.open());
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => TestClient.connect(port)));
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  clients.forEach((client, k) => client.write(Buffer.concat(Array.from({ length: FRAMES }, (_, i) => client.frame(purchase(k * FRAMES + i + 1))))));
  await waitUntil(() => endpoint.stats().inFlight === CLIENTS, { what: 'the first message of every client started' });
  await within(endpoint.close({ deadline: 0 }), 5_000, 'close did not settle');
  const waiting = CLIENTS * (FRAMES - 1);
  assert.equal(endpoint.stats().dropped, waiting, 'every frame read and never started is counted');
  const lines = logs.text().split('\n').filter((l) => l.includes('waiting for their turn when it closed'));
  assert.ok(lines.length > 0 && lines.length < CLIENTS, `some close lines, capped: ${lines.length}`);
  for (const line of lines) assert.match(line, /"frames":0,"waiting":2/);
  assert.doesNotMatch(logs.text(), /4111111111111111/, 'no card data in the log');
});

test('the dropped count is the iso8583_inbound_dropped_total metric', async (t) => {
  const held = gate();
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const logs = captureLogs('info');
  const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence, maxInFlightPerConnection: 1, logger: logs.logger, onLateResult: () => undefined });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat(Array.from({ length: FRAMES }, (_, i) => client.frame(purchase(i + 1)))));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the first message started' });
  const registry = endpoint.registry;
  const closing = endpoint.close({ deadline: 0 });
  // Logged as the deadline passes, in the turn the connections are destroyed (the count made then); read before the
  // close ends, which takes the endpoint's series off its Registry.
  await within(logs.waitFor(/close deadline passed/), 5_000, 'the close deadline did not pass');
  assert.match(await registry.metrics(), /iso8583_inbound_dropped_total\{endpoint="pos"\} 2/);
  await within(closing, 5_000, 'close did not settle');
});
