/**
 * The free-text rule of `maskDigitRuns` as properties: no run of digits that could be a PAN survives (8 to 19 digits
 * passing the Luhn check, ISO/IEC 7812-1:2017; any 12 or more), wherever it sits in a text; runs of 7 digits or fewer
 * (STANs, times, dates) come through as they are; and masking twice changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { luhnValid, maskDigitRuns } from '../src/index.js';

/** `body` completed with the digit that makes it pass the Luhn check. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + String(d))) return body + String(d);
  throw new Error('no check digit');
}

/** A Luhn-valid PAN of 8 to 19 digits, the first not 0. */
const luhnPan = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^[0-9]{6,17}$/))
  .map(([first, rest]) => withCheckDigit(String(first) + rest));

/** Text around a run: anything but digits (and the track separators, tested on their own). */
const notDigits = fc.stringMatching(/^[^0-9=D^]{0,12}$/);

/** Every maximal run of digits of `text`. */
function runs(text: string): string[] {
  return text.match(/[0-9]+/g) ?? [];
}

/** What the rule masks: 12 or more digits after leading zeros, or 8 to 11 that pass the Luhn check. */
function panShaped(run: string): boolean {
  const significant = run.replace(/^0+/, '').length;
  return significant >= 12 || (significant >= 8 && luhnValid(run));
}

test('luhnValid – known PANs pass, a changed digit fails, text that is not digits fails', () => {
  for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011000990139424', '12345674']) assert.equal(luhnValid(pan), true, pan);
  for (const other of ['4111111111111112', '12345675', '', '4111-1111', 'abc']) assert.equal(luhnValid(other), false, other);
  assert.equal(luhnValid('0012345674'), true, 'leading zeros change nothing');
});

test('maskDigitRuns – no Luhn-valid PAN of 8 to 19 digits survives, wherever it sits in a text', () => {
  fc.assert(
    fc.property(notDigits, luhnPan, notDigits, (before, pan, after) => {
      const masked = maskDigitRuns(before + pan + after);
      assert.ok(!masked.includes(pan), `${pan} survived in ${masked}`);
      assert.ok(masked.startsWith(before) && masked.endsWith(after), 'the text around it is kept');
    }),
    { numRuns: 2000 },
  );
});

test('maskDigitRuns – in any text of digits and other characters, no run the rule masks is left, and twice is once', () => {
  const piece = fc.oneof(luhnPan, fc.stringMatching(/^[0-9]{1,22}$/), fc.stringMatching(/^[^0-9]{1,4}$/));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const masked = maskDigitRuns(pieces.join(''));
      for (const run of runs(masked)) assert.ok(!panShaped(run), `${run} left in ${masked}`);
      assert.equal(maskDigitRuns(masked), masked);
    }),
    { numRuns: 2000 },
  );
});

test('maskDigitRuns – runs of 7 digits or fewer (a 6-digit STAN, a 4-digit time) come through unchanged', () => {
  const short = fc.oneof(fc.stringMatching(/^[0-9]{6}$/), fc.stringMatching(/^[0-9]{4}$/), fc.stringMatching(/^[0-9]{1,7}$/));
  fc.assert(
    fc.property(fc.array(fc.tuple(short, fc.stringMatching(/^[^0-9]{1,6}$/)), { maxLength: 10 }), (parts) => {
      const text = parts.map(([digits, gap]) => digits + gap).join('');
      assert.equal(maskDigitRuns(text), text);
    }),
    { numRuns: 2000 },
  );
});
