import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownedMessage, ownedOptional, ownedText } from '../src/index.js';

test('ownedText: the same characters, Latin-1 or beyond; short values returned as they are; ownedOptional passes undefined', () => {
  const message = `0200${'X'.repeat(1000)}4111111111111111${'Y'.repeat(1000)}`;
  const pan = message.slice(1004, 1020);
  assert.equal(ownedText(pan), '4111111111111111');
  const wide = `ab\u20ac${'z'.repeat(20)}\u{1F600}`.slice(1);
  assert.equal(ownedText(wide), wide);
  assert.equal(ownedText('é'.repeat(13)), 'é'.repeat(13));
  assert.equal(ownedText(''), '');
  const short = message.slice(0, 12);
  assert.equal(ownedText(short), short);
  assert.equal(ownedOptional(undefined), undefined);
  assert.equal(ownedOptional(pan), '4111111111111111');
});

test('ownedMessage: a new message with the same fields and values, composite fields too; the message given unchanged', () => {
  const message = { '0': '0400', '2': '4111111111111111', '42': 'MERCHANT0000001', '127': { '2': 'X'.repeat(20), '3': 'AB' } };
  const owned = ownedMessage(message);
  assert.deepEqual(owned, message);
  assert.notEqual(owned, message);
  assert.notEqual(owned['127'], message['127']);
  assert.deepEqual(ownedMessage({}), {});
});
