// A repeat (0201) that drops field 32 or field 2 its original carried still names the transaction held in flight at
// one upstream (same STAN and terminal; an absent acquirer or card does not tell it apart), so round robin never sends
// it to another bank while the original is in flight. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const seen = (peer: Peer): string[] => peer.received.map((r) => `${String(r.message['0'])}:${String(r.message['11'])}`);

for (const drop of ['32', '2']) {
  test(`upstream group held partial – round robin: a 0201 repeat without field ${drop} of a 0200 in flight at A never reaches B`, async (t) => {
    const a = await peerFor(t, (r, p) => {
      if (r.message['11'] !== '054010') p.send(r.socket, answer(r.message));
    });
    const b = await peerFor(t);
    const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 60_000 }, upstream('B', b)] }, () => []);
    const first = failure(group.request({ ...purchase('054010', 'TERMSAME'), '32': '111111' }));
    await a.waitFor(1);
    const repeat: IsoMessage = { ...purchase('054010', 'TERMSAME'), '32': '111111', '0': '0201' };
    delete repeat[drop];
    await failure(group.request(repeat)); // A refuses a second request of the same transaction in flight (duplicate)
    await group.connectors.get('A')?.destroy();
    await first;
    assert.deepEqual(seen(b), [], 'B (another bank) must never get the repeat of a transaction in flight at A');
  });
}
