// An integrator's `listening` or `close` listener that throws is its bug, as a throwing `connection` listener is
// (listener-throws.test.ts): counted and logged (`ISO8583_ERR_INBOUND_INTERNAL`, the event, the thrown value's code,
// never its text) and never passed on. It made `start()` reject while the endpoint listened on (a caller that then
// gives up leaves a port bound and nothing to close it), and `close()` reject after everything had closed. Real
// sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** The one line the throw gave: coded, naming the event, neither the thrown text nor the card number in it. */
function assertThrowLogged(text: string, event: string): void {
  const lines = text.split('\n').filter((l) => l.includes(`a '${event}' listener threw`));
  assert.equal(lines.length, 1, `one line for the '${event}' listener that threw`);
  assert.match(lines[0]!, /"code":"ISO8583_ERR_INBOUND_INTERNAL"/);
  assert.match(lines[0]!, new RegExp(`"event":"${event}"`));
  assert.doesNotMatch(text, /4111111111111111|listener bug/, 'neither card data nor the thrown text in the log');
}

test("a 'listening' listener that throws: start() resolves with the address and the endpoint serves", async (t) => {
  const logs = captureLogs('info');
  const endpoint = createInboundEndpoint({ name: 'pos', port: 0, sequence: approveAll, logger: logs.logger });
  t.after(() => endpoint.destroy());
  endpoint.on('listening', () => {
    throw new Error('listener bug for 4111111111111111');
  });
  const address = await within(endpoint.start(), 5_000, 'start() did not settle');
  assert.equal(typeof address.port, 'number');
  assert.deepEqual(endpoint.address(), address);
  const client = await TestClient.connect(address.port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1)), 5_000, 'no reply')).fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_INTERNAL'], 1);
  assertThrowLogged(logs.text(), 'listening');
  await within(endpoint.close({ deadline: 2_000 }), 5_000, 'close() did not settle');
});

test("a 'close' listener that throws: close() resolves and the reply owed when it began is written", async (t) => {
  const logs = captureLogs('info');
  const release = gate();
  const started = gate();
  const sequence: Sequence = async (message, context) => {
    started.open();
    await release.promise;
    return approveAll(message, context);
  };
  const endpoint = createInboundEndpoint({ name: 'pos', port: 0, sequence, logger: logs.logger });
  t.after(() => endpoint.destroy());
  const { port } = await endpoint.start();
  let closeHeard = 0;
  endpoint.on('close', () => {
    closeHeard++;
    throw new Error('listener bug for 4111111111111111');
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = client.request(purchase(7));
  await within(started.promise, 5_000, 'the sequence never started');
  const closing = endpoint.close({ deadline: 10_000 });
  release.open();
  const answer = await within(reply, 5_000, 'the reply owed at the close was not written');
  assert.equal(answer.fields['39'], '00');
  assert.equal(answer.fields['11'], '000007');
  await within(closing, 5_000, 'close() did not settle');
  assert.equal(closeHeard, 1);
  assert.equal(endpoint.address(), null);
  assertThrowLogged(logs.text(), 'close');
  // Idempotent as ever: a second call returns the same, resolved, promise.
  await within(endpoint.close(), 5_000, 'a second close() did not settle');
});
