// close() whose deadline passes while sequences still run (their connections destroyed at the deadline) says so:
// `close deadline passed: sequences still running`, with `inFlight`, as the docs promise. Before, that line came only
// when every connection had drained in time, so a close cut by its deadline said nothing of the sequences it left
// running (each an approval that may yet go to onLateResult). Both deadline lines carry their code
// (ISO8583_WARN_INBOUND_CLOSE_DEADLINE), as every warn line does. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('close – the deadline passes while a sequence runs: the sequences still running are reported', async (t) => {
  const held = gate();
  const logs = captureLogs('debug');
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, logger: logs.logger });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end at its deadline');
  const line = await within(logs.waitFor(/close deadline passed: sequences still running/), 1_000, 'the sequences still running were not reported');
  const fields = JSON.parse(line) as { inFlight: number; code?: string };
  assert.equal(fields.inFlight, 1);
  assert.equal(fields.code, 'ISO8583_WARN_INBOUND_CLOSE_DEADLINE');
  // The connection left at the deadline was destroyed, said under the same code.
  const destroyed = JSON.parse(await within(logs.waitFor(/close deadline passed: destroying connections/), 1_000, 'the destroyed connections were not reported')) as { connections: number; code?: string };
  assert.equal(destroyed.connections, 1);
  assert.equal(destroyed.code, 'ISO8583_WARN_INBOUND_CLOSE_DEADLINE');
});
