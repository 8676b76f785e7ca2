/**
 * The codec's masks counted, not timed: test-support's `assertLinearSteps` read through the masks' own counter
 * (`maskWork`, mask-work.ts; every loop and scan of the masks adds to it).
 */
import { assertLinearSteps } from '@iso8583/test-support';
import { maskWork } from '../src/mask-work.js';

/** Asserts that `mask` costs linear steps on each of `shapes` (see `assertLinearSteps`). */
export function assertLinear(shapes: readonly string[], mask: (text: string) => unknown): void {
  assertLinearSteps(shapes, mask, () => maskWork.steps);
}
