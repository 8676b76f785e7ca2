// A message whose sequence was awaited is reported done to its connection (`Peer.handled`) exactly once, on every path
// (answered, failed, timed out), even when the connection's `handled` throws: the throw is counted as
// ISO8583_ERR_INBOUND_INTERNAL, the connection is not told a second time (the message would be counted twice), and
// nothing escapes as an unhandled rejection. The pipeline is driven through `handleFrame` with an endpoint core and a
// connection side of the test's own (a `Peer` whose `handled` throws), a real codec, real timers for the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { EndpointCore, Peer } from '../src/core.js';
import { handleFrame } from '../src/pipeline.js';
import type { Sequence } from '../src/index.js';
import type { LateResultHandler, SequenceResult } from '../src/sequence.js';
import { purchase } from './support/client.js';
import { endpointCore, silent } from './support/endpoint-core.js';
import { gate } from './support/gates.js';

/** A connection side whose `handled` records what it is told, then throws; `told` opens at the first call. */
function throwingPeer(): { peer: Peer; calls: unknown[]; sent: Buffer[]; told: Promise<void> } {
  const calls: unknown[] = [];
  const sent: Buffer[] = [];
  const first = gate();
  const peer: Peer = {
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    logger: silent,
    sequenceLogger: silent,
    send(frame) {
      sent.push(frame);
      return true;
    },
    handled(err) {
      calls.push(err);
      first.open();
      throw new Error('the connection failed while counting the message');
    },
    formatError: () => false,
    wellFormed: () => undefined,
  };
  return { peer, calls, sent, told: first.promise };
}

/** Runs one purchase through `sequence`; resolves once the peer was told, and one more turn of the event loop. */
async function run(sequence: Sequence, sequenceTimeout = 3_600_000, onLateResult?: LateResultHandler): Promise<{ core: EndpointCore; calls: unknown[]; sent: Buffer[] }> {
  const core = endpointCore('pipeline-handled', sequence, { sequenceTimeout, ...(onLateResult === undefined ? {} : { onLateResult }) });
  const { peer, calls, sent, told } = throwingPeer();
  const frame: Frame = { header: Buffer.alloc(0), payload: core.codec.pack(purchase(1)) };
  assert.equal(handleFrame(core, frame, peer), false, 'the sequence is awaited');
  await within(told, 10_000, 'the peer to be told the message is done');
  // A second call, or an unhandled rejection (which fails the test), would come in this turn.
  await new Promise((resolve) => setImmediate(resolve));
  return { core, calls, sent };
}

test('pipeline – an answered message is reported done once when the connection throws from handled(); the throw is counted', async () => {
  const { core, calls, sent } = await run(async (m) => ({ 0: '0210', 11: m.fields['11'] as string, 39: '00' }));
  assert.deepEqual(calls, [undefined], 'told once, with no error: the reply went out');
  assert.equal(sent.length, 1);
  assert.equal(core.metrics.snapshot().errorsByCode.ISO8583_ERR_INBOUND_INTERNAL, 1);
});

test('pipeline – a failed sequence (answered 96) is reported done once when the connection throws from handled()', async () => {
  const { core, calls, sent } = await run(async () => {
    throw new Error('sequence bug');
  });
  assert.deepEqual(calls, [undefined]);
  assert.equal(sent.length, 1, 'the 96 reply');
  const errors = core.metrics.snapshot().errorsByCode;
  assert.equal(errors.ISO8583_ERR_INBOUND_SEQUENCE_FAILED, 1);
  assert.equal(errors.ISO8583_ERR_INBOUND_INTERNAL, 1);
});

test('pipeline – a sequence that times out is reported done once when the connection throws from handled(); its late answer is counted and handed to onLateResult, never sent', async () => {
  const late = gate<void>();
  let answer!: () => void;
  const lateResults: SequenceResult[] = [];
  const { core, calls, sent } = await run(
    () =>
      new Promise((resolve) => {
        answer = () => {
          resolve({ 0: '0210', 39: '00' });
        };
      }),
    20,
    (result) => {
      lateResults.push(result);
      late.open();
    },
  );
  assert.deepEqual(calls, [undefined]);
  assert.equal(sent.length, 1, 'the 96 reply at the timeout');
  answer();
  await late.promise;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, [undefined], 'the late answer tells nothing more');
  assert.equal(sent.length, 1, 'and sends nothing');
  const errors = core.metrics.snapshot().errorsByCode;
  assert.equal(errors.ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT, 1);
  assert.equal(errors.ISO8583_ERR_INBOUND_INTERNAL, 1);
  assert.equal(errors.ISO8583_ERR_INBOUND_LATE_REPLY, 1, 'the late result is counted');
  assert.deepEqual(lateResults, [{ 0: '0210', 39: '00' }], 'and handed to onLateResult once');
});

test('pipeline – a thenable whose then() throws gets exactly one answer (96), and in-flight is told once', async () => {
  const { core, calls, sent } = await run(() => ({
    then() {
      throw new Error('a broken thenable');
    },
  }) as unknown as Promise<SequenceResult>);
  assert.deepEqual(calls, [undefined], 'told once');
  assert.equal(sent.length, 1, 'one reply: the 96');
  assert.equal(core.codec.decode(sent[0]!.subarray(2)).message['39'], '96');
  const errors = core.metrics.snapshot().errorsByCode;
  assert.equal(errors.ISO8583_ERR_INBOUND_SEQUENCE_FAILED, 1);
  assert.equal(core.deadlines.timeout, 3_600_000);
});

test('pipeline – a thenable whose then() answers and then throws gets exactly one answer (its own)', async () => {
  const { calls, sent, core } = await run(() => ({
    then(ok: (r: SequenceResult) => void) {
      ok({ 0: '0210', 11: '000001', 39: '00' });
      throw new Error('thrown after answering');
    },
  }) as unknown as Promise<SequenceResult>);
  assert.deepEqual(calls, [undefined]);
  assert.equal(sent.length, 1);
  assert.equal(core.codec.decode(sent[0]!.subarray(2)).message['39'], '00');
});

test('pipeline – a result whose then getter throws gets exactly one answer (96)', async () => {
  const { core, calls, sent } = await run(() => {
    const out = {};
    Object.defineProperty(out, 'then', {
      get() {
        throw new Error('a then getter that throws');
      },
    });
    return out as SequenceResult;
  });
  assert.deepEqual(calls, [undefined]);
  assert.equal(sent.length, 1);
  assert.equal(core.codec.decode(sent[0]!.subarray(2)).message['39'], '96');
});
