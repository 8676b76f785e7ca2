/**
 * The cost of a mask counted, not timed: the steps the free-text masks take (`maskWork`, mask-work.ts) on a text of
 * `n` characters and on one of `4n` made of the same unit. A linear mask takes about 4 times the steps on the longer
 * text; a quadratic one about 16 times. Deterministic on a busy machine, where a clock is not.
 */
import assert from 'node:assert/strict';
import { maskWork } from '../src/mask-work.js';

/** The most the steps may grow from `n` to `4n` characters: 4 and some room for the ends of the text. */
const MOST_GROWTH = 4.5;

/** Steps `mask` takes on `unit` repeated to about `length` characters. */
export function stepsOn(unit: string, length: number, mask: (text: string) => unknown): number {
  const text = unit.repeat(Math.max(1, Math.floor(length / unit.length)));
  const before = maskWork.steps;
  mask(text);
  return maskWork.steps - before;
}

/**
 * Asserts that `mask` costs linear steps on each of `shapes` repeated to 16 KiB and to 64 KiB (the steps grow at most
 * {@link MOST_GROWTH} times), and that it counts work at all (a mask that took no step would pass any bound).
 */
export function assertLinear(shapes: readonly string[], mask: (text: string) => unknown): void {
  for (const unit of shapes) {
    const small = stepsOn(unit, 16384, mask);
    const large = stepsOn(unit, 65536, mask);
    assert.ok(small > 0, `${JSON.stringify(unit)}: no step counted`);
    assert.ok(large <= MOST_GROWTH * small, `${JSON.stringify(unit)}: ${small} steps at 16 KiB, ${large} at 64 KiB (${(large / small).toFixed(1)} times)`);
  }
}
