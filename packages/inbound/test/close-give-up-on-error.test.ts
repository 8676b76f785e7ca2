// A close that gives up on a sequence (its deadline passed) aborts its signal with ISO8583_ERR_INBOUND_CLOSED; a
// sequence that rejects with that abort must not start onError: its answer would go to a closed socket, and what it
// sent (a backup link's approval) would be reversed by no one, its own signal made after the close and aborted by
// nothing. Before, onError ran. Real sockets on 127.0.0.1; the order is followed through the endpoint's log lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence, SequenceContext } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('close – a sequence that rejects as the close gives up on it starts no onError', async (t) => {
  const logs = captureLogs('debug');
  const started = gate<SequenceContext>();
  const sequence: Sequence = (_m, context) => new Promise((_resolve, reject) => {
    started.open(context);
    const signal = context.signal!;
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  const onErrorCalls: string[] = [];
  const onError: Sequence = (m, context) => {
    onErrorCalls.push(String(context.error?.code));
    return { ...m.fields, 0: '0210', 39: '00' };
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, onError, logger: logs.logger, onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await within(started.promise, 10_000, 'the sequence did not start');
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end at its deadline');
  // The failure is logged before onError would be called (pipeline.ts `failed`, then `recover`, in one turn).
  const line = await within(logs.waitFor(/"code":"ISO8583_ERR_INBOUND_SEQUENCE_FAILED"/), 10_000, 'the failure was not logged');
  assert.match(line, /ISO8583_ERR_INBOUND_CLOSED/);
  assert.deepEqual(onErrorCalls, [], 'onError is not started for a sequence the close gave up on');
});
