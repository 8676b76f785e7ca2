import { textArgument } from './arguments.js';
import { groupedNumber, isPanShaped, maskDigitRuns } from './digit-runs.js';
import { hexDigit, isDigit, looseSeparatorEnd } from './number-text.js';
import { maskWork } from './mask-work.js';
import { type SpelledText, latin1Text, utf16Text, utf8Text } from './hex-unicode.js';

/*
 * Numbers written as the hex of their bytes, in ASCII (`3437...`) or EBCDIC (`F4F7...`): a binary field, or a hex dump
 * written into a text field, as it came (`F4F7F6F1...`), with its byte pairs apart (`F4 F7 F6`, `F4:F7:F6`, `34.37`,
 * `34/37`, `34,37`, `34, 37`, groups `F4F7 F6F1`), each pair with a prefix as code writes bytes (`0x34 0x37`,
 * `0x34, 0x37`, `\x34\x37`), at an odd position (`0F4F7F6...`) or inside words (`TRK1=6CC2F4F7...;`). Read by the rule of
 * maskDigitRuns (digit-runs.ts), one home for both the codec's masks and the inbound sequence logger.
 */

/**
 * EBCDIC bytes as the text they spell, for the digit-run rule: digits, the separators it joins groups across (those
 * of loose groups too: `4B` `.`, `61` `/`, `6B` `,`, `6D` `_`), and the track separators after which it hides the rest
 * of the track (`=` and `D` of track 2, `d` as the ASCII reading takes it too, `84`; `^` of track 1: `5F` in code page
 * 1047, `B0` in 037).
 */
const EBCDIC_TEXT: Readonly<Record<number, string>> = {
  0x40: ' ', 0x60: '-', 0x4e: '+', 0x05: '\t', 0x4b: '.', 0x61: '/', 0x6b: ',', 0x6d: '_', 0x7e: '=', 0xc4: 'D', 0x84: 'd', 0x5f: '^', 0xb0: '^',
};

/**
 * The character each EBCDIC byte stands for in the digit-run rule, by byte: a digit (`F0`-`F9`), a character of
 * {@link EBCDIC_TEXT}, else `?` (a character the rule reads as none: not `.`, which joins loose groups). A table, so
 * that the EBCDIC reading of a long stretch costs a lookup a byte.
 */
const EBCDIC_CHARS: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(0x3f);
  for (let byte = 0xf0; byte <= 0xf9; byte++) table[byte] = 0x30 + byte - 0xf0;
  for (const [byte, char] of Object.entries(EBCDIC_TEXT)) table[Number(byte)] = char.charCodeAt(0);
  return table;
})();

/** The fewest digits that {@link maskDigitRuns} masks (an 8-digit short PAN): a shorter number is not read. */
const SHORTEST_NUMBER_MASKED = 8;

/** `*` as a byte. */
const STAR = 0x2a;

/** One delimiter between byte pairs of a hex dump: a space, `:`, `-`, `.`, `/` or `,`. */
function isDelimiter(code: number): boolean {
  return code === 0x20 || code === 0x3a || code === 0x2d || code === 0x2e || code === 0x2f || code === 0x2c;
}

/** Whether `0x` or `\x` (either case of the `x`), the prefix of a byte written as C, JavaScript or Python write it, is at `at`. */
function isHexPrefix(text: string, at: number): boolean {
  const first = text.charCodeAt(at);
  return (first === 0x30 || first === 0x5c) && (text.charCodeAt(at + 1) | 0x20) === 0x78;
}

/**
 * Where the next hex digit is when the gap between two byte pairs starts at `at` (right after a hex digit), -1 when
 * none is there: one delimiter ({@link isDelimiter}) or `, ` (a list), then a prefix `0x` or `\x` or none (`34 31`,
 * `34,31`, `34/31`, `0x34, 0x31`, `0x34 0x31`, `\x34\x31`). Looked at once for each character that ends a run of hex
 * digits: a bounded cost.
 */
function gapEnd(text: string, at: number): number {
  let i = at;
  const code = text.charCodeAt(i);
  if (code === 0x2c && text.charCodeAt(i + 1) === 0x20) i += 2;
  else if (isDelimiter(code)) i += 1;
  if (isHexPrefix(text, i) && hexDigit(text.charCodeAt(i + 2)) >= 0) i += 2;
  return i > at && hexDigit(text.charCodeAt(i)) >= 0 ? i : -1;
}

