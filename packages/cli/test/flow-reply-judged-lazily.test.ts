// A flow's approval book reads a sequence's reply only when it holds an approval the reply could keep or reverse: a
// sequence that got none (it answers on its own, a decline) has its reply read by the endpoint alone, as without the
// book (a text reply is not parsed, an object not packed, a second time). An object reply is copied once as the
// endpoint packs it (told-copy.ts), which the endpoint then packs: counted by a getter on field 39, read once through
// the book, never more than without it. Real sockets: the flow's endpoint and a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { posTerminal, purchase } from './flow-approvals-bank.js';

/** The reads of field 39 of the replies of a sequence that declines on its own, through `wrap`, for one request. */
async function readsOf(t: test.TestContext, stan: string, wrap: (sequence: Sequence) => Sequence): Promise<number> {
  let reads = 0;
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    sequence: wrap(async (message) => {
      const reply: IsoMessage = { ...message.fields, 0: '0210' };
      Object.defineProperty(reply, '39', { enumerable: true, get: () => (reads++, '05') });
      return reply;
    }),
  });
  const answer = await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '05');
  return reads;
}

test('flow approvals – a reply is not read by the book when the sequence got no approval', async (t) => {
  const approvals = new UndeliveredApprovals(() => assert.fail('nothing to reverse'));
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const alone = await readsOf(t, '000093', (sequence) => sequence);
  const booked = await readsOf(t, '000094', (sequence) => approvals.sequence(sequence));
  assert.equal(booked, 1, 'read once, by the copy the endpoint packs');
  assert.ok(alone >= booked, `no more reads than without the book (${alone})`);
});
