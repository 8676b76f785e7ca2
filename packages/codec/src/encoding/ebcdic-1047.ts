/**
 * EBCDIC code page 1047 (CCSID 1047, "Latin 1/Open Systems"), the code page of jPOS since 2016: `ISOUtil.EBCDIC` is
 * Java's `IBM1047` charset. It holds the same characters as code page 037 and differs from it in eight bytes:
 *
 * | byte  | 1047          | 037           |
 * | ----- | ------------- | ------------- |
 * | X'5F' | `^`           | `¬`           |
 * | X'B0' | `¬`           | `^`           |
 * | X'AD' | `[`           | `Ý`           |
 * | X'BA' | `Ý`           | `[`           |
 * | X'BD' | `]`           | `¨`           |
 * | X'BB' | `¨`           | `]`           |
 * | X'15' | LF (U+000A)   | NEL (U+0085)  |
 * | X'25' | NEL (U+0085)  | LF (U+000A)   |
 *
 * The LF/NEL pair follows Java's `IBM1047` (what jPOS packs), which swaps them against IBM's published table
 * (glibc's `IBM1047` converter has LF at X'25'), as z/OS UNIX does. Like 037, the table maps the 256 byte values one
 * to one onto Latin-1.
 */
import { IBM037_TO_LATIN1 } from './ebcdic-037.js';

/** The bytes where 1047 differs from 037, as pairs that trade places: each pair's characters swap bytes. */
const SWAPS_FROM_037: readonly (readonly [number, number])[] = [
  [0x5f, 0xb0], // ^ and ¬
  [0xad, 0xba], // [ and Ý
  [0xbd, 0xbb], // ] and ¨
  [0x15, 0x25], // LF and NEL
];

/** EBCDIC 1047 byte -> Latin-1 character code. */
export const IBM1047_TO_LATIN1: Uint8Array = (() => {
  const table = Uint8Array.from(IBM037_TO_LATIN1);
  for (const [a, b] of SWAPS_FROM_037) {
    const c = table[a]!;
    table[a] = table[b]!;
    table[b] = c;
  }
  return table;
})();
