// A logger that throws (a pino destination whose write throws) never changes what the client gets: the failure is
// still counted, onError still runs, the client still gets onError's answer or the endpoint's 96 (or 30), a result
// the client never got is still handed to onLateResult. Each test checks the logger did throw, so that it cannot pass
// on a logger the endpoint never called. Real sockets on 127.0.0.1, a real pino logger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { InboundEndpoint, Sequence, UndeliveredReason } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import type { Reply } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { leaveWhileHeld } from './support/leaving.js';

/** A pino logger whose destination throws on every line at `level` or above; `thrown` counts the lines lost. */
function throwingLogger(level: pino.Level = 'warn'): { logger: pino.Logger; thrown: () => number } {
  let thrown = 0;
  const destination = {
    write(): void {
      thrown += 1;
      throw new Error('the log is down');
    },
  };
  return { logger: pino({ level }, destination), thrown: () => thrown };
}

/** The client's next answer, or a failure naming it (without an answer the test would wait for its file timeout). */
function answer(client: TestClient, message: MessageInput): Promise<Reply> {
  return within(client.request(message), 10_000, `an answer to STAN ${String(message['11'])}`);
}

async function connect(t: { after: (fn: () => void) => void }, port: number): Promise<TestClient> {
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  return client;
}

function errors(endpoint: InboundEndpoint, code: string): number | undefined {
  return endpoint.stats().errorsByCode[code];
}

const failing: Sequence = () => {
  throw new Error('sequence bug');
};

/** onError's own answer: a decline (05), told apart from the endpoint's 96. */
const declining: Sequence = (m) => ({ ...(approveAll(m, {} as never) as Record<string, unknown>), 39: '05' });

