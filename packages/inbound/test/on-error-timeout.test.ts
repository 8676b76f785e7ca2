// onError runs within a sequenceTimeout of its own. When that runs out the client gets a 96, onError's
// own signal is aborted before the 96 is written (a connector request onError made with it is cancelled or
// reversed), and an answer onError gives later is never sent: counted and logged as ISO8583_ERR_INBOUND_LATE_REPLY and
// handed to onLateResult ('sequence-timeout', source 'onError'). onError has a sequenceTimeout of its own, from its
// call. Real endpoint, real client socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { ResultSource, SequenceContext, UndeliveredReason } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';
import { gate } from './support/gates.js';

test('onError timeout – a failed sequence whose onError settles after the sequenceTimeout: 96, signal aborted as it is written, the late approval to onLateResult once', async (t) => {
  const release = gate();
  const late = gate();
  const told: Array<{ reason: UndeliveredReason; source: ResultSource; rc: unknown }> = [];
  let onErrorContext: SequenceContext | undefined;
  let abortedAtWrite: boolean | undefined;
  const logs = captureLogs('warn');
  const { port, endpoint } = await startEndpoint(t, {
    sequenceTimeout: 100,
    logger: logs.logger,
    sequence: () => {
      throw new Error('bank down');
    },
    onError: async (m, context) => {
      onErrorContext = context;
      await release.promise;
      return approveAll(m, context);
    },
    onReply: () => {
      abortedAtWrite = onErrorContext?.signal?.aborted;
    },
    onLateResult: (result, _message, _context, reason, source) => {
      told.push({ reason, source, rc: (result as Record<string, unknown>)['39'] });
      late.open();
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => {
    release.open();
    client.destroy();
  });
  const reply = await within(client.request(purchase(1)), 5_000, 'no reply to STAN 1');
  assert.equal(reply.fields['39'], '96');
  assert.equal(abortedAtWrite, true, 'the signal onError was given is aborted when the 96 is written');
  // onError's own signal, aborted as its timer fired (the sequence's was aborted before onError ran).
  assert.equal((onErrorContext?.signal?.reason as { code?: string } | undefined)?.code, 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT');
  release.open();
  await within(late.promise, 5_000, 'onError\'s late approval never reached onLateResult');
  assert.deepEqual(told, [{ reason: 'sequence-timeout', source: 'onError', rc: '00' }]);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_LATE_REPLY, 1);
  const line = JSON.parse(await within(logs.waitFor(/an onError result came after its timeout/), 5_000, 'no late line')) as { code?: string; source?: string };
  assert.deepEqual([line.code, line.source], ['ISO8583_ERR_INBOUND_LATE_REPLY', 'onError']);
  assert.doesNotMatch(logs.text(), /4111111111111111/);
});

test('onError timeout – after the sequence timed out, an onError that outlives its own sequenceTimeout: 96, its late approval to onLateResult once', async (t) => {
  const release = gate();
  const late = gate();
  const told: Array<{ reason: UndeliveredReason; source: ResultSource }> = [];
  const { port, endpoint } = await startEndpoint(t, {
    sequenceTimeout: 100,
    sequence: () => new Promise(() => undefined),
    onError: async (m, context) => {
      await release.promise;
      return approveAll(m, context);
    },
    onLateResult: (_result, _message, _context, reason, source) => {
      told.push({ reason, source });
      late.open();
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => {
    release.open();
    client.destroy();
  });
  assert.equal((await within(client.request(purchase(2)), 5_000, 'no reply to STAN 2')).fields['39'], '96');
  release.open();
  await within(late.promise, 5_000, 'onError\'s late approval never reached onLateResult');
  assert.deepEqual(told, [{ reason: 'sequence-timeout', source: 'onError' }]);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_LATE_REPLY, 1);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT, 2, 'the sequence\'s timeout and onError\'s');
});

test('onError timeout – an onError that answers in time after a failure is sent as before', async (t) => {
  const { port } = await startEndpoint(t, {
    sequenceTimeout: 5_000,
    sequence: () => {
      throw new Error('bank down');
    },
    onError: async (m) => ({ 0: '0210', 11: m.fields['11'] as string, 39: '91' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(3)), 5_000, 'no reply to STAN 3')).fields['39'], '91');
});

test('onError timeout – an onError that gives up (rejects) while work it started with the signal runs on: the signal is aborted when the 96 is written', async (t) => {
  let onErrorContext: SequenceContext | undefined;
  let abortedAtWrite: boolean | undefined;
  const { port } = await startEndpoint(t, {
    sequenceTimeout: 5_000,
    sequence: () => {
      throw new Error('bank down');
    },
    // As a wrapper with a bound of its own (a flow's) rejects while the request it wraps is still out.
    onError: (_m, context) => {
      onErrorContext = context;
      void context.signal; // read, as a connector request given it does
      return Promise.reject(new Error('gave up'));
    },
    onReply: () => {
      abortedAtWrite = onErrorContext?.signal?.aborted;
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(4)), 5_000, 'no reply to STAN 4')).fields['39'], '96');
  assert.equal(abortedAtWrite, true, 'aborted before the 96 was written');
  assert.equal((onErrorContext?.signal?.reason as { code?: string } | undefined)?.code, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED');
});
