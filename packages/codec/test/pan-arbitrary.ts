/** Luhn-valid card numbers for the property tests of the free-text masks (fast-check). */
import fc from 'fast-check';
import { luhnValid } from '../src/index.js';

/** `body` with the check digit that makes it pass the Luhn check. */
export function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + String(d))) return body + String(d);
  throw new Error('no check digit');
}

/** A Luhn-valid PAN of `min` to `max` digits (8 to 19 by default), the first not 0. */
export function luhnPans(min = 8, max = 19): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(new RegExp(`^[0-9]{${min - 2},${max - 2}}$`)))
    .map(([first, rest]) => withCheckDigit(String(first) + rest));
}