test('throwing logger – a sequence that throws: the client gets onError\'s answer, the failure is counted', async (t) => {
  const { logger, thrown } = throwingLogger();
  let onErrorCalls = 0;
  const onError: Sequence = (m, c) => {
    onErrorCalls += 1;
    return declining(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { logger, sequence: failing, onError });
  const client = await connect(t, port);
  assert.equal((await answer(client, purchase(1))).fields['39'], '05');
  assert.equal(onErrorCalls, 1);
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED'), 1);
  assert.ok(thrown() >= 1, 'the logger threw');
  // The connection still serves the next request.
  assert.equal((await answer(client, purchase(2))).fields['39'], '05');
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED'), 2);
});

test('throwing logger – a sequence that rejects or times out: the client gets onError\'s answer', async (t) => {
  const { logger, thrown } = throwingLogger();
  const { endpoint, port } = await startEndpoint(t, {
    logger,
    sequenceTimeout: 200,
    // STAN 3 rejects; STAN 4 never settles (its sequence timeout is the failure).
    sequence: (m) => (m.fields['11'] === '000003' ? Promise.reject(new Error('upstream down')) : new Promise<never>(() => undefined)),
    onError: declining,
  });
  const client = await connect(t, port);
  assert.equal((await answer(client, purchase(3))).fields['39'], '05');
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED'), 1);
  assert.equal((await answer(client, purchase(4))).fields['39'], '05');
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT'), 1);
  assert.ok(thrown() >= 2, 'the logger threw');
});

test('throwing logger – no onError, or an onError that throws too: the client gets the endpoint\'s 96', async (t) => {
  const without = throwingLogger();
  const first = await startEndpoint(t, { logger: without.logger, sequence: failing });
  const plain = await connect(t, first.port);
  assert.equal((await answer(plain, purchase(5))).fields['39'], '96');
  assert.equal(errors(first.endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED'), 1);
  assert.ok(without.thrown() >= 1, 'the logger threw');

  const both = throwingLogger();
  const second = await startEndpoint(t, { logger: both.logger, sequence: failing, onError: failing });
  const client = await connect(t, second.port);
  assert.equal((await answer(client, purchase(6))).fields['39'], '96');
  // The sequence's failure and onError's, each counted (onError's line goes through the context's logger).
  assert.equal(errors(second.endpoint, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED'), 2);
  assert.ok(both.thrown() >= 2, 'the logger threw for both');
});

test('throwing logger – a reply that cannot be packed: the client gets the 96, the result goes to onLateResult', async (t) => {
  const { logger, thrown } = throwingLogger();
  const told: { reason: UndeliveredReason; stan: unknown }[] = [];
  const { endpoint, port } = await startEndpoint(t, {
    logger,
    // Field 39 is an 2 in iso87ascii: '000' does not pack.
    sequence: (m) => ({ ...(approveAll(m, {} as never) as Record<string, unknown>), 39: '000' }),
    onLateResult: (_result, message, _context, reason) => void told.push({ reason, stan: message.fields['11'] }),
  });
  const client = await connect(t, port);
  const reply = await answer(client, purchase(7));
  assert.equal(reply.fields['0'], '0210');
  assert.equal(reply.fields['39'], '96');
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_REPLY_INVALID'), 1);
  assert.deepEqual(told, [{ reason: 'reply-invalid', stan: '000007' }]);
  assert.ok(thrown() >= 1, 'the logger threw');
});

test('throwing logger – a frame that does not decode: the client gets its 30, the error is counted', async (t) => {
  const { logger, thrown } = throwingLogger();
  const { endpoint, port } = await startEndpoint(t, { logger, sequence: approveAll });
  const client = await connect(t, port);
  const bytes = createCodec('iso87ascii').pack(purchase(8));
  const at = bytes.indexOf(Buffer.from('000008'));
  assert.ok(at > 0);
  // A letter in field 11 (n 6): the frame does not decode; its MTI can still be read.
  bytes.write('0000X8', at, 'latin1');
  client.write(encodeFrame(bytes, {}));
  const reply = await within(client.reply(), 10_000, 'the answer to a frame that does not decode');
  assert.equal(reply.fields['39'], '30');
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_DECODE'), 1);
  assert.ok(thrown() >= 1, 'the logger threw');
});

test('throwing logger – at every level: the endpoint starts, a result whose client has gone goes to onLateResult, the endpoint closes', async (t) => {
  const { logger, thrown } = throwingLogger('info');
  const entered = gate();
  const release = gate();
  const told = gate<{ reason: UndeliveredReason; stan: unknown }>();
  const { endpoint, port } = await startEndpoint(t, {
    logger,
    sequence: async (m, c) => {
      entered.open();
      await release.promise;
      return approveAll(m, c);
    },
    onLateResult: (_result, message, _context, reason) => told.open({ reason, stan: message.fields['11'] }),
  });
  await leaveWhileHeld(endpoint, port, 9, entered.promise);
  release.open();
  assert.deepEqual(await within(told.promise, 10_000, 'the result handed to onLateResult'), { reason: 'client-gone', stan: '000009' });
  assert.equal(errors(endpoint, 'ISO8583_ERR_INBOUND_CLIENT_GONE'), 1);
  const lost = thrown();
  await within(endpoint.close(), 10_000, 'the endpoint closed');
  assert.ok(lost >= 2 && thrown() > lost, 'the logger threw at info (listening, client gone, closing)');
});

test('throwing logger – a logger whose child() throws for a connection: the connection is served all the same', async (t) => {
  const root = pino({ level: 'silent' });
  let refused = 0;
  const rootChild = root.child.bind(root);
  // The endpoint's own child works; the child it makes for each connection throws (a custom logger's fault).
  root.child = ((bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => {
    const made = rootChild(bindings, options);
    const madeChild = made.child.bind(made);
    made.child = ((b: pino.Bindings, o?: pino.ChildLoggerOptions) => {
      if ('connection' in b) {
        refused += 1;
        throw new Error('no child logger');
      }
      return madeChild(b, o);
    }) as unknown as typeof made.child;
    return made;
  }) as unknown as typeof root.child;
  const { port } = await startEndpoint(t, { logger: root, sequence: approveAll });
  const client = await connect(t, port);
  assert.equal((await answer(client, purchase(1))).fields['39'], '00');
  assert.equal(refused, 1, 'the connection asked for its child logger, which threw');
});
