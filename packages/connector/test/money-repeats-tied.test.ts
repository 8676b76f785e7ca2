// Late answers whose field 7 is the host's own time (it names no transmission) in the money figures (sr65i #3, #4):
// - a forgotten record's field 7 makes such an answer an unknown transaction's only for that record's transaction
//   (money-repeats.ts `forgottenSent` keeps its identity: STAN, terminal, acquirer, card, the one rule of
//   transactions-in-flight.ts), not for another acquirer's under the same STAN and terminal;
// - it counts on the record of the timed-out request the late keys tied it to (accounting.ts `late` passes that
//   request's field 7, `sent.echo7`), not on the oldest uncounted: each request's approval counts its own amount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { Accounting } from '../src/accounting.js';
import { MoneyRepeats } from '../src/money-repeats.js';

const dialect = getDialect('iso87ascii');
const buy = (acquirer: string, seven: string) => ({ '0': '0200', '3': '000000', '4': '000000001000', '7': seven, '11': '005968', '32': acquirer, '41': 'TERM0025' });
const approvalOf = (request: ReturnType<typeof buy>, seven: string, reference: string) => ({ ...request, '0': '0210', '7': seven, '37': reference, '38': reference.slice(-6), '39': '00' });

test('money repeats – a forgotten record\'s field 7 makes the host-time late approval of another acquirer\'s transaction under the STAN and terminal no unknown one: its copy is counted once', () => {
  let now = 0;
  const repeats = new MoneyRepeats(dialect, 1000, () => now); // remembered 4 timeouts: 4 000 ms after the last count
  repeats.written('0200', buy('111111', '1207080000')); // X, acquirer 111111
  now = 3000;
  const y = buy('222222', '1207080100'); // Y, acquirer 222222, the same STAN and terminal
  repeats.written('0200', y);
  now = 4500; // X forgotten (its field 7 kept under the key), Y remembered
  const first = approvalOf(y, '1207080000', '000000000901'); // Y's late approval, the host's time: X's field 7 by chance
  assert.deepEqual(repeats.financial('0200', first, true, true, first), { processed: true, secured: true }, 'Y\'s approval counts');
  const copy = approvalOf(y, '1207080200', '000000000901'); // the host's copy of it, stamped again
  assert.deepEqual(repeats.financial('0200', copy, true, true, copy), { processed: false, secured: false }, 'Y is counted: its copy adds nothing');
});

test('money repeats, guard – the host-time late approval naming a forgotten record\'s field 7 of its own transaction is still an unknown one\'s', () => {
  let now = 0;
  const repeats = new MoneyRepeats(dialect, 1000, () => now);
  repeats.written('0200', buy('111111', '1207080000'));
  now = 3000;
  const y = buy('111111', '1207080100');
  repeats.written('0200', y);
  now = 4500;
  const forgotten = approvalOf(y, '1207080000', '000000000902'); // the forgotten transmission's late approval
  assert.deepEqual(repeats.financial('0200', forgotten, true, true, forgotten), { processed: true, secured: true }, 'an unknown transaction\'s');
  const own = approvalOf(y, '1207080100', '000000000903');
  assert.deepEqual(repeats.financial('0200', own, true, true, own), { processed: true, secured: true }, 'Y still uncounted: its own approval counts');
});

test('accounting – a host-time late approval the late keys tied to the second of two timed-out purchases counts on its record: both amounts count', () => {
  const source = { inFlight: () => 0, poolSize: () => 0, reversalsPending: () => 0, safDepth: () => 0, safEnded: () => ({ delivered: 0, expired: 0, abandoned: 0 }) };
  const accounting = new Accounting('default', source, undefined, dialect, 30_000);
  const a = { ...buy('111111', '1207090000'), '4': '000000001000' };
  const b = { ...buy('111111', '1207090100'), '4': '000000002500' };
  accounting.packed('0200', a);
  accounting.packed('0200', b);
  // B's late approval with the host's time: the late keys tied it to B by its amount (late-keys.ts `sentAnswered`).
  const sentB = { mti: '0200', processingCode: '000000', amount: 2500, echo7: '1207090100', stan: '005968', terminal: 'TERM0025' };
  accounting.late(approvalOf(b, '1207099999', '000000000904'), sentB);
  // A's late approval, echoing A's field 7.
  const sentA = { mti: '0200', processingCode: '000000', amount: 1000, echo7: '1207090000', stan: '005968', terminal: 'TERM0025' };
  accounting.late(approvalOf(a, '1207090000', '000000000905'), sentA);
  assert.equal(accounting.snapshot().amounts.secured, 3500, 'each purchase\'s approval counted, once');
  accounting.release();
});
