import { maskWork } from './mask-work.js';
import { decimalMark } from './loose-groups.js';
import { isUnicodeSeparator } from './number-text.js';
import { INVISIBLE, foldedValue, fullWidthForm, utf8Scalar } from './unicode-digits.js';

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
 * (UTF-8: `starts` are byte indexes, `width` 2; UTF-16: code unit indexes, `width` 4).
 */
export interface SpelledText {
  spelled: string;
  width: number;
  starts: Int32Array;
}

/** A code point the rule reads beyond ASCII as a digit or an ASCII character (`４`, `＝`): worth a reading. */
function readsAsAscii(code: number): boolean {
  return code >= 0x80 && (foldedValue(code) < 10 || fullWidthForm(code));
}

/** `?` as a code unit: a character the rule reads as no digit and no separator. */
const OTHER = 0x3f;
/** What {@link spelledUnit} gives for a character the rule reads as nothing: it is left out of the spelled text. */
const NOTHING = -1;

/**
 * The code unit a character is spelled as (its code point `code`): an ASCII character as itself, a decimal digit as its
 * ASCII digit, a full-width form as its ASCII character (`＝`, `＾`), a Unicode space, dash or mark of numbers in
 * groups as itself (the rule reads those: `4111\u20131111`), an invisible character (a format character or a combining
 * mark) as {@link NOTHING}, and every other as `?` ({@link OTHER}): the rule reads none of those, so the spelled text
 * holds no character beyond ASCII that makes the rule read it once more (a reading of random bytes, a binary header,
 * spells thousands of CJK characters and combining marks: each such pass over a MiB cost tens of milliseconds).
 * Digits in ASCII, so that hexPanRuns finds the number the reading spells as it finds one of ASCII digits. Internal
 * (not exported from the index): exported for the tests.
 */
export function spelledUnit(code: number): number {
  if (code < 0x80) return code;
  const value = foldedValue(code);
  if (value < 10) return 0x30 + value;
  if (value === INVISIBLE) return NOTHING;
  if (fullWidthForm(code)) return code - 0xfee0;
  return code < 0x10000 && (isUnicodeSeparator(code) || decimalMark(code)) ? code : OTHER;
}

/** In a {@link spelledTable} entry: the character is one {@link readsAsAscii} (the reading is worth making). */
const WIDE = 0x10000;
/** A {@link spelledTable} entry of a surrogate: read with the code unit after it. */
const SURROGATE = -2;

/**
 * For each code unit of the Basic Multilingual Plane: the code unit {@link spelledUnit} spells it as, with {@link WIDE}
 * added when it is one {@link readsAsAscii}; {@link NOTHING} for an invisible character, {@link SURROGATE} for a
 * surrogate. Made once, the first time a reading needs it, so that a reading costs a lookup a character.
 */
let spelledBmp: Int32Array | undefined;

function spelledTable(): Int32Array {
  if (spelledBmp) return spelledBmp;
  const table = new Int32Array(0x10000);
  for (let code = 0; code < 0x10000; code++) {
    if (code >= 0xd800 && code <= 0xdfff) table[code] = SURROGATE;
    else table[code] = spelledUnit(code) + (readsAsAscii(code) ? WIDE : 0);
  }
  spelledBmp = table;
  return table;
}

/** {@link spelledTable}'s entry for a code point beyond the BMP. */
function astralEntry(code: number): number {
  return spelledUnit(code) + (readsAsAscii(code) ? WIDE : 0);
}

/**
 * `bytes` read as Latin-1 (the ASCII reading of bytes: one character a byte), each character as {@link spelledUnit}
 * spells it: the soft hyphen (`AD`, an invisible character) left out, its byte read with the character before it;
 * the no-break space (`A0`) as itself; every other byte from `80` on as `?` (no byte there is a digit). Linear in the
 * number of bytes.
 */
export function latin1Text(bytes: Uint8Array): SpelledText {
  const units = new Uint16Array(bytes.length);
  const starts = new Int32Array(bytes.length + 1);
  const table = spelledTable();
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const entry = table[bytes[i]!]!;
    if (entry === NOTHING) continue;
    starts[n] = i;
    units[n++] = entry;
  }
  starts[n] = bytes.length;
  return { spelled: Buffer.from(units.buffer, 0, 2 * n).toString('utf16le'), width: 2, starts: starts.subarray(0, n + 1) };
}

/**
 * `bytes` read as UTF-8: each sequence of 2 to 4 bytes as its character as {@link spelledUnit} spells it (an invisible
 * one left out: its bytes are read with the character before it), each other byte below 0x80 as itself, any byte that
 * starts no valid sequence as `?`. `undefined` when no character of it is a digit beyond ASCII or a full-width form (the
 * ASCII reading of the same bytes sees all the rest). Linear in the number of bytes.
 */
