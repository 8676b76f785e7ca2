// onError gets a signal of its own: the failed sequence's signal is aborted before onError runs (what the sequence left
// running stops), but a request onError sends with its own signal (as the docs advise) is sent, not refused at once;
// onError's signal is aborted only when the endpoint gives up on onError (it fails, or its sequenceTimeout passes), so
// that what it left running is cancelled or reversed when the client gets the 96. Real endpoint, real client socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

test('onError signal – live when onError runs (the failed sequence\'s is aborted): its request goes out', async (t) => {
  let sequenceSignal: AbortSignal | undefined;
  const sequence: Sequence = (_m, context) => {
    sequenceSignal = context.signal;
    throw new Error('bank down');
  };
  // As a connector request given the signal: refused at once when it is already aborted.
  const onError: Sequence = (m, context) => ({ 0: '0210', 11: m.fields['11'] as string, 39: context.signal?.aborted === true ? '96' : '05' });
  const { port } = await startEndpoint(t, { sequence, onError, logger: captureLogs('warn').logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await within(client.request(purchase(1)), 5_000, 'no reply to STAN 1');
  assert.equal(sequenceSignal?.aborted, true, 'the failed sequence\'s signal is aborted');
  assert.equal(reply.fields['39'], '05', 'onError\'s signal was live: its request could be sent');
});

test('onError signal – aborted when onError fails, with its failure, before the 96 is written', async (t) => {
  let onErrorSignal: AbortSignal | undefined;
  let abortedAtWrite: boolean | undefined;
  const { port } = await startEndpoint(t, {
    logger: captureLogs('warn').logger,
    sequence: () => {
      throw new Error('bank down');
    },
    onError: async (_m, context) => {
      onErrorSignal = context.signal;
      assert.equal(onErrorSignal?.aborted, false);
      await Promise.resolve();
      throw new Error('bank still down');
    },
    onReply: () => {
      abortedAtWrite = onErrorSignal?.aborted;
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(2)), 5_000, 'no reply to STAN 2')).fields['39'], '96');
  assert.equal(abortedAtWrite, true);
  const reason = onErrorSignal?.reason as { code?: string; message?: string } | undefined;
  assert.equal(reason?.code, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED');
  assert.match(String(reason?.message), /onError/);
});
