import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DictionaryMap } from '../src/dictionary-map.js';

test('DictionaryMap: get, has, set, delete and size as a Map; any string is a key, none reaches a prototype', () => {
  const map = new DictionaryMap<number>();
  assert.equal(map.size, 0);
  assert.equal(map.set('0200|000001|T1|', 1), map);
  map.set('0200|000002|T1|', 2).set('0200|000001|T1|', 3);
  assert.equal(map.size, 2);
  assert.equal(map.get('0200|000001|T1|'), 3);
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.equal(map.has(key), false, key);
    assert.equal(map.get(key), undefined, key);
    map.set(key, 9);
    assert.equal(map.get(key), 9, key);
    assert.equal(map.delete(key), true, key);
  }
  assert.equal(map.delete('0200|000002|T1|'), true);
  assert.equal(map.delete('0200|000002|T1|'), false);
  assert.equal(map.size, 1);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.get('0200|000001|T1|'), undefined);
  assert.equal(Object.prototype.toString.call(map), '[object Map]');
});

test('DictionaryMap: iterates in the order keys were first set, and what it held when the iteration began', () => {
  const map = new DictionaryMap<string>();
  for (const id of ['m3x-1', 'm3x-2', 'm3x-3']) map.set(id, `line ${id}`);
  map.set('m3x-1', 'line again');
  const seen: string[] = [];
  for (const [key] of map) {
    seen.push(key);
    map.delete(key);
    map.set(`${key}-next`, 'later');
  }
  assert.deepEqual(seen, ['m3x-1', 'm3x-2', 'm3x-3']);
  assert.deepEqual([...map.keys()], ['m3x-1-next', 'm3x-2-next', 'm3x-3-next']);
  assert.deepEqual([...map.values()], ['later', 'later', 'later']);
  const each: string[] = [];
  map.forEach((value, key, self) => {
    assert.equal(self, map);
    each.push(`${key}=${value}`);
  });
  assert.equal(each.length, 3);
  // Canonical array indices come first, in numeric order (the one difference from a Map, documented).
  const numeric = new DictionaryMap<number>().set('b', 1).set('10', 2).set('2', 3);
  assert.deepEqual([...numeric.keys()], ['2', '10', 'b']);
});

test('DictionaryMap: setting undefined deletes the key', () => {
  const map = new DictionaryMap<number | undefined>();
  map.set('a', 1).set('a', undefined);
  assert.equal(map.size, 0);
  assert.equal(map.has('a'), false);
});