export function utf8Text(bytes: Uint8Array): SpelledText | undefined {
  if (!hasWideUtf8(bytes)) return undefined;
  const units = new Uint16Array(bytes.length);
  const starts = new Int32Array(bytes.length + 1);
  let n = 0;
  let wide = false;
  maskWork.steps += bytes.length;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const more = lead >= 0xf0 && lead <= 0xf4 ? 3 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xc2 && lead <= 0xdf ? 1 : 0;
    let code = more === 0 ? lead : lead & (0x3f >> more);
    let k = 1;
    for (; k <= more && i + k < bytes.length && (bytes[i + k]! & 0xc0) === 0x80; k++) code = (code << 6) | (bytes[i + k]! & 0x3f);
    const valid = more === 0 ? lead < 0x80 : k > more && utf8Scalar(code, more);
    const unit = valid ? spelledUnit(code) : OTHER;
    if (valid && more > 0 && readsAsAscii(code)) wide = true;
    if (unit !== NOTHING) {
      starts[n] = i;
      units[n++] = unit;
    }
    i += valid ? more + 1 : 1;
  }
  if (!wide) return undefined;
  starts[n] = bytes.length;
  return { spelled: Buffer.from(units.buffer, 0, 2 * n).toString('utf16le'), width: 2, starts: starts.subarray(0, n + 1) };
}

/**
 * Whether `bytes` hold a UTF-8 sequence (3 bytes, U+0800 to U+FFFF, where full-width forms and most other decimal digits
 * are; or 2 or 4) of a character {@link readsAsAscii}: one look, nothing made, so that hex of no such text costs a scan.
 * A sequence is read as {@link utf8Text} reads it: one that spells no character ({@link utf8Scalar}) is none.
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
    if (k > more && utf8Scalar(code, more) && readsAsAscii(code)) return true;
  }
  return false;
}

/**
 * The hex digits `nibbles` (values 0 to 15) read as UTF-16 code units, 4 hex digits each: as a code unit is written
 * (`FF14`), or, `littleEndian`, as its bytes in memory (`14FF`); each character (a code unit, or a surrogate pair) as
 * {@link spelledUnit} spells it (an invisible one left out: its hex digits are read with the character before it; a
 * surrogate alone as `?`). `undefined` when no character is a digit beyond ASCII or a full-width form. Linear in the
 * number of hex digits.
 */
export function utf16Text(nibbles: Uint8Array, littleEndian: boolean): SpelledText | undefined {
  const count = nibbles.length >> 2;
  const table = spelledTable();
  // Where the high and the low byte of a code unit are among its 4 hex digits: [0, 2] as written, [2, 0] in memory.
  const high = littleEndian ? 2 : 0;
  const low = 2 - high;
  const unitAt = (k: number): number => {
    const i = 4 * k;
    return (nibbles[i + high]! << 12) | (nibbles[i + high + 1]! << 8) | (nibbles[i + low]! << 4) | nibbles[i + low + 1]!;
  };
  /** Whether code units `k` and `k + 1` are a surrogate pair: one character. */
  const pairAt = (k: number): boolean => {
    const unit = unitAt(k);
    if (unit < 0xd800 || unit > 0xdbff || k + 1 >= count) return false;
    const next = unitAt(k + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  };
  /** The table entry of the character at code unit `k` (a pair's: {@link astralEntry}; a surrogate alone: `?`). */
  const entryAt = (k: number): number => {
    const entry = table[unitAt(k)]!;
    if (entry !== SURROGATE) return entry;
    return pairAt(k) ? astralEntry(0x10000 + ((unitAt(k) - 0xd800) << 10) + (unitAt(k + 1) - 0xdc00)) : OTHER;
  };
  /** How many code units the character at `k` takes: 2 for a surrogate pair. */
  const width = (k: number): number => (table[unitAt(k)] === SURROGATE && pairAt(k) ? 2 : 1);
  // One look first, nothing made: hex of no such text costs a scan.
  let wide = false;
  maskWork.steps += 2 * count;
  for (let k = 0; k < count && !wide; k += width(k)) wide = entryAt(k) >= WIDE;
  if (!wide) return undefined;
  const units = new Uint16Array(count);
  const starts = new Int32Array(count + 1);
  let n = 0;
  for (let k = 0; k < count; k += width(k)) {
    const entry = entryAt(k);
    if (entry === NOTHING) continue;
    starts[n] = k;
    units[n++] = entry & 0xffff;
  }
  starts[n] = count;
  return { spelled: Buffer.from(units.buffer, 0, 2 * n).toString('utf16le'), width: 4, starts: starts.subarray(0, n + 1) };
}
