// What an upstream group holds a transaction by while its reversal is under way (reversal on, its original timed out
// at A): the one rule (STAN and terminal; acquirer (32) and card (2) agreeing when both are known), as while it is in
// flight. Another acquirer's purchase that only shares the STAN and terminal id goes by the strategy (or on from A,
// which refuses its key while reversing), and is answered by B; a true repeat still goes to A and is refused there.
// Real peers on 127.0.0.1, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Peer } from './peer.js';
import { purchase } from './peer.js';
import { peerFor, startGroup, tempDir, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const seen = (peer: Peer): string[] => peer.received.map((r) => `${String(r.message['0'])}:${String(r.message['32'])}`);

for (const strategy of ['failover', 'round-robin'] as const) {
  test(`upstream group held reversing – ${strategy}: another acquirer's purchase with the STAN and terminal id of one being reversed at A is answered by B`, async (t) => {
    const a = await peerFor(t, () => undefined); // answers nothing: the purchase times out, its reversal stays under way
    const b = await peerFor(t);
    const reversal = (name: string): { enabled: true; journalDir: string; retryInterval: number } => ({ enabled: true, journalDir: tempDir(t, `held-rvs-${name}`), retryInterval: 60_000 });
    const group = await startGroup(t, {
      strategy,
      upstreams: [{ ...upstream('A', a), requestTimeout: 300, reversal: reversal('a') }, { ...upstream('B', b), reversal: reversal('b') }],
    }, () => []);
    const first = await failure(group.request({ ...purchase('058101', 'TERMRVS1'), '32': '111111' }));
    assert.equal(first.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    assert.equal(group.connectors.get('A')?.holdsTransaction({ ...purchase('058101', 'TERMRVS1'), '32': '111111' }), true, 'its reversal is under way at A');
    const other = await group.request({ ...purchase('058101', 'TERMRVS1'), '32': '222222' });
    assert.equal(other['39'], '00', 'answered by B: another transaction, not the one A is reversing');
    const repeat = await failure(group.request({ ...purchase('058101', 'TERMRVS1'), '0': '0201', '32': '111111' }));
    assert.equal(repeat.code, 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'the repeat went to A, which is reversing its transaction');
    assert.deepEqual([seen(a).filter((s) => s.startsWith('02')), seen(b)], [['0200:111111'], ['0200:222222']], 'B never got the transaction A is reversing');
  });
}
