// With `terminalQueue` on and a PostgreSQL store that stops answering (a frozen relay: nothing forwarded, nothing
// closed) while a request holds its terminal's lock: `destroy()` fails the request and settles at once, instead of
// waiting for the unlock's statement timeout (`terminalQueue.timeout` + 5 s, 35 s by default), and leaves no
// connection to the store open.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freezingRelay, sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('destroy() with a terminal lock held and the store frozen: settles at once, the request fails with a coded error, no connection left', async (t) => {
  const url = cluster.createDatabase('frozen_terminal_lock');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  let arrived: () => void = () => undefined;
  const atHost = new Promise<void>((resolve) => (arrived = resolve));
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['0']).startsWith('08')) return p.send(r.socket, answer(r.message));
    arrived(); // never answered: the request holds its terminal's lock until the destroy
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true }, store: relay.url, safLease: 1500, terminalQueue: { enabled: true } });
  t.after(() => connector.destroy());
  await connector.connect();
  const request = connector.request(purchase('000123'));
  request.catch(() => undefined);
  await atHost;
  relay.freeze();
  await within(connector.destroy(), 5_000, 'destroy() with the store frozen and a terminal lock held');
  await assert.rejects(request, (err: Error & { code?: string }) => {
    assert.match(String(err.code), /^ISO8583_ERR_CONNECTOR_/);
    assert.doesNotMatch(`${err.message} ${JSON.stringify(err)}`, /4111111111111111/);
    return true;
  });
  await waitUntil(() => relay.open() === 0, { what: 'every connection to the store closed', timeoutMs: 2_000 });
});
