/**
 * The character checks of a compiled reader in JavaScript (`field/js-run-check.ts`), their source made from the
 * constants of `charset.ts`: for every byte value in every place of a run (the 4-byte word checks, the byte by byte
 * check of a short run, upper-case hex), the check says what `isDigitCode`, `isPrintableCode` and `isUpperHexCode`
 * say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIGITS, PRINTABLE, isDigitCode, isPrintableCode, isUpperHexCode } from '../src/field/charset.js';
import { UPPER_HEX_CLASS } from '../src/field/class-check.js';
import { jsRunCheck } from '../src/field/js-run-check.js';

/** The check of class `cls` over the run `rs .. off` of `buf`: true when it finds every byte in the class. */
function checker(cls: number): (buf: Uint8Array, rs: number, off: number) => boolean {
  const body =
    `const dv = new DataView(buf.buffer, buf.byteOffset, buf.length); let i = 0, x = 0, bad = 0;\n` +
    `${jsRunCheck(cls)}return bad === 0;`;
  const run = new Function('buf', 'rs', 'off', 'C', body) as (buf: Uint8Array, rs: number, off: number, c: unknown) => boolean | undefined;
  return (buf, rs, off) => run(buf, rs, off, undefined) === true;
}

test('js run check – digits, printable characters and upper-case hex: every byte value in every place, as charset.ts says', () => {
  for (const [cls, inClass, filler] of [
    [DIGITS, isDigitCode, 0x35],
    [PRINTABLE, isPrintableCode, 0x41],
    [UPPER_HEX_CLASS, isUpperHexCode, 0x42],
  ] as const) {
    const check = checker(cls);
    for (const length of [3, 4, 7, 9]) {
      for (let at = 0; at < length; at++) {
        for (let c = 0; c < 256; c++) {
          const buf = new Uint8Array(length).fill(filler);
          buf[at] = c;
          assert.equal(check(buf, 0, length), inClass(c), `class ${cls}, byte 0x${c.toString(16)} at ${at} of ${length}`);
        }
      }
    }
  }
});
