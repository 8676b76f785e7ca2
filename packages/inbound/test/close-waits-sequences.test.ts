// close() resolves (and 'close' is emitted) only once the sequences still running have ended, those of clients that
// have gone included, up to the deadline: their results (an approval to reverse, handed to onLateResult as
// client-gone) come before it, while the application's connectors are still open. Before, close() resolved at once
// and the result came after. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('close – waits for the sequence of a client that has gone; its late result comes before close resolves', async (t) => {
  const held = gate();
  const logs = captureLogs('debug');
  const events: string[] = [];
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, {
    sequence,
    logger: logs.logger,
    onLateResult: (_r, m, _c, reason) => events.push(`late ${String(m.fields['11'])} ${reason}`),
  });
  t.after(() => held.open());
  endpoint.on('close', () => events.push('close event'));
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.socket.resetAndDestroy();
  await waitUntil(() => endpoint.stats().connections === 0, { what: 'the client gone' });
  const closing = endpoint.close({ deadline: 60_000 });
  void closing.then(() => events.push('close resolved'));
  await within(logs.waitFor(/waiting for the sequences still running/), 5_000, 'close() did not wait for the sequence');
  assert.deepEqual(events, [], 'not closed while the sequence runs');
  held.open();
  await within(closing, 10_000, 'close() did not end once the sequence had');
  assert.deepEqual(events, ['late 000001 client-gone', 'close event', 'close resolved']);
});

test('close – the deadline bounds the wait for a sequence that never ends', async (t) => {
  const never = gate();
  const logs = captureLogs('debug');
  const sequence: Sequence = async (m, c) => {
    await never.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, logger: logs.logger, onLateResult: () => undefined });
  t.after(() => never.open());
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.socket.resetAndDestroy();
  await waitUntil(() => endpoint.stats().connections === 0, { what: 'the client gone' });
  await within(endpoint.close({ deadline: 200 }), 10_000, 'close() did not end at its deadline');
  assert.match(logs.text(), /close deadline passed: sequences still running/);
});
