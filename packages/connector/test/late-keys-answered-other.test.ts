// A late answer is tied to its timed-out request "for certain" (its STAN and terminal given to an answer lacking
// them: match-key.ts `tied`) only when no other transaction used the key: a request of another terminal answered in
// time under the same key (a match key without field 41) makes the host's copy of that answer no certain late answer
// of the timed-out one (late-keys.ts `answered`, `mixed`), whichever came first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LateKeys, isSent } from '../src/late-keys.js';
import { getDialect } from '@iso8583/codec';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

const A = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '000001', terminal: 'TERMA001' };
const B = { stan: '000001', terminal: 'TERMB001' };
/** B's answer as the host sent it in time, and its copy later: no field 41 (the key is field 11 only). */
const answerOfB = { '0': '0210', '7': '1207083000', '11': '000001', '4': '000000001000', '39': '00', '38': 'APPR01' };

test('late keys – the copy of another terminal\'s answer in time under the key is no certain late answer of the timed-out request', () => {
  const late = new LateKeys(DIALECT);
  late.timedOut('000001', '1207082959', A);
  late.answered('000001', '1207083000', answerOfB, B);
  // The host's copy of B's answer (B's field 7, no timed-out request's) is a copy: no late answer of A, A's key kept.
  assert.equal(late.lateAnswer('000001', { ...answerOfB }), 'copy');
  // A's real late answer (echoing A's field 7) is then still A's, tied for certain.
  const sent = late.lateAnswer('000001', { ...answerOfB, '7': '1207082959', '38': 'APPR02' });
  assert.ok(isSent(sent), 'A\'s own late answer still tied to A');
  assert.equal(sent.terminal, 'TERMA001');
});

test('late keys – another terminal answered under the key before the timeout: the copy of its answer is no certain late answer', () => {
  const late = new LateKeys(DIALECT);
  late.answered('000001', '1207083000', answerOfB, B);
  late.timedOut('000001', '1207082959', A);
  assert.equal(late.lateAnswer('000001', { ...answerOfB }), 'copy');
  // An answer echoing no field 7 (and not B's answer again) is no certain one of A: B was answered under the key.
  const sent = late.lateAnswer('000001', { '0': '0210', '11': '000001', '4': '000000001000', '39': '00', '38': 'APPR02' });
  assert.ok(isSent(sent));
  assert.equal(sent.terminal, undefined, 'no terminal of A given');
});

test('late keys – another terminal\'s request without field 7 answered before the timeout: the copy of its answer is no certain late answer', () => {
  const late = new LateKeys(DIALECT);
  const { '7': _seven, ...bWithout7 } = answerOfB;
  late.answered('000001', undefined, bWithout7, B);
  late.timedOut('000001', undefined, A);
  const sent = late.lateAnswer('000001', { ...bWithout7 });
  assert.ok(isSent(sent), 'counted with A\'s amount, the only request timed out under the key');
  assert.equal(sent.terminal, undefined, 'no terminal of A given: B was answered under the key');
  assert.equal(sent.stan, undefined);
});

test('late keys – the connector\'s own reversal of the timed-out request answered in time (fields 11 and 41 padded) leaves its late answer tied', () => {
  // The caller wrote STAN 1 (a number) and terminal 'T1'; the reversal carries '000001' and 'T1      ' (buildReversal).
  const sent0200 = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: 1, terminal: 'T1' };
  for (const order of ['reversal answered after the timeout', 'reversal answered before a second timeout'] as const) {
    const late = new LateKeys(DIALECT);
    late.timedOut('000001', undefined, sent0200);
    late.answered('000001', '1207082959', { '0': '0410', '7': '1207082959', '11': '000001', '39': '25' }, { stan: '000001', terminal: 'T1      ' });
    if (order === 'reversal answered before a second timeout') late.timedOut('000001', undefined, { ...sent0200, stan: '000001' });
    const sent = late.lateAnswer('000001', { '0': '0210', '11': '000001', '4': '000000001000', '39': '00', '38': 'APPR01' });
    assert.ok(isSent(sent), order);
    assert.equal(sent.terminal, 'T1', `${order}: one transaction under the key, its terminal given`);
  }
});

test('late keys – the same transaction answered under the key (its repeat) keeps its late answer tied for certain', () => {
  const late = new LateKeys(DIALECT);
  late.timedOut('000001', '1207082959', A);
  late.answered('000001', '1207082959', { ...answerOfB, '7': '1207082959' }, A);
  const sent = late.lateAnswer('000001', { '0': '0210', '11': '000001', '4': '000000001000', '39': '00' });
  assert.ok(isSent(sent));
  assert.equal(sent.terminal, 'TERMA001', 'the only transaction under the key: its terminal given');
  // A late answer echoing A's field 7 is A's for certain even with another transaction answered under the key.
  const mixed = new LateKeys(DIALECT);
  mixed.timedOut('000001', '1207082959', A);
  mixed.answered('000001', '1207083000', answerOfB, B);
  const echoing = mixed.lateAnswer('000001', { ...answerOfB, '7': '1207082959', '38': 'APPR02' });
  assert.ok(isSent(echoing));
  assert.equal(echoing.terminal, 'TERMA001', 'field 7 names A\'s request');
});