/**
 * A reading of a stretch of hex: `at` holds the position in the text of each hex digit of the stretch, the reading
 * starts at hex digit `offset`, and character `k` of the text it spells is written by the hex digits from
 * {@link hexOf}`(reading, k)` to `hexOf(reading, k + 1)`: 2 a byte (ASCII, EBCDIC), 4 a UTF-16 code unit, or a UTF-8
 * sequence's bytes (hex-unicode.ts).
 */
interface Reading {
  at: Int32Array;
  offset: number;
  width: number;
  starts: Int32Array | undefined;
}

/** Where the hex digits of character `k` of a reading start, as an index into its `at`. */
function hexOf(reading: Reading, k: number): number {
  return reading.offset + reading.width * (reading.starts === undefined ? k : reading.starts[k]!);
}

/**
 * Called for each reading of a stretch of hex that {@link maskDigitRuns} changes: `spelled` is the text it spells and
 * `masked` the same masked by the rule.
 */
type Visit = (reading: Reading, spelled: string, masked: string) => void;

/**
 * Every stretch of hex digits of `text` (joined over one gap between two hex digits, {@link gapEnd}: ONE delimiter or
 * `, `, and a prefix `0x` or `\x`) read
 * as bytes from its first and from its second hex digit, each as ASCII (Latin-1) and as EBCDIC text
 * ({@link EBCDIC_TEXT}; any other byte reads as `?`), and masked by {@link maskDigitRuns}. Linear in the length of
 * `text`: each hex digit is read four times.
 */
function eachHexReading(text: string, visit: Visit): void {
  const at = new Int32Array(text.length);
  let n = 0;
  const flush = (): void => {
    if (n >= 2 * SHORTEST_NUMBER_MASKED) readStretch(text, at.subarray(0, n), visit);
    n = 0;
  };
  for (let i = 0; i < text.length; i++) {
    maskWork.steps++;
    const code = text.charCodeAt(i);
    if (hexDigit(code) >= 0) {
      at[n++] = i;
      continue;
    }
    // A stretch's first prefix (`0x` of `0x34 0x31`) ends the stretch its `0` began, too short to be read.
    const next = n > 0 && at[n - 1] === i - 1 ? gapEnd(text, i) : -1;
    if (next < 0) flush();
    else i = next - 1;
  }
  flush();
}

function readStretch(text: string, at: Int32Array, visit: Visit): void {
  const nibbles = new Uint8Array(at.length);
  for (let k = 0; k < at.length; k++) nibbles[k] = hexDigit(text.charCodeAt(at[k]!));
  const read = (reading: Reading, spelled: string): void => {
    const masked = maskDigitRuns(spelled);
    if (masked !== spelled) visit(reading, spelled, masked);
  };
  for (const offset of [0, 1]) {
    const pairs = (at.length - offset) >> 1;
    if (pairs < SHORTEST_NUMBER_MASKED) continue;
    maskWork.steps += 4 * pairs;
    const bytes = Buffer.allocUnsafe(pairs);
    for (let k = 0; k < pairs; k++) bytes[k] = nibbles[offset + 2 * k]! * 16 + nibbles[offset + 2 * k + 1]!;
    const byteReading: Reading = { at, offset, width: 2, starts: undefined };
    // The bytes as UTF-8, when they spell a digit beyond ASCII (`EF BC 94`, a full-width `４`).
    const utf8 = utf8Text(bytes);
    if (utf8 !== undefined) read(readingOf(at, offset, utf8), utf8.spelled);
    const latin1 = latin1Text(bytes);
    read(readingOf(at, offset, latin1), latin1.spelled);
    for (let k = 0; k < pairs; k++) bytes[k] = EBCDIC_CHARS[bytes[k]!]!;
    read(byteReading, bytes.toString('latin1'));
  }
  // The hex digits as UTF-16 code units, from each of the first four, when they spell a digit beyond ASCII (`FF14`),
  // in either byte order. (Code units read in one order from hex digit `o` are, a byte later, those read in the other
  // from `o + 2`: both are read, and the stars of both kept, for that later reading misses the last unit and so may
  // show a digit that the reading in place hides.)
  for (let offset = 0; offset < 4 && at.length - offset >= 4 * SHORTEST_NUMBER_MASKED; offset++) {
    for (const littleEndian of [false, true]) {
      const utf16 = utf16Text(nibbles.subarray(offset), littleEndian);
      if (utf16 !== undefined) read(readingOf(at, offset, utf16), utf16.spelled);
    }
  }
}

