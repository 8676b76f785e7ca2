// A late answer is told by its class too while a request reusing the key waits (late-keys.ts `stale`, `lateCame`; a
// `matchKey` without field 0): an answer echoing the field 7 of a timed-out request of another class (a reversal that
// copied its original's) is no late answer to it. Before: the 0210 was taken as the timed-out 0400's late answer
// (counted with the 0400's amount, its place taken), so the 0400's own late 0410 was then not counted as its late answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { LateKeys, isSent } from '../src/late-keys.js';
import type { StaleAnswer } from '../src/late-keys.js';
import { getDialect } from '@iso8583/codec';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

/** As the channel does with an answer under a key a request (field 7 `waiting`) waits under: `stale`, then `lateCame`. */
function received(late: LateKeys, key: string, waiting: string, message: IsoMessage): { stale: StaleAnswer | undefined; sentMti: string | undefined } {
  const stale = late.stale(key, waiting, message);
  const sent = stale === 'late' ? late.lateCame(key, message['7'] as string, message['0']) : undefined;
  return { stale, sentMti: sent?.mti };
}

test('late keys – an answer of another class than the timed-out request whose field 7 it echoes is no late answer to it', () => {
  const late = new LateKeys(DIALECT);
  late.timedOut('000501|TERM0001', '1206100000', { mti: '0400', processingCode: '000000', amount: '000000001000' });
  // A 0200 reusing the key waits (its field 7 1206100500); the host's copy of the original's 0210 echoes the 0400's.
  const copy = received(late, '000501|TERM0001', '1206100500', { '0': '0210', '7': '1206100000', '39': '00' });
  assert.deepEqual(copy, { stale: 'duplicate', sentMti: undefined }, 'neither the 0400\'s late answer nor the waiting 0200\'s');
  // The 0400's own late 0410 (another class than the waiting 0200's: the channel asks `lateAnswer`) is its late answer.
  const own = late.lateAnswer('000501|TERM0001', { '0': '0410', '7': '1206100000', '39': '00' });
  assert.equal(isSent(own) ? own.mti : own, '0400', 'the 0400\'s own late 0410 is still its late answer');
});
