// The answers a connection remembers to tell the host's duplicate of an answer from the answer of a request that
// reused its key (late-keys.ts `answered`, `stale`): the keys of the last ANSWERED_KEYS answers, each with the field 7
// its request sent; the oldest forgotten as a new one comes, a key answered again kept from its newest answer. Kept in
// a ring (one lookup per answer, no walk of a Map from its start): what it tells apart is the same as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWERED_KEYS, LateKeys } from '../src/late-keys.js';
import { getDialect } from '@iso8583/codec';

/** The dialect whose wire form transactions are compared by (late-keys.ts). */
const DIALECT = getDialect('iso87ascii');

const answerOf = (echo7: string): { '0': string; '7': string } => ({ '0': '0210', '7': echo7 });

test('late keys – an answered key is remembered with its field 7 for the last ANSWERED_KEYS answers, then forgotten', () => {
  const late = new LateKeys(DIALECT);
  late.answered('k0', '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('k0', '1205100001', answerOf('1205100000')), 'duplicate', 'a copy of its answer while a request reusing the key waits');
  assert.equal(late.stale('k0', '1205100001', answerOf('1205100001')), undefined, 'the waiting request\'s own answer');
  assert.equal(late.stale('k0', '1205100001', answerOf('1205109999')), undefined, 'a field 7 no request under the key sent');
  for (let i = 1; i < ANSWERED_KEYS; i++) late.answered(`k${i}`, '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('k0', '1205100001', answerOf('1205100000')), 'duplicate', 'still among the last ANSWERED_KEYS answers');
  late.answered('new', '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('k0', '1205100001', answerOf('1205100000')), undefined, 'the oldest forgotten as a new one comes');
  assert.equal(late.stale('k1', '1205100001', answerOf('1205100000')), 'duplicate', 'the next oldest kept');
  assert.equal(late.stale('new', '1205100001', answerOf('1205100000')), 'duplicate');
  late.answered('no-field-7', undefined, answerOf(''));
  assert.equal(late.stale('k1', '1205100001', answerOf('1205100000')), 'duplicate', 'an answer without field 7 takes no place');
});

test('late keys – a key answered again is kept from its newest answer, with the field 7 of each of its requests', () => {
  const late = new LateKeys(DIALECT);
  late.answered('again', '1205100000', answerOf('1205100000'));
  late.answered('other', '1205100000', answerOf('1205100000'));
  late.answered('again', '1205100002', answerOf('1205100002'));
  assert.equal(late.stale('again', '1205100003', answerOf('1205100000')), 'duplicate', 'the earlier request\'s field 7 is still one of the key\'s answers');
  assert.equal(late.stale('again', '1205100003', answerOf('1205100002')), 'duplicate');
  // ANSWERED_KEYS answers after 'other' (and after the first 'again'), one fewer after the newest 'again'.
  for (let i = 0; i < ANSWERED_KEYS - 1; i++) late.answered(`k${i}`, '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('other', '1205100003', answerOf('1205100000')), undefined, 'forgotten: answered once, ANSWERED_KEYS answers ago');
  assert.equal(late.stale('again', '1205100003', answerOf('1205100002')), 'duplicate', 'kept from its newest answer');
  late.answered('last', '1205100000', answerOf('1205100000'));
  assert.equal(late.stale('again', '1205100003', answerOf('1205100002')), undefined, 'forgotten ANSWERED_KEYS answers after its newest');
});

test('late keys – a copy is the whole answer again: a late approval with the field 7 of an answer declined in time is none', () => {
  const late = new LateKeys(DIALECT);
  // A repeat (0201, the same field 7 as its original) answered 05 in time under the key of the original's answer.
  late.answered('k', '1205100000', { '0': '0210', '7': '1205100000', '39': '05' });
  assert.equal(late.copyOfAnswer('k', { '0': '0210', '7': '1205100000', '39': '05' }), 'copy', 'the host\'s copy of that answer');
  assert.equal(late.copyOfAnswer('k', { '0': '0210', '7': '1205100000', '39': '00' }), undefined, 'the original\'s late approval');
  assert.equal(late.copyOfAnswer('k', { '0': '0210', '7': '1205100000', '39': '05', '38': 'ABC123' }), undefined, 'a field more');
  // While a request reusing the key waits, either is not its answer (the field 7 tells): a duplicate, not answered.
  assert.equal(late.stale('k', '1205100001', { '0': '0210', '7': '1205100000', '39': '00' }), 'duplicate');
  assert.equal(late.stale('k', '1205100001', { '0': '0210', '7': '1205100000', '39': '05' }), 'duplicate');
});
