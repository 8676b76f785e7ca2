// A sequence that times out: its `context.signal` is aborted with the very error its onError sequence is given
// (`ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT`), so what the work the signal stopped puts on the abort's reason as the abort
// runs (a connector request: `sent`, whether it may be at the host) reaches onError, which answers by it. A real
// endpoint and a real client socket; the stand-in for the connector is a listener on the signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';
import { gate } from './support/gates.js';

test('sequence timeout – the signal is aborted with the error onError gets: what a request put on the reason is there (68, not 96)', async (t) => {
  const held = gate<void>();
  let reason: unknown;
  const sequence: Sequence = async (m, context) => {
    // As a connector request given the signal does: told, as the abort runs, that the request was written.
    context.signal?.addEventListener('abort', () => {
      reason = context.signal?.reason;
      (reason as { sent?: string }).sent = 'maybe';
    });
    await held.promise;
    return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
  };
  const onError: Sequence = (m, context) => {
    const sent = (context.error as { sent?: string } | undefined)?.sent;
    return { 0: '0210', 11: m.fields['11'] as string, 39: sent === 'maybe' ? '68' : '96' };
  };
  const logs = captureLogs('warn');
  const { port } = await startEndpoint(t, { sequence, onError, sequenceTimeout: 50, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => {
    held.open();
    client.destroy();
  });
  const reply = await within(client.request(purchase(1)), 5_000, 'no reply to STAN 1');
  assert.equal(reply.fields['39'], '68', 'onError sees what the abort put on the reason');
  assert.equal((reason as { code?: string }).code, 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT');
  // The operator's line says it too: the request may be at the bank (it is being reversed).
  const line = JSON.parse(await within(logs.waitFor(/the sequence timed out/), 5_000, 'no timeout line')) as { err?: { code?: string; sent?: string } };
  assert.deepEqual([line.err?.code, line.err?.sent], ['ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT', 'maybe']);
});

test('sequence failure – a cause written to the bank (sent maybe) marks the abort reason maybe before a request the abort drops can mark it no (68, not 91)', async (t) => {
  let seenAtAbort: string | undefined;
  const sequence: Sequence = async (_m, context) => {
    // As a second connector request given the signal, still unwritten, does: its reason marked 'no' unless 'maybe'.
    context.signal?.addEventListener('abort', () => {
      const reason = context.signal?.reason as { sent?: string };
      seenAtAbort = reason.sent;
      if (reason.sent !== 'maybe') reason.sent = 'no';
    });
    await Promise.resolve();
    // As the first request's failure: the connection lost after it was written.
    throw Object.assign(new Error('connection lost'), { code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', sent: 'maybe' });
  };
  const onError: Sequence = (m, context) => {
    const sent = (context.error as { sent?: string } | undefined)?.sent;
    return { 0: '0210', 11: m.fields['11'] as string, 39: sent === 'maybe' ? '68' : sent === 'no' ? '91' : '96' };
  };
  const { port } = await startEndpoint(t, { sequence, onError, logger: captureLogs('warn').logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await within(client.request(purchase(2)), 5_000, 'no reply to STAN 2');
  assert.equal(seenAtAbort, 'maybe', 'the wrapper says maybe as the abort runs');
  assert.equal(reply.fields['39'], '68');
});
