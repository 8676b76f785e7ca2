// A log cap's second read by the clock it is given (default `performance.now()`): driven by hand here, a line left out
// is told of by the first line of the next second, per kind, and not before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogLimit, LogLimits } from '../src/log-limit.js';

test('LogLimit – its second is the given clock\'s: a line left out is told by the first line a second later', () => {
  let now = 5_000;
  const limit = new LogLimit(1, () => now);
  assert.equal(limit.take(), 0);
  assert.equal(limit.take(), undefined);
  now += 999;
  assert.equal(limit.take(), undefined);
  now += 1;
  assert.equal(limit.take(), 2);
});

test('LogLimits – each kind\'s second is the given clock\'s', () => {
  let now = 0;
  const limits = new LogLimits(1, () => now);
  assert.equal(limits.take('a'), 0);
  assert.equal(limits.take('a'), undefined);
  assert.equal(limits.take('b'), 0);
  assert.equal(limits.tell('a'), undefined);
  now = 1_000;
  assert.equal(limits.tell('a'), 1);
  assert.equal(limits.take('b'), 0);
});
