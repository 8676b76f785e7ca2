// A pool of two connections: an undecodable answer whose match key and field 7 can be read (channel-recovered.ts) that
// comes on another connection than its request's fails that request at once with BAD_RESPONSE (its outcome unknown),
// as a decodable answer there is its own (channel-peers.ts). Before, only the requests of the connection it came on
// were looked at: the request waited out its timeout (and a reversible one was reversed), or, with a request of the
// same key on that connection that sent another field 7, that one failed instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, corruptResponse, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import type { Connector } from '../src/index.js';

async function twoConnections(t: Parameters<typeof peerAndConnector>[0]): Promise<{ peer: Peer; connector: Connector }> {
  const parts = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
  parts.connector.on('error', () => undefined);
  await parts.connector.connect();
  await waitUntil(() => (parts.peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  return parts;
}

test('a pool of two connections: an undecodable answer on the other connection fails its request with BAD_RESPONSE at once', async (t) => {
  const { peer, connector } = await twoConnections(t);
  const r = connector.request(purchase('006021'), { timeout: 10_000 });
  const [sent] = await peer.waitFor(1);
  const other = [...peer.sockets].find((s) => s !== sent!.socket);
  assert.ok(other !== undefined, 'the connection the request did not take');
  other.write(corruptResponse(peer, answer(sent!.message)));
  await assert.rejects(r, { code: 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', field: '70' });
  await connector.close();
});

test('a pool of two connections, one key waiting on each: an undecodable answer fails the request that sent its field 7, not the one on its connection', async (t) => {
  const { peer, connector } = await twoConnections(t);
  const r1 = connector.request(purchase('006022'), { timeout: 10_000 });
  const [sent1] = await peer.waitFor(1);
  const r2 = connector.request({ ...purchase('006022'), '7': '1121103100' }, { timeout: 10_000 });
  const [, sent2] = await peer.waitFor(2);
  assert.notEqual(sent2!.socket, sent1!.socket, 'R2 took the other connection');
  // R2's answer, undecodable, on R1's connection; then R1's own answer.
  sent1!.socket.write(corruptResponse(peer, answer(sent2!.message)));
  await assert.rejects(r2, { code: 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', field: '70' });
  peer.send(sent1!.socket, answer(sent1!.message));
  const got1: IsoMessage = await r1;
  assert.deepEqual([got1['39'], got1['7']], ['00', '1121103000'], 'R1 still waited, and took its own answer');
  await connector.close();
});
