// A late answer is tied to its timed-out request "for certain" (its STAN and terminal given to an answer lacking
// them: match-key.ts `tied`) only when no other transaction used the key: a request of another terminal answered in
// time under the same key (a match key without field 41) makes the host's copy of that answer no certain late answer
// of the timed-out one (late-keys.ts `answered`, `mixed`), whichever came first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LateKeys, isSent } from '../src/late-keys.js';

const A = { mti: '0200', processingCode: '000000', amount: '000000001000', stan: '000001', terminal: 'TERMA001' };
const B = { stan: '000001', terminal: 'TERMB001' };
/** B's answer as the host sent it in time, and its copy later: no field 41 (the key is field 11 only). */
const answerOfB = { '0': '0210', '7': '1207083000', '11': '000001', '4': '000000001000', '39': '00', '38': 'APPR01' };

test('late keys – the copy of another terminal\'s answer in time under the key is no certain late answer of the timed-out request', () => {
  const late = new LateKeys();
  late.timedOut('000001', '1207082959', A);
  late.answered('000001', '1207083000', answerOfB, B);
  const sent = late.lateAnswer('000001', { ...answerOfB });
  assert.ok(isSent(sent), 'still counted as the timed-out request\'s late answer (its amount)');
  assert.equal(sent.stan, undefined, 'no STAN of A given: the tie is not certain');
  assert.equal(sent.terminal, undefined, 'no terminal of A given: the answer is matched by what it carries');
});

test('late keys – another terminal answered under the key before the timeout: the copy of its answer is no certain late answer', () => {
  const late = new LateKeys();
  late.answered('000001', '1207083000', answerOfB, B);
  late.timedOut('000001', '1207082959', A);
  const sent = late.lateAnswer('000001', { ...answerOfB });
  assert.ok(isSent(sent));
  assert.equal(sent.terminal, undefined, 'no terminal of A given');
});

test('late keys – the same transaction answered under the key (its repeat) keeps its late answer tied for certain', () => {
  const late = new LateKeys();
  late.timedOut('000001', '1207082959', A);
  late.answered('000001', '1207082959', { ...answerOfB, '7': '1207082959' }, A);
  const sent = late.lateAnswer('000001', { '0': '0210', '11': '000001', '4': '000000001000', '39': '00' });
  assert.ok(isSent(sent));
  assert.equal(sent.terminal, 'TERMA001', 'the only transaction under the key: its terminal given');
  // A late answer echoing A's field 7 is A's for certain even with another transaction answered under the key.
  const mixed = new LateKeys();
  mixed.timedOut('000001', '1207082959', A);
  mixed.answered('000001', '1207083000', answerOfB, B);
  const echoing = mixed.lateAnswer('000001', { ...answerOfB, '7': '1207082959', '38': 'APPR02' });
  assert.ok(isSent(echoing));
  assert.equal(echoing.terminal, 'TERMA001', 'field 7 names A\'s request');
});
