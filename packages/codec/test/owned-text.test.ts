import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

test('ownedText: a copy keeps nothing of the text it was cut from alive (200 cuts of 64 KB messages: not 12.8 MB held)', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const message = (i: number): string => `${'0200'.padEnd(65_536, 'P')}${String(i).padStart(6, '0')}4111111111111111`;
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  // Each message is made flat (a cut of a flat string is a slice of it in V8), then only the copy of its cut is kept.
  for (let i = 0; i < 200; i++) kept.push(ownedText(Buffer.from(message(i), 'latin1').toString('latin1').slice(65_536, 65_558)));
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(kept.length, 200);
  assert.equal(kept[199], '0001994111111111111111');
  assert.ok(grown < 4 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1024)} KiB for 200 kept copies`);
});
