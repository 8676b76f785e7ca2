import { maskWork } from './mask-work.js';
import { foldedValue, fullWidthForm } from './unicode-digits.js';

/*
 * The hex of text beyond ASCII: a card number typed in full-width digits (`４１１１...`, U+FF10-FF19) or other decimal
 * digits, dumped as hex, is the hex of its UTF-8 bytes (`EF BC 94 EF BC 91 ...`) or of its UTF-16 code units
 * (`FF14 FF11 ...`, as a code unit is written; `14FF 11FF ...`, the little-endian bytes of `Buffer#toString('hex')`).
 * hex-runs.ts reads a stretch of hex so too, when it spells such a digit, and masks the text it spells by the rule of
 * maskDigitRuns (digit-runs.ts), which reads those digits as digits (unicode-digits.ts).
 */

/**
 * Text spelled by hex digits, one UTF-16 code unit per character read, and where each character's hex digits start
 * among the reading's: character `k` is written by the hex digits from `width * starts[k]` to `width * starts[k + 1]`
 * (UTF-8: `starts` are byte indexes, `width` 2), or from `width * k` to `width * (k + 1)` when `starts` is undefined
 * (UTF-16: `width` 4, a code unit each).
 */
export interface SpelledText {
  spelled: string;
  width: number;
  starts: Int32Array | undefined;
}

/** A code point the rule reads beyond ASCII as a digit or an ASCII character (`４`, `＝`): worth a reading. */
function readsAsAscii(code: number): boolean {
  return code >= 0x80 && (foldedValue(code) < 10 || fullWidthForm(code));
}

/** `?` as a code unit: a character the rule reads as no digit and no separator. */
const OTHER = 0x3f;

/**
 * The code unit a character of the BMP is spelled as: a decimal digit as its ASCII digit, a full-width form as its
 * ASCII character (`＝`, `＾`), any other as itself (the rule reads Unicode spaces and dashes, and invisible characters,
 * itself). Digits in ASCII, so that hexPanRuns finds the number the reading spells as it finds one of ASCII digits.
 */
function spelledUnit(code: number): number {
  if (code < 0x80) return code;
  const value = foldedValue(code);
  return value < 10 ? 0x30 + value : fullWidthForm(code) ? code - 0xfee0 : code;
}

/**
 * `bytes` read as UTF-8: each sequence of 2 to 4 bytes as its character ({@link spelledUnit}: a digit as its ASCII digit;
 * a character beyond the BMP as its ASCII digit when it is a decimal digit, else as `?`), each other byte below 0x80 as itself, any byte that starts no valid sequence
 * as `?`. `undefined` when no character of it is a digit beyond ASCII or a full-width form (the ASCII reading of the
 * same bytes sees all the rest). Linear in the number of bytes.
 */
export function utf8Text(bytes: Uint8Array): SpelledText | undefined {
  if (!hasWideUtf8(bytes)) return undefined;
  const units = new Uint16Array(bytes.length);
  const starts = new Int32Array(bytes.length + 1);
  let n = 0;
  let wide = false;
  maskWork.steps += bytes.length;
  for (let i = 0; i < bytes.length; ) {
    starts[n] = i;
    const lead = bytes[i]!;
    const more = lead >= 0xf0 && lead <= 0xf4 ? 3 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xc2 && lead <= 0xdf ? 1 : 0;
    let code = more === 0 ? lead : lead & (0x3f >> more);
    let k = 1;
    for (; k <= more && i + k < bytes.length && (bytes[i + k]! & 0xc0) === 0x80; k++) code = (code << 6) | (bytes[i + k]! & 0x3f);
    if (more > 0 && (k <= more || code < [0x80, 0x800, 0x10000][more - 1]! || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) {
      units[n++] = OTHER;
      i++;
      continue;
    }
    if (more > 0 && readsAsAscii(code)) wide = true;
    units[n++] = lead >= 0x80 && more === 0 ? OTHER : code < 0x10000 ? spelledUnit(code) : foldedValue(code) < 10 ? 0x30 + foldedValue(code) : OTHER;
    i += more + 1;
  }
  if (!wide) return undefined;
  starts[n] = bytes.length;
  return { spelled: Buffer.from(units.buffer, 0, 2 * n).toString('utf16le'), width: 2, starts: starts.subarray(0, n + 1) };
}

/**
 * Whether `bytes` hold a UTF-8 sequence (3 bytes, U+0800 to U+FFFF, where full-width forms and most other decimal digits
 * are; or 2 or 4) of a character {@link readsAsAscii}: one look, nothing made, so that hex of no such text costs a scan.
 */
function hasWideUtf8(bytes: Uint8Array): boolean {
  maskWork.steps += bytes.length;
  for (let i = 0; i + 1 < bytes.length; i++) {
    const lead = bytes[i]!;
    if (lead < 0xc2 || lead > 0xf4 || (bytes[i + 1]! & 0xc0) !== 0x80) continue;
    const more = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
    if (i + more >= bytes.length) continue;
    let code = lead & (0x3f >> more);
    let k = 1;
    for (; k <= more && (bytes[i + k]! & 0xc0) === 0x80; k++) code = (code << 6) | (bytes[i + k]! & 0x3f);
    if (k > more && readsAsAscii(code)) return true;
  }
  return false;
}

/**
 * The hex digits `nibbles` (values 0 to 15) read as UTF-16 code units, 4 hex digits each: as a code unit is written
 * (`FF14`), or, `littleEndian`, as its bytes in memory (`14FF`); each as {@link spelledUnit} spells it. `undefined` when no code unit (or surrogate pair) is a
 * digit beyond ASCII or a full-width form. Linear in the number of hex digits.
 */
export function utf16Text(nibbles: Uint8Array, littleEndian: boolean): SpelledText | undefined {
  const count = nibbles.length >> 2;
  const unitAt = (i: number): number => littleEndian
    ? (nibbles[i + 2]! << 12) | (nibbles[i + 3]! << 8) | (nibbles[i]! << 4) | nibbles[i + 1]!
    : (nibbles[i]! << 12) | (nibbles[i + 1]! << 8) | (nibbles[i + 2]! << 4) | nibbles[i + 3]!;
  // One look first, nothing made: hex of no such text costs a scan.
  let wide = false;
  maskWork.steps += 2 * count;
  for (let k = 0, previous = 0; k < count && !wide; k++) {
    const unit = unitAt(4 * k);
    wide = unit >= 0xdc00 && unit <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff
      ? readsAsAscii(0x10000 + ((previous - 0xd800) << 10) + (unit - 0xdc00))
      : readsAsAscii(unit);
    previous = unit;
  }
  if (!wide) return undefined;
  const units = new Uint16Array(count);
  for (let k = 0; k < count; k++) units[k] = unitAt(4 * k);
  // Surrogates are kept as they are (a mathematical digit is two of them: the rule reads the pair).
  for (let k = 0; k < count; k++) if (units[k]! < 0xd800 || units[k]! > 0xdfff) units[k] = spelledUnit(units[k]!);
  return { spelled: Buffer.from(units.buffer).toString('utf16le'), width: 4, starts: undefined };
}
