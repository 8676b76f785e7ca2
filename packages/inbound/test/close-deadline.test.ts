// `close({ deadline })` takes milliseconds from 0 to 2147483647. A value no timer can hold (Infinity, 3e9, -1, NaN, a
// string) used to end the drain at once, the reply in flight lost to onLateResult; now it is refused with a coded
// error naming `deadline` and nothing closes: the message in flight is answered, a good close follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { waitUntil, within } from '@iso8583/test-support';
import type { CloseOptions, Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';

test('close – a deadline no timer can hold is refused, naming deadline; nothing closes, the reply in flight is sent', async (t) => {
  const held = gate();
  let late = 0;
  const sequence: Sequence = async (m, c) => {
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, onLateResult: () => void late++ });
  const client = await TestClient.connect(port);
  t.after(() => {
    held.open();
    client.destroy();
  });
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'one message in flight' });
  for (const deadline of [Infinity, 3e9, 2_147_483_648, -1, NaN, '5000', null]) {
    await assert.rejects(endpoint.close({ deadline } as unknown as CloseOptions), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS', String(deadline));
      assert.deepEqual((err.problems ?? []).map((p) => p.field), ['deadline'], String(deadline));
      return true;
    });
  }
  await assert.rejects(endpoint.close(5 as unknown as CloseOptions), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  assert.notEqual(endpoint.address(), null, 'still listening');
  const closing = endpoint.close({ deadline: 2_147_483_647 });
  held.open();
  assert.equal((await within(client.reply(), 5_000, 'no reply')).fields['39'], '00');
  await within(closing, 5_000, 'the drain did not end');
  assert.equal(late, 0, 'nothing handed to onLateResult');
});

test('close – deadline 0 and an absent one are taken', async (t) => {
  const { endpoint } = await startEndpoint(t, { sequence: approveAll });
  await endpoint.close({ deadline: 0 });
  const second = await startEndpoint(t, { sequence: approveAll });
  await second.endpoint.close({});
  assert.equal(second.endpoint.address(), null);
});
