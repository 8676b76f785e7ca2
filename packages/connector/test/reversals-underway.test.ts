// A reversal the SAF queue lets go (`released`: a shared store's lease lost, or an attempt refused because this node
// stalled) is still pending: under this node's lease until a claim takes it again, or being sent by another node.
// A request reusing its STAN and terminal must stay refused meanwhile, not only while the entry is in this queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import { pino } from 'pino';
import { waitUntil } from '@iso8583/test-support';
import { ReversalsUnderway } from '../src/reversals-underway.js';
import type { SafEvent, SafHost } from '../src/saf-queue.js';

const host: SafHost = {
  sendReversal: () => Promise.reject(new Error('not sent in this test')),
  reversalEvent: () => undefined,
  safEnded: () => undefined,
  logger: pino({ level: 'silent' }),
};

function event(stage: SafEvent['stage'], id = 'r1'): SafEvent {
  return { stage, kind: 'reversal', id, mti: '0400', stan: '000042', terminal: 'TERM0001', attempt: 1 };
}

const original = { '0': '0200', '2': '4761739001010010', '11': '000042', '41': 'TERM0001' };

test('a released reversal keeps its transaction refused until it is claimed here again and ends', () => {
  const underway = new ReversalsUnderway(host, getDialect('iso87ascii'));
  underway.host.reversalEvent(event('queued'));
  underway.host.reversalEvent(event('released'));
  assert.equal(underway.has(original), true, 'still pending under this node\'s lease (or sent by another node)');
  underway.host.reversalEvent(event('queued'));
  underway.host.reversalEvent(event('answered'));
  assert.equal(underway.has(original), false, 'ended');
});

test('a released reversal that is not queued here again is forgotten after releasedHold', async () => {
  const underway = new ReversalsUnderway(host, getDialect('iso87ascii'), 50);
  underway.host.reversalEvent(event('queued'));
  underway.host.reversalEvent(event('released'));
  assert.equal(underway.has(original), true);
  await waitUntil(() => !underway.has(original), { what: 'the hold to end' });
  // Another reversal of the same transaction is counted on its own.
  underway.host.reversalEvent(event('queued', 'r2'));
  underway.host.reversalEvent(event('abandoned', 'r2'));
  assert.equal(underway.has(original), false);
});

test('an armed transaction is held (not its own entry\'s), not under way; queued it is both, until it ends', () => {
  const underway = new ReversalsUnderway(host, getDialect('iso87ascii'));
  underway.arm('a1', { ...original, '11': 42 });
  assert.equal(underway.has(original), true, 'held under the original\'s STAN and terminal, however written');
  assert.equal(underway.has(original, 'a1'), false, 'its own entry is not counted');
  assert.equal(underway.reversalOf(original), undefined, 'armed only: no reversal under way');
  underway.host.reversalEvent(event('queued', 'a1'));
  assert.equal(underway.reversalOf(original), 'a1', 'triggered: its reversal is under way');
  assert.equal(underway.has(original, 'a1'), false);
  underway.host.reversalEvent(event('answered', 'a1'));
  assert.equal(underway.has(original), false, 'ended');
  assert.equal(underway.reversalOf(original), undefined);
  underway.arm('a2', original);
  underway.settle('a2');
  assert.equal(underway.has(original), false, 'answered: free again');
});
