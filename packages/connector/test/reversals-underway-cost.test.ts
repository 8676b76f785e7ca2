// A lookup by transaction (a reversal the terminal sends itself, an upstream group asking whose transaction it is) once
// walked every reversal under way and armed request of the connector (O(held) per lookup, on the request path): it
// visits the entries of its own key only. Counted as the entries its maps yield, not timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import { pino } from 'pino';
import { ReversalsUnderway } from '../src/reversals-underway.js';
import type { SafHost } from '../src/saf-queue.js';
import { countVisits } from './visit-count.js';

const host: SafHost = {
  sendReversal: () => Promise.reject(new Error('not sent in this test')),
  reversalEvent: () => undefined,
  safEnded: () => undefined,
  logger: pino({ level: 'silent' }),
};

/** Other transactions held: each lookup before walked all of them. */
const HELD = 2000;

test('reversalOf and holdsUnderway visit the entries of their key only, however many others are held', () => {
  const underway = new ReversalsUnderway(host, getDialect('iso87ascii'));
  for (let i = 0; i < HELD; i++) {
    const stan = String(100_000 + i);
    if (i % 2 === 0) underway.arm(`a${i}`, { '0': '0200', '11': stan, '41': 'TERM0002' });
    else underway.host.reversalEvent({ stage: 'queued', kind: 'reversal', id: `r${i}`, mti: '0400', stan, terminal: 'TERM0002', attempt: 1 });
  }
  const original = { '0': '0200', '2': '4761739001010010', '11': '000042', '41': 'TERM0001' };
  underway.arm('mine', original);
  underway.host.reversalEvent({ stage: 'queued', kind: 'reversal', id: 'mine', mti: '0400', stan: '000042', terminal: 'TERM0001', attempt: 1 });
  const visits = countVisits(underway);
  assert.equal(underway.reversalOf({ '0': '0420', '11': '000077', '41': 'TERM0001', '90': '0200000042' }), 'mine');
  assert.equal(underway.holdsUnderway(original), true);
  assert.equal(underway.holdsUnderway({ ...original, '2': '4000000000000002' }), false, 'another card under the same STAN and terminal');
  assert.ok(visits() <= 6, `the lookups visited ${visits()} entries (their key holds 1; ${HELD} others are held)`);
});
