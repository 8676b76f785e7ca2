// A `signal` (send options) that is not an AbortSignal is refused before the request is accepted, naming `signal`
// (ISO8583_ERR_CONNECTOR_OPTIONS, never written). It threw a TypeError (no code) after the request was counted in
// flight: the count never came down, so `close()` (and a Fastify `app.close()` through the plugin) waited for ever.
// Real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('signal – anything but an AbortSignal is refused naming signal, never written, and close() still ends', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const bad: unknown[] = [{}, 'abort', { aborted: false }, null];
  for (const [i, signal] of bad.entries()) {
    const err = await connector.request(purchase(`00780${i}`), { signal: signal as AbortSignal }).then(
      () => undefined,
      (e: { code?: string; field?: string; sent?: string }) => e,
    );
    assert.equal(err?.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `signal ${JSON.stringify(signal)}`);
    assert.equal(err?.field, 'signal');
    assert.equal(err?.sent, 'no');
  }
  assert.equal((await connector.request(purchase('007809'), { signal: new AbortController().signal }))['39'], '00');
  // A refused one written would be on the one connection before this answered one: the host got only this.
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['007809'], 'none of them reached the host');
  await within(connector.close(), 10_000, 'close() to end: no refused request left counted in flight');
});
