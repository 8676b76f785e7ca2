// The two kinds of note (reversals answered with a code that undid nothing, and late approvals finding no reversal)
// are each bounded by `max` on their own (reversal-overtaken.ts): late approvals are common (a reversal answered `00`
// first leaves its original's late approval noted for ten minutes), and under load they must not push the remembered
// reversals out. Before, one count covered both maps and the oldest note of either kind was forgotten: a remembered
// reversal went first, silently, and its original's late approval was never reversed (nor stored again at a stop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

const dialect = getDialect('iso87ascii');
const revA: IsoMessage = { '0': '0400', '4': '000000001000', '7': '1121103000', '11': '000042', '41': 'TERM0001' };
const lateOf = (r: IsoMessage): IsoMessage => ({ ...r, '0': '0210', '39': '00' });
const undid: IsoMessage = { '0': '0410', '39': '25' };

test('late approvals past max do not push out a remembered reversal (each kind bounded on its own)', () => {
  const o = new OvertakenReversals(dialect, ['4'], 2);
  o.answered(revA, undid);
  assert.equal(o.again(lateOf({ ...revA, '11': '000050' })), undefined);
  assert.equal(o.again(lateOf({ ...revA, '11': '000051' })), undefined);
  assert.equal(o.again(lateOf({ ...revA, '11': '000052' })), undefined);
  assert.equal(o.remembers(lateOf(revA)), true, 'the reversal answered 25 is still remembered');
  assert.equal(o.again(lateOf(revA))?.reversal['7'], revA['7'], 'its late approval reverses it again');
});

test('reversals past max do not push out a noted late approval; each kind still forgets its own oldest past max', () => {
  const o = new OvertakenReversals(dialect, ['4'], 2);
  assert.equal(o.again(lateOf(revA)), undefined);
  for (const stan of ['000060', '000061', '000062']) o.answered({ ...revA, '11': stan }, undid);
  assert.deepEqual(o.takeAll().map((n) => n.reversal['11']), ['000061', '000062'], 'the oldest reversal forgotten past max');
  assert.equal(o.answered(revA, undid)?.approval['7'], revA['7'], 'the noted approval is still found by its reversal');
});
