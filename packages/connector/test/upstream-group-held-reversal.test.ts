// What an upstream group holds a transaction by with reversal on: the same rule as with reversal off (its STAN and
// terminal, and its acquirer (32) and card (2) agreeing when both sides have them), though the holder's journal arms
// its reversal by STAN and terminal. An unrelated transaction that shares only a STAN and terminal id with one in
// flight goes by the strategy (or on to another upstream), never to the holder to be refused there; a true repeat
// still goes to the holder. Real peers on 127.0.0.1, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, tempDir, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const seen = (peer: Peer): string[] => peer.received.map((r) => `${String(r.message['0'])}:${String(r.message['32'])}`);

/** A peer that holds (never answers) the requests `held` picks and answers every other with 00. */
const holding = (t: Parameters<typeof peerFor>[0], held: (m: IsoMessage) => boolean): Promise<Peer> =>
  peerFor(t, (r, p) => {
    if (!held(r.message)) p.send(r.socket, answer(r.message));
  });

for (const strategy of ['failover', 'round-robin'] as const) {
  test(`upstream group held reversal – ${strategy}, reversal on: another acquirer's purchase with the same STAN and terminal id is answered by B; a true repeat goes to A`, async (t) => {
    const a = await holding(t, (m) => m['32'] === '111111');
    const b = await peerFor(t);
    const reversal = (name: string): { enabled: true; journalDir: string } => ({ enabled: true, journalDir: tempDir(t, `held-rev-${name}`) });
    const group = await startGroup(t, {
      strategy,
      upstreams: [{ ...upstream('A', a), requestTimeout: 60_000, reversal: reversal('a') }, { ...upstream('B', b), reversal: reversal('b') }],
    }, () => []);
    const first = failure(group.request({ ...purchase('058001', 'TERMSAME'), '32': '111111' }));
    await a.waitFor(1);
    const other = await group.request({ ...purchase('058001', 'TERMSAME'), '32': '222222' });
    assert.equal(other['39'], '00', 'answered by B: another transaction, not the one A holds');
    const repeat = await failure(group.request({ ...purchase('058001', 'TERMSAME'), '0': '0201', '32': '111111' }));
    assert.equal(repeat.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'the repeat went to A, which holds its transaction');
    assert.deepEqual([seen(a), seen(b)], [['0200:111111'], ['0200:222222']], 'B never got the held transaction');
    await group.connectors.get('A')?.destroy();
    await first;
  });
}
