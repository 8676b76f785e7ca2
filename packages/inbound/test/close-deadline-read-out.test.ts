// A close whose deadline cuts the drain destroys the connection; its socket is read out before it closes (so the close
// is no reset). The requests read so, left in the socket while the connection was at its limits, are counted in
// `dropped` and said in the close line, as the docs say: every request sent is started or counted. Before, they were
// thrown away as bytes, counted nowhere. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('close deadline – requests read out of the socket at the destroy are counted in dropped and the close line', async (t) => {
  const held = gate();
  const logs = captureLogs('debug');
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlightPerConnection: 1, logger: logs.logger, onLateResult: () => undefined });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const one = client.frame(purchase(1)).length;
  // About 100 KB: more than one read (64 KB, held by the paused connection), less than the loopback buffers hold.
  const count = Math.ceil(100_000 / one);
  const bytes = Buffer.concat(Array.from({ length: count }, (_, i) => client.frame(purchase(i + 1))));
  await new Promise<void>((resolve, reject) => client.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the first request started' });
  await within(endpoint.close({ deadline: 100 }), 10_000, 'the close did not end');
  const stats = endpoint.stats();
  assert.equal(stats.messages, 1, 'one started');
  assert.equal(stats.dropped, count - 1, `every other request counted in dropped (${count} sent)`);
  const line = logs.text().split('\n').find((l) => l.includes('were dropped, unanswered'));
  assert.ok(line !== undefined, 'the close line');
  const said = JSON.parse(line) as { frames: number; waiting: number };
  assert.equal(said.frames + said.waiting, count - 1, 'the close line says them all');
  assert.ok(said.frames > 0, 'some were read out of the socket at the destroy');
});