function readingOf(at: Int32Array, offset: number, text: SpelledText): Reading {
  return { at, offset, width: text.width, starts: text.starts };
}

/**
 * `out` (`text` with its own masks, of the same length) with the numbers that `text` spells as the hex of ASCII or
 * EBCDIC bytes masked by the rule of {@link maskDigitRuns}, each hidden character's two hex digits as `**` (see
 * {@link eachHexReading}: `F4F7F6F1F7F3************F0F0F1F0`, `F4 F7 F6 F1 F7 F3 ** ** ** ** ** ** F0 F0 F1 F0`; the
 * track data after one, track 1's name included). Linear in the length of `text`.
 */
export function maskHexRuns(text: string, out: string): string {
  let starred: Uint8Array | undefined;
  eachHexReading(text, (reading, spelled, masked) => {
    starred ??= new Uint8Array(text.length);
    maskWork.steps += spelled.length;
    for (let k = 0; k < spelled.length; k++) {
      if (masked.charCodeAt(k) === spelled.charCodeAt(k)) continue;
      for (let i = hexOf(reading, k), end = hexOf(reading, k + 1); i < end; i++) starred[reading.at[i]!] = 1;
    }
  });
  if (starred === undefined) return out;
  maskWork.steps += text.length;
  const chars = Buffer.from(out, 'utf16le');
  for (let i = 0; i < starred.length; i++) if (starred[i] === 1) chars.writeUInt16LE(STAR, 2 * i);
  return chars.toString('utf16le');
}

/**
 * The pieces of `text` that spell, as the hex of ASCII or EBCDIC bytes (whole, with their byte pairs apart, at an odd
 * position or inside words: see {@link maskHexRuns}), a number that could be a PAN (the rule of {@link maskDigitRuns}:
 * a run of digits, and a number in groups or loose groups, `5413 3300 ...`, `5413.3300...`, whole), each as it is
 * written in `text`, from its first digit's hex to its last:
 * `hexPanRuns('PAN=F4F7F6F1F7F3F9F0F0F1F0F1F0F0F1F0;')` is `['F4F7F6F1F7F3F9F0F0F1F0F1F0F0F1F0']`. For a logger that
 * looks for a message's card data in what it logs (the inbound endpoint's sequence logs). Linear in the length of
 * `text`. Throws `ISO8583_ERR_OPTION` for a value that is not text.
 */
export function hexPanRuns(text: string): string[] {
  textArgument(text, 'text');
  const runs: string[] = [];
  eachHexReading(text, (reading, spelled, masked) => {
    const { at } = reading;
    const piece = (start: number, end: number): string => text.slice(at[hexOf(reading, start)], at[hexOf(reading, end) - 1]! + 1);
    for (let k = 0, read = 0; k < spelled.length; ) {
      maskWork.steps++;
      if (masked.charCodeAt(k) === spelled.charCodeAt(k) || !isDigit(spelled.charCodeAt(k))) {
        k++;
        continue;
      }
      let start = k;
      while (start > 0 && isDigit(spelled.charCodeAt(start - 1))) start--;
      let end = k + 1;
      while (end < spelled.length && isDigit(spelled.charCodeAt(end))) end++;
      maskWork.steps += end - start;
      if (isPanShaped(spelled.slice(start, end))) runs.push(piece(start, end));
      // The number in groups (loose ones too) the hidden digit is in, whole: back over digits and separators (not past
      // what was read), then read forward by the rule's reading of groups.
      let first = start;
      while (first > read && (isDigit(spelled.charCodeAt(first - 1)) || looseSeparatorEnd(spelled, first - 1) === first)) first--;
      while (!isDigit(spelled.charCodeAt(first))) first++;
      let last = groupedNumber(spelled, first, noRun, true);
      if (last < end) last = groupedNumber(spelled, (first = start), noRun, true);
      maskWork.steps += 2 * (last - first);
      if (last > end || first < start) runs.push(piece(first, last));
      k = read = Math.max(end, last);
    }
  });
  return [...new Set(runs)];
}

function noRun(): void {}
