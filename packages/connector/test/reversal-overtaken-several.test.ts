// Several transactions under one STAN and terminal (a STAN reused within the ten minutes): each reversal that undid
// nothing and each late approval is its own note (reversal-overtaken.ts keeps a few per key), taken only by its booking.
// Before, one note per STAN and terminal: B's reversal answered 25 replaced A's, and A's late approval found nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

const dialect = getDialect('iso87ascii');
const revA: IsoMessage = { '0': '0400', '4': '000000001000', '7': '1121103000', '11': '000042', '41': 'TERM0001' };
const revB: IsoMessage = { ...revA, '4': '000000002000', '7': '1121104500' };
const lateOf = (r: IsoMessage): IsoMessage => ({ ...r, '0': '0210', '39': '00' });
const undid: IsoMessage = { '0': '0410', '39': '25' };

test('two reversals answered 25 under one STAN and terminal are both remembered; each late approval takes its own', () => {
  const o = new OvertakenReversals(dialect, ['4']);
  o.answered(revA, undid);
  o.answered(revB, undid);
  assert.equal(o.remembers(lateOf(revA)), true, 'A still remembered after B');
  assert.equal(o.again(lateOf(revA))?.reversal['7'], revA['7'], 'A\'s approval takes A\'s reversal');
  assert.equal(o.again(lateOf(revB))?.reversal['7'], revB['7'], 'B\'s approval takes B\'s reversal');
  assert.equal(o.takeAll().length, 0);
});

test('two late approvals under one STAN and terminal are both noted; each reversal answered 25 takes its own', () => {
  const o = new OvertakenReversals(dialect, ['4']);
  assert.equal(o.again(lateOf(revA)), undefined);
  assert.equal(o.again(lateOf(revB)), undefined);
  assert.equal(o.answered(revA, undid)?.approval['7'], revA['7'], 'A\'s reversal finds A\'s approval');
  assert.equal(o.answered(revB, undid)?.approval['7'], revB['7'], 'B\'s reversal finds B\'s approval');
});

test('a stop stores again every remembered reversal of one STAN and terminal; a reversal undone forgets only itself', () => {
  const o = new OvertakenReversals(dialect, ['4']);
  o.answered(revA, undid);
  o.answered(revB, undid);
  o.answered(revA, undid); // A's next attempt answered 25 again: still one note of A
  o.answered(revB, { '0': '0410', '39': '00' }); // B's repeat undid B
  assert.deepEqual(o.takeAll().map((n) => n.reversal['7']), [revA['7']]);
});

test('past max the oldest note is forgotten, whatever its key', () => {
  const o = new OvertakenReversals(dialect, ['4'], 2);
  o.answered(revA, undid);
  o.answered(revB, undid);
  o.answered({ ...revA, '11': '000043' }, undid);
  assert.deepEqual(o.takeAll().map((n) => `${n.reversal['11']}/${n.reversal['7']}`), [`000042/${revB['7']}`, `000043/${revA['7']}`]);
});
