// A late answer lacking fields 11 and 41 (a bank that echoes neither, `matchKey` without 41) is given its request's STAN
// and terminal (match-key.ts `withRequestTransaction`) only when the late keys tie it to that request for certain: the
// only request timed out under its key, or the one whose field 7 it echoes. Two terminals' purchases of one STAN timed
// out under one key (`0210|074001`): an answer echoing neither field 7 is not filled with either terminal. Before: it
// was filled with the last one's (TERMB), though it may be TERMA's: a 0401 for the wrong terminal, or none for TERMA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { LateKeys, isSent } from '../src/late-keys.js';
import { withRequestTransaction } from '../src/match-key.js';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

const dialect = getDialect('iso87ascii');
const KEY = '0210|074001';

function purchase(terminal: string, echo7?: string): { mti: string; processingCode: string; amount: string; stan: string; terminal: string; echo7?: string } {
  return { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '074001', terminal, ...(echo7 === undefined ? {} : { echo7 }) };
}

test('late keys – two terminals under one key: an answer tied to neither by field 7 gets no terminal', () => {
  const late = new LateKeys(DIALECT);
  late.timedOut(KEY, undefined, purchase('TERMA'));
  late.timedOut(KEY, undefined, purchase('TERMB'));
  const answer = { '0': '0210', '4': '000000001000', '39': '00' };
  const sent = late.lateAnswer(KEY, answer);
  assert.ok(isSent(sent), 'still counted as a late answer');
  const judged = withRequestTransaction(dialect, answer, sent);
  assert.equal(judged['41'], undefined, 'no terminal guessed');
  assert.equal(judged['11'], undefined, 'no STAN of a guessed request');
});

test('late keys – one request under the key, or its field 7 echoed: its STAN and terminal filled', () => {
  const one = new LateKeys(DIALECT);
  one.timedOut(KEY, undefined, purchase('TERMA'));
  const answer = { '0': '0210', '39': '00' };
  const sent = one.lateAnswer(KEY, answer);
  assert.ok(isSent(sent));
  assert.deepEqual([withRequestTransaction(dialect, answer, sent)['11'], withRequestTransaction(dialect, answer, sent)['41']], ['074001', 'TERMA   ']);
  // Two terminals, each request's field 7 kept: the answer echoing TERMA's is TERMA's.
  const two = new LateKeys(DIALECT);
  two.timedOut(KEY, '1207072000', purchase('TERMA', '1207072000'));
  two.timedOut(KEY, '1207072001', purchase('TERMB', '1207072001'));
  const echoing = { '0': '0210', '7': '1207072000', '39': '00' };
  const tied = two.lateAnswer(KEY, echoing);
  assert.ok(isSent(tied));
  assert.equal(withRequestTransaction(dialect, echoing, tied)['41'], 'TERMA   ');
});

// Two terminals' purchases of one STAN that sent the same field 7 (the same second, on two connections): the later
// takes the earlier's place under the key, so an answer echoing that field 7 may be either's: no terminal is filled
// (sr63i #1: it was filled with TERMB's, though it may be TERMA's), neither as a late answer nor as one that came while
// a request reusing the key waited.
test('late keys – two terminals that sent the same field 7 under one key: an answer echoing it gets no terminal', () => {
  const late = new LateKeys(DIALECT);
  late.timedOut(KEY, '1207072000', purchase('TERMA', '1207072000'));
  late.timedOut(KEY, '1207072000', purchase('TERMB', '1207072000'));
  const answer = { '0': '0210', '7': '1207072000', '39': '00' };
  const sent = late.lateAnswer(KEY, answer);
  assert.ok(isSent(sent), 'still counted as a late answer');
  assert.equal(withRequestTransaction(dialect, answer, sent)['41'], undefined, 'no terminal guessed');
  const waited = new LateKeys(DIALECT);
  waited.timedOut(KEY, '1207072000', purchase('TERMA', '1207072000'));
  waited.timedOut(KEY, '1207072000', purchase('TERMB', '1207072000'));
  const came = waited.lateCame(KEY, '1207072000', '0210');
  assert.ok(came !== undefined);
  assert.equal(withRequestTransaction(dialect, answer, came)['41'], undefined, 'no terminal guessed while another waited');
});
