// An integrator's `connection` or `disconnect` listener that throws is its bug, not the client's: the endpoint counts
// and logs it (`ISO8583_ERR_INBOUND_INTERNAL`, the thrown value's code, never its text) and goes on serving. It was
// thrown out of the server's `connection` handler (an uncaught exception) or out of a promise callback (an unhandled
// rejection): either took the process down, and every other client's work with it. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { ConnectionInfo } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

for (const event of ['connection', 'disconnect'] as const) {
  test(`a '${event}' listener that throws is counted and logged; the endpoint goes on serving`, async (t) => {
    const logs = captureLogs('info');
    const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence: approveAll, logger: logs.logger });
    endpoint.on(event, (info: ConnectionInfo) => {
      throw new Error(`listener bug for 4111111111111111 from ${info.remoteAddress}`);
    });
    const first = await TestClient.connect(port);
    t.after(() => first.destroy());
    assert.equal((await within(first.request(purchase(1)), 5_000, 'the first client got no reply')).fields['39'], '00');
    await first.close();
    await within(logs.waitFor(new RegExp(`a '${event}' listener threw`)), 5_000, 'no line for the listener that threw');
    const second = await TestClient.connect(port);
    t.after(() => second.destroy());
    assert.equal((await within(second.request(purchase(2)), 5_000, 'the second client got no reply')).fields['39'], '00');
    await waitUntil(() => (endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_INTERNAL'] ?? 0) >= 1, { what: 'the throw counted', timeoutMs: 5_000 });
    const line = logs.text().split('\n').find((l) => l.includes('listener threw')) ?? '';
    assert.match(line, /"code":"ISO8583_ERR_INBOUND_INTERNAL"/);
    assert.match(line, new RegExp(`"event":"${event}"`));
    assert.doesNotMatch(logs.text(), /4111111111111111|listener bug/, 'neither card data nor the thrown text in the log');
  });
}

/** Connections opened by the flood: 6 rounds of 50, each round closed by the client before the next. */
const ROUNDS = 6;
const PER_ROUND = 50;
const FLOOD = ROUNDS * PER_ROUND;

// A listener that throws for every client gives one line per connection opened, and one per connection closed: a
// client opening connections in a loop wrote two lines each, without bound. Capped as the endpoint's other lines a
// client causes per connection (close lines: at most 20 a second per event, the lines left out counted in the next).
test('a listener that throws for every client writes at most 20 lines a second per event; every throw is counted', async (t) => {
  const logs = captureLogs('info');
  const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence: approveAll, logger: logs.logger });
  let disconnects = 0;
  endpoint.on('connection', () => {
    throw new Error('listener bug');
  });
  endpoint.on('disconnect', () => {
    disconnects++;
    throw new Error('listener bug');
  });
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const sockets = await Promise.all(Array.from({ length: PER_ROUND }, () => rawConnect(port)));
    for (const socket of sockets) socket.end();
    await within(Promise.all(sockets.map(closedBy)), 20_000, 'every connection of the round closed');
  }
  await waitUntil(() => disconnects === FLOOD, { what: `${FLOOD} disconnects heard`, timeoutMs: 20_000 });
  const seconds = Math.ceil((performance.now() - started) / 1000);
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_INTERNAL'], 2 * FLOOD, 'every throw counted');
  for (const event of ['connection', 'disconnect']) {
    const lines = logs.text().split('\n').filter((l) => l.includes(`a '${event}' listener threw`));
    const suppressed = lines.reduce((sum, l) => sum + ((JSON.parse(l) as { suppressed?: number }).suppressed ?? 0), 0);
    assert.ok(lines.length >= 1, `the first '${event}' throw is logged`);
    assert.ok(lines.length <= 20 * (seconds + 1), `${lines.length} '${event}' lines in ${seconds} s`);
    assert.ok(lines.length + suppressed <= FLOOD);
  }
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(3)), 5_000, 'no reply')).fields['39'], '00');
});
