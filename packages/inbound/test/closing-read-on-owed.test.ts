// Reading goes on while an endpoint closes (so a request sent then is counted as dropped), but what is read so never
// costs the replies owed: broken framing read while a message is still in flight stops reading and the reply is still
// written; then the connection ends. Before, the broken frame closed the connection at once: the approval in flight was
// never written (in the gateway, reversed during a graceful stop). (A FIN with allowHalfOpen false is the client gone,
// as at any time: gateway-stop-client-gone.) Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

{
  const what = 'broken framing';
  test(`closing with a reply owed – ${what} read during the drain: the reply is still written, then the connection ends`, async (t) => {
    const held = gate();
    const logs = captureLogs('debug');
    const sequence: Sequence = async (m, c) => {
      await held.promise;
      return approveAll(m, c);
    };
    const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence, maxFrameSize: 1000, allowHalfOpen: false, logger: logs.logger, onLateResult: () => undefined });
    t.after(() => held.open());
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    client.send(purchase(1));
    await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the message started' });
    const closing = endpoint.close({ deadline: 60_000 });
    closing.catch(() => undefined);
    await within(logs.waitFor(/inbound endpoint closing/), 5_000, 'the close did not begin');
    client.write(Buffer.from([0xff, 0xff]));
    await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING === 1, { what: `${what} read and counted`, timeoutMs: 10_000 });
    held.open();
    const reply = await within(client.reply(), 10_000, 'the reply owed was not written');
    assert.equal(reply.fields['39'], '00');
    assert.equal(reply.fields['11'], '000001');
    await within(closing, 10_000, 'the close did not end once the reply was written');
    await within(client.closed, 10_000, 'the connection did not end');
    assert.doesNotMatch(logs.text(), /4111111111111111/, 'no card data in the log');
  });
}
