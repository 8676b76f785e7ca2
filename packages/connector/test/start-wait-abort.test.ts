// A request sent while the start has not read the journal yet (reversal on, `autoFill.stan`) waits for it before it is
// accepted: its caller's `signal` ends that wait at once (refused `ABORTED`, never sent), and the requests waiting count
// toward `maxInFlight` (the one past it refused `IN_FLIGHT_LIMIT` at once). The start is held in a `beforeConnect` that
// settles only when the test lets it. Real files, a real listener on 127.0.0.1; no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Connector, ConnectorOptions } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { gate } from './helpers/write-faults.js';

/** A purchase without field 11 (the connector fills it). */
function noStan(): IsoMessage {
  const message = purchase('000000');
  delete message['11'];
  return message;
}

/** A connector (reversal on, STANs filled, `options`) whose start is held in its `beforeConnect` until `release`. */
async function heldStart(t: Parameters<typeof tempDir>[0], options: Partial<ConnectorOptions> = {}): Promise<{ connector: Connector; hookCalled: Promise<void>; release: () => void }> {
  const peer = await peerFor(t, () => undefined);
  const called = gate();
  const held = gate();
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    autoFill: { stan: true },
    reversal: { enabled: true, journalDir: tempDir(t, 'start-wait') },
    beforeConnect: () => {
      called.open();
      return held.promise;
    },
    ...options,
  } as ConnectorOptions);
  t.after(() => {
    held.open();
    return connector.destroy();
  });
  return { connector, hookCalled: called.promise, release: held.open };
}

test('a request waiting for the start is refused at once when its signal aborts (never sent), not once the start ends', async (t) => {
  const { connector, hookCalled } = await heldStart(t);
  void connector.connect().catch(() => undefined);
  await within(hookCalled, 10_000, 'the start called beforeConnect');
  const controller = new AbortController();
  const sale = failure(connector.request(noStan(), { signal: controller.signal }));
  controller.abort();
  // Before the fix: still waiting for the start (held for ever here), the abort unseen.
  const err = await within(sale, 10_000, 'the aborted request was refused while the start is held');
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_ABORTED');
  assert.equal((err as { sent?: unknown }).sent, 'no');
});

test('requests waiting for the start count toward maxInFlight: the one past it is refused IN_FLIGHT_LIMIT at once', async (t) => {
  const { connector, hookCalled } = await heldStart(t, { maxInFlight: 2 });
  void connector.connect().catch(() => undefined);
  await within(hookCalled, 10_000, 'the start called beforeConnect');
  const waiting = [connector.request(noStan()), connector.request(noStan())];
  for (const w of waiting) w.catch(() => undefined);
  // Before the fix: it waited with the others, any number of them holding card data.
  const err = await within(failure(connector.request(noStan())), 10_000, 'the request past maxInFlight was refused while the start is held');
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT');
});

test('the requests that waited for the start are accepted once it read the journal, up to maxInFlight', async (t) => {
  const { connector, hookCalled, release } = await heldStart(t, { maxInFlight: 2, requestTimeout: 200 });
  void connector.connect().catch(() => undefined);
  await within(hookCalled, 10_000, 'the start called beforeConnect');
  const waiting = [failure(connector.request(noStan())), failure(connector.request(noStan()))];
  release();
  // The host answers nothing: each was accepted and sent, then timed out (not refused IN_FLIGHT_LIMIT by the other).
  const codes = (await within(Promise.all(waiting), 10_000, 'the two requests settled')).map((e) => e.code);
  assert.deepEqual(codes, ['ISO8583_ERR_CONNECTOR_TIMEOUT', 'ISO8583_ERR_CONNECTOR_TIMEOUT']);
});
