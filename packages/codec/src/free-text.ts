/**
 * The masking of free text, on its own: what an error line needs (the CLI's `formatError`, the connector's error
 * details) without the dialects and views that the rest of mask.ts loads (a process that only reports a failure or
 * prints its help starts with a few files of the codec, not all of it).
 */
import { maskDigitRuns } from './digit-runs.js';
import { maskHexRuns } from './hex-runs.js';

/**
 * Free text (the hex of a binary field, or a text field's value): its digit runs masked ({@link maskDigitRuns}: ASCII
 * digits `3x` are digits in hex too), and the numbers it spells as the hex of ASCII or EBCDIC bytes masked by the same
 * rule ({@link maskHexRuns}: a binary field; a hex dump written into a text field, whole, with its byte pairs apart
 * (`34 31`, `34:31`, `34,31`, `0x34, 0x31`, `\x34\x31`), at an odd position or inside words; a number written whole
 * or in groups, track data after one), each hidden
 * character's byte as `**`: `F4F7F6F1F7F3************F0F0F1F0`, `34:37:36:31:37:33:**:**:**:**:**:**:30:30:31:30`.
 * What {@link maskFieldValue} does to a value of no sensitivity and no field spec; for any text a log may show that is
 * no field of a known dialect (an error's detail, a request's body that does not parse).
 */
export function maskFreeText(text: string): string {
  return maskHexRuns(text, maskDigitRuns(text));
}
