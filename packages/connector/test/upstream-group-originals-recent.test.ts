// An upstream group remembers its last `maxOriginals` originals by their last send: an original sent again under the
// same STAN and terminal (to the upstream its original went to) moves up, so the cut at the bound drops the least
// recently sent one, never the original just sent. Dropped, its reversal went to the first upstream: a bank that
// never had the original the terminal was told of. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';

test('maxOriginals: an original sent again moves up, and the cut at the bound drops the least recently sent one', async (t) => {
  const a = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const b = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const group = await startGroup(t, { strategy: 'round-robin', maxOriginals: 2, upstreams: [upstream('a', a), upstream('b', b)] }, () => [a, b]);
  await group.request(purchase('630000')); // to a
  await group.request(purchase('630001')); // to b
  await group.request(purchase('630002')); // to a: a third, 630000 is forgotten
  await group.request(purchase('630001')); // sent again, to b where it went: now the most recent original
  await group.request(purchase('630003')); // to b (its turn): one is forgotten (630002, the least recently sent)
  await group.request({ ...purchase('630001'), '0': '0400' });
  await group.request({ ...purchase('630002'), '0': '0400' });
  const sent = (p: Peer): string[] => p.received.filter((r) => r.message['0'] !== '0800').map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`);
  assert.deepEqual(sent(b), ['0200/630001', '0200/630001', '0200/630003', '0400/630001'], 'the reversal of the original sent last to b goes to b');
  // 630002 forgotten: its reversal goes to the first upstream (the documented fallback for an unknown original).
  assert.deepEqual(sent(a), ['0200/630000', '0200/630002', '0400/630002']);
});
