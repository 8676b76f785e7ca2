/**
 * The cost of a function counted, not timed: the steps it counts itself (a counter it adds to as it works, such as the
 * codec's `maskWork`) on a text of `n` characters and on one of `4n` made of the same unit. Linear work takes about 4
 * times the steps on the longer text; quadratic work about 16 times. Deterministic on a busy machine, where a clock is
 * not. The limit: only work the code counts is seen: a loop or a native scan (`indexOf`, a regular expression) that
 * adds nothing to the counter is invisible here, so every loop of the code under test must count its steps; timed
 * figures belong in `bench/`.
 */
import assert from 'node:assert/strict';

/** The most the steps may grow from `n` to `4n` characters: 4 and some room for the ends of the text. */
const MOST_GROWTH = 4.5;

/** Steps `run` counts (`steps()` read before and after) on `unit` repeated to about `length` characters. */
function stepsOn(unit: string, length: number, run: (text: string) => unknown, steps: () => number): number {
  const text = unit.repeat(Math.max(1, Math.floor(length / unit.length)));
  const before = steps();
  run(text);
  return steps() - before;
}

/**
 * Asserts that `run` costs linear steps (as `steps()` reads its counter) on each of `shapes` repeated to 16 KiB and to
 * 64 KiB (the steps grow at most 4.5 times), and that it counts work at all (a function that counted no step would pass
 * any bound).
 */
export function assertLinearSteps(shapes: readonly string[], run: (text: string) => unknown, steps: () => number): void {
  for (const unit of shapes) {
    const small = stepsOn(unit, 16384, run, steps);
    const large = stepsOn(unit, 65536, run, steps);
    assert.ok(small > 0, `${JSON.stringify(unit)}: no step counted`);
    assert.ok(large <= MOST_GROWTH * small, `${JSON.stringify(unit)}: ${small} steps at 16 KiB, ${large} at 64 KiB (${(large / small).toFixed(1)} times)`);
  }
}
