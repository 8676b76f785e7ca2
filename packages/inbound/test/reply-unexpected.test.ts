// A sequence that forgets its `return` for a request that expects a response, or answers with a reply of another MTI
// (the request echoed back): neither is silent. Counted and logged at warn as ISO8583_ERR_INBOUND_REPLY_UNEXPECTED,
// MTIs, STAN and terminal only (never the PAN); `null` stays the quiet way to send nothing, and what is returned is
// sent as it is. Real endpoint, real client socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

test('reply unexpected – undefined for an 0200 and an 0200 answered with an 0200: counted and logged at warn, no card data; null and a right reply are not', async (t) => {
  const logs = captureLogs('warn');
  const sequence: Sequence = async (m) => {
    const stan = m.fields['11'];
    if (stan === '000001') return undefined; // forgot its return
    if (stan === '000002') return { ...m.fields }; // the request echoed: an 0200, no field 39
    if (stan === '000003') return null; // sends nothing, on purpose
    return { 0: '0210', 11: stan as string, 39: '00' };
  };
  const { port, endpoint } = await startEndpoint(t, { sequence, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  const forgot = JSON.parse(await within(logs.waitFor(/returned no reply/), 5_000, 'no line for the forgotten return')) as Record<string, unknown>;
  assert.deepEqual([forgot.code, forgot.mti, forgot.stan, forgot.source], ['ISO8583_ERR_INBOUND_REPLY_UNEXPECTED', '0200', '000001', 'sequence']);
  const echoed = await within(client.request(purchase(2)), 5_000, 'no reply to STAN 2');
  assert.equal(echoed.fields['0'], '0200', 'sent as it is');
  const wrong = JSON.parse(await within(logs.waitFor(/not the request's response MTI/), 5_000, 'no line for the wrong MTI')) as Record<string, unknown>;
  assert.deepEqual([wrong.code, wrong.stan, wrong.replyMti], ['ISO8583_ERR_INBOUND_REPLY_UNEXPECTED', '000002', '0200']);
  client.send(purchase(3));
  // null is not counted: only the first two are.
  assert.equal((await within(client.request(purchase(4)), 5_000, 'no reply to STAN 4')).fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_UNEXPECTED, 2);
  assert.doesNotMatch(logs.text(), /4111111111111111/);
});
