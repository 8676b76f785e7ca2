// A request the client sends after `close()` began is read and dropped (counted in `dropped`, said in the close line)
// also when the drain is cut (the close deadline, `destroy()`) before the messages in flight are answered. Reading
// stayed paused during the drain, and the cut read the socket out and threw those bytes away uncounted: the request
// vanished, no reply, no count, no line. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

for (const maxInFlightPerConnection of [1, 8]) {
  test(`close cut short (maxInFlightPerConnection ${maxInFlightPerConnection}) – a request sent during the drain is counted and said as dropped`, async (t) => {
    const held = gate();
    const logs = captureLogs('info');
    let calls = 0;
    const sequence: Sequence = async (m, c) => {
      calls++;
      await held.promise;
      return approveAll(m, c);
    };
    const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence, maxInFlightPerConnection, logger: logs.logger, onLateResult: () => undefined });
    t.after(() => held.open());
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    client.send(purchase(1));
    await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the first message started' });
    const closing = endpoint.close({ deadline: 60_000 });
    closing.catch(() => undefined);
    await within(logs.waitFor(/inbound endpoint closing/), 5_000, 'the close did not begin');
    client.send(purchase(2));
    await waitUntil(() => endpoint.stats().dropped === 1, { what: 'the request sent during the drain counted as dropped', timeoutMs: 10_000 });
    // The drain cut short: the first message is still in its sequence.
    await within(endpoint.destroy(), 5_000, 'destroy did not settle');
    assert.equal(endpoint.stats().dropped, 1, 'counted once');
    assert.equal(calls, 1, 'no sequence ran for it');
    const line = await within(logs.waitFor(/were dropped, unanswered/), 5_000, 'no line for the dropped request');
    assert.match(line, /"frames":1,"waiting":0/);
    assert.doesNotMatch(logs.text(), /4111111111111111/, 'no card data in the log');
  });
}
