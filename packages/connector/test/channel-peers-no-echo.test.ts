// A host that echoes no field 7, a pool of two connections (channel-peers.ts): R1 times out on connection A; R2 (the
// same STAN and terminal, another amount) waits on B; R1's late 00, without field 7, comes on A. It is R1's late
// answer, not R2's: a peer request takes an answer without field 7 under a key that timed out on this connector only
// when the answer's amount and processing code are the ones it sent. Before, R2 was told R1's result (approved, with
// R1's amount) and R1's approval was never counted late (nor reversed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

const STAN = '005981';

/** The host's answer to `request`, echoing no field 7. */
function noEcho(request: IsoMessage, fields: IsoMessage = {}): IsoMessage {
  const out = answer(request, fields);
  delete out['7'];
  return out;
}

test('a pool of two connections, no field 7 echoed: a timed-out request\'s late answer is not given to a peer request of another amount', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  const lates: IsoMessage[] = [];
  connector.on('late-response', (m: IsoMessage) => lates.push(m));
  // R1 times out, unanswered, on connection A.
  await assert.rejects(connector.request(purchase(STAN), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [sent1] = await peer.waitFor(1);
  // A request of another STAN, never answered, keeps A busy: R2 takes B.
  const filler = connector.request(purchase('005982'), { timeout: 30_000 }).catch((err: unknown) => err);
  const [, sentFiller] = await peer.waitFor(2);
  assert.equal(sentFiller!.socket, sent1!.socket, 'the filler took A');
  const r2 = connector.request({ ...purchase(STAN, 'TERM0001', '000000002500'), '7': '1121103100' }, { timeout: 10_000 });
  const [, , sent2] = await peer.waitFor(3);
  assert.notEqual(sent2!.socket, sent1!.socket, 'R2 took B');
  // R1's late approval, without field 7, on A.
  peer.send(sent1!.socket, noEcho(sent1!.message));
  await waitUntil(() => (lates.length === 1 ? true : undefined), { what: 'R1\'s late answer', timeoutMs: 5_000 });
  assert.equal(lates[0]!['4'], '000000001000', 'R1\'s answer came as late');
  // R2's own answer, without field 7, on B.
  peer.send(sent2!.socket, noEcho(sent2!.message, { '39': '51' }));
  const got = await r2;
  assert.equal(got['39'], '51', 'R2 is told its own result');
  assert.equal(got['4'], '000000002500');
  peer.send(sentFiller!.socket, noEcho(sentFiller!.message));
  assert.equal(((await filler) as IsoMessage)['39'], '00');
  await connector.close();
});
