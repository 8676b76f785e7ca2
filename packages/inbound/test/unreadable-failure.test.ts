// A sequence (or onError) that fails with a value that cannot even be looked at (a revoked Proxy: `instanceof`, any
// property read, throws) is a failure like any other: counted, onError called, the client answered once. Real
// sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

/** A revoked Proxy: every operation on it throws a TypeError. */
function unreadable(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

test('unreadable failure – a sequence that throws or rejects a revoked Proxy: onError is called and answers', async (t) => {
  let onErrorCalls = 0;
  const { endpoint, port } = await startEndpoint(t, {
    sequence: (m) => {
      if (m.fields['11'] === '000001') throw unreadable();
      return Promise.reject(unreadable());
    },
    onError: (m, c) => {
      onErrorCalls += 1;
      return { ...(approveAll(m, c) as Record<string, unknown>), 39: '05' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1)), 10_000, 'the answer to a thrown revoked Proxy')).fields['39'], '05');
  assert.equal((await within(client.request(purchase(2)), 10_000, 'the answer to a rejected revoked Proxy')).fields['39'], '05');
  assert.equal(onErrorCalls, 2);
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_SEQUENCE_FAILED'], 2);
});

test('unreadable failure – an onError that rejects a revoked Proxy: the client gets the endpoint\'s 96', async (t) => {
  const failing: Sequence = () => Promise.reject(unreadable());
  const { endpoint, port } = await startEndpoint(t, { sequence: failing, onError: failing });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(3)), 10_000, 'the answer after onError failed')).fields['39'], '96');
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_SEQUENCE_FAILED'], 2);
});
