// An integrator's `connection` or `disconnect` listener that throws is its bug, not the client's: the endpoint counts
// and logs it (`ISO8583_ERR_INBOUND_INTERNAL`, the thrown value's code, never its text) and goes on serving. It was
// thrown out of the server's `connection` handler (an uncaught exception) or out of a promise callback (an unhandled
// rejection): either took the process down, and every other client's work with it. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { ConnectionInfo } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

for (const event of ['connection', 'disconnect'] as const) {
  test(`a '${event}' listener that throws is counted and logged; the endpoint goes on serving`, async (t) => {
    const logs = captureLogs('info');
    const { endpoint, port } = await startEndpoint(t, { name: 'pos', sequence: approveAll, logger: logs.logger });
    endpoint.on(event, (info: ConnectionInfo) => {
      throw new Error(`listener bug for 4111111111111111 from ${info.remoteAddress}`);
    });
    const first = await TestClient.connect(port);
    t.after(() => first.destroy());
    assert.equal((await within(first.request(purchase(1)), 5_000, 'the first client got no reply')).fields['39'], '00');
    await first.close();
    await within(logs.waitFor(new RegExp(`a '${event}' listener threw`)), 5_000, 'no line for the listener that threw');
    const second = await TestClient.connect(port);
    t.after(() => second.destroy());
    assert.equal((await within(second.request(purchase(2)), 5_000, 'the second client got no reply')).fields['39'], '00');
    await waitUntil(() => (endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_INTERNAL'] ?? 0) >= 1, { what: 'the throw counted', timeoutMs: 5_000 });
    const line = logs.text().split('\n').find((l) => l.includes('listener threw')) ?? '';
    assert.match(line, /"code":"ISO8583_ERR_INBOUND_INTERNAL"/);
    assert.match(line, new RegExp(`"event":"${event}"`));
    assert.doesNotMatch(logs.text(), /4111111111111111|listener bug/, 'neither card data nor the thrown text in the log');
  });
}
