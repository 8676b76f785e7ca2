// Reconnection backoff: the ceiling doubles per failure up to maxDelay, the delay is jittered within it, reset clears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import { Backoff } from '../src/index.js';

test('Backoff – with the lowest and highest jitter the delays are half the ceiling and the ceiling', () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff(100, 1000, () => 0.999999);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [100, 200, 400, 800, 1000]);
  assert.equal(high.attempts, 5);
  high.reset();
  assert.equal(high.attempts, 0);
  assert.equal(high.next(), 100);
});

test('Backoff – every delay lies within [ceiling / 2, ceiling] and never above maxDelay', () => {
  // The jitter is drawn by fast-check, not Math.random: a failure replays from its seed, and the draws reach the ends
  // of [0, 1) (0 and the largest double below 1) that Math.random almost never gives.
  const jitter = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 60000 }), fc.array(jitter, { minLength: 1, maxLength: 40 }), (initial, above, draws) => {
      const max = initial + above; // the first delay is never above the longest (refused)
      let next = 0;
      const b = new Backoff(initial, max, () => draws[next++]!);
      for (let i = 0; i < draws.length; i++) {
        const ceiling = Math.min(max, initial * 2 ** i);
        const d = b.next();
        assert.ok(Number.isInteger(d) && d >= Math.floor(ceiling / 2) && d <= ceiling, `delay ${d} of ceiling ${ceiling} (jitter ${draws[i]})`);
      }
    }),
    propertyRuns(100),
  );
});

test('Backoff – ceiling is the ceiling of the next delay: it doubles with each failure, caps at maxDelay, and reset starts it over', () => {
  const b = new Backoff(100, 1000, () => 0.999999);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    seen.push(b.ceiling);
    assert.equal(b.next(), seen.at(-1), 'with the highest jitter the delay is the ceiling');
  }
  assert.deepEqual(seen, [100, 200, 400, 800, 1000, 1000]);
  b.reset();
  assert.equal(b.ceiling, 100);
});

test('Backoff – refuses a delay below 1 ms (0 never grows) or not a number, and a first delay above the longest, naming it', () => {
  for (const [initial, max, field] of [
    [0, 1000, 'initialDelay'],
    [100, 0, 'maxDelay'],
    [Number.NaN, 1000, 'initialDelay'],
    [100, Number.POSITIVE_INFINITY, 'maxDelay'],
    [2000, 1000, 'initialDelay'],
  ] as const) {
    assert.throws(
      () => new Backoff(initial, max),
      (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        assert.equal(err.field, field);
        assert.ok(err.message.startsWith(`${field}: `), err.message);
        return true;
      },
      `${initial}, ${max}`,
    );
  }
  assert.equal(new Backoff(1000, 1000, () => 0.999999).next(), 1000);
});
