/**
 * The free-text masks of `maskDigitRuns` and `maskGroupedNumbers` as they were written before they cut a masked
 * number's stars as one slice (digit-runs.ts until then): each masked number built as strings (a slice, `maskPan`'s
 * pieces, the track's stars) and the pieces joined. Kept only as the reference that the
 * masks' equivalence test (mask-equivalence.test.ts) compares them with on random text: the rule itself lives in
 * digit-runs.ts, and this copy is never run outside the tests.
 */
import { luhnValid, maskPan } from '../src/index.js';
import { maskEscapedDigits } from '../src/digit-escapes.js';

const ALWAYS_MASKED = 12;
const SHORTEST_PAN = 8;
const GROUPED_PAN = 13;
const LONGEST_GAP = 3;
const TRACK1_NAME = 26;
const STAR = 0x2a;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function separatorEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === 0x20 || code === 0x2d || code === 0x09 || code === 0x2b) return at + 1;
  if (code !== 0x20 && /\p{Zs}/u.test(String.fromCharCode(code))) return at + 1;
  if (/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/.test(String.fromCharCode(code))) return at + 1;
  if (code !== 0x25 || text.charCodeAt(at + 1) !== 0x32) return at;
  const low = text.charCodeAt(at + 2) | 0x20;
  return low === 0x30 || low === 0x64 || low === 0x62 ? at + 3 : at;
}

function isPanShaped(digits: string): boolean {
  let zeros = 0;
  while (zeros < digits.length && digits.charCodeAt(zeros) === 0x30) zeros++;
  const significant = digits.length - zeros;
  return significant >= ALWAYS_MASKED || (significant >= SHORTEST_PAN && luhnValid(digits));
}

function runEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

function groupedNumber(text: string, start: number, run: (start: number, end: number) => void): number {
  let end = runEnd(text, start);
  run(start, end);
  for (;;) {
    let gap = end;
    for (let k = 0, next = separatorEnd(text, gap); k < LONGEST_GAP && next > gap; k++, next = separatorEnd(text, gap)) gap = next;
    if (gap === end || !isDigit(text.charCodeAt(gap))) return end;
    end = runEnd(text, gap);
    run(gap, end);
  }
}

/** A gap of a number in loose groups: 1 to 8 separators (`.`, `/`, `_`, `,`, `:`, `|` too). */
const LOOSE_GAP = /(?:[ \t+\-./_,:|\u2010-\u2015\u2212\ufe58\ufe63\uff0d]|\p{Zs}|%2[0dDbB]){1,8}/uy;

/** A number grouped by thousands (`4,111,111,...`): 1 to 3 digits, then groups of 3 after one mark, no decimal part. */
const THOUSANDS = /([0-9]{1,3})([,.'\u2019\u066c\u060c])[0-9]{3}(?:\2[0-9]{3})*(?![0-9])/y;
/** A number in Indian grouping (`4,22,22,22,22,22,222`): 1 or 2 digits, groups of 2 after one mark, the last of 3. */
const INDIAN = /([0-9]{1,2})([,.'\u2019\u066c\u060c])[0-9]{2}(?:\2[0-9]{2})*\2[0-9]{3}(?![0-9])/y;

/** The end of the number grouped by thousands from `start`, or -1 (the whole chain, 13-19 digits, Luhn). */
function thousandsNumberEnd(text: string, start: number): number {
  THOUSANDS.lastIndex = start;
  INDIAN.lastIndex = start;
  const found = THOUSANDS.exec(text) ?? INDIAN.exec(text);
  if (found === null || runEnd(text, start) !== start + found[1]!.length) return -1;
  const mark = found[2]!;
  const end = start + found[0].length;
  if (start >= 2 && text[start - 1] === mark && isDigit(text.charCodeAt(start - 2))) return -1;
  if (mark === '.' && /[vV]/.test(text[start - 1] ?? '')) return -1;
  if (text[end] === mark && isDigit(text.charCodeAt(end + 1))) return -1;
  if (/[,.'\u2019\u066c\u060c\u066b]/.test(text[end] ?? '') && isDigit(text.charCodeAt(end + 1))) return -1;
  const digits = text.slice(start, end).replace(/[^0-9]/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? end : -1;
}

/**
 * The end of the number in loose groups from `start`, or -1: every gap written as the first, groups of 4-6 but the
 * last, 13-19 digits, Luhn, no group before or after it joined by the same gap.
 */
function looseNumberEnd(text: string, start: number): number {
  const first = runEnd(text, start);
  if (first - start < 4) return thousandsNumberEnd(text, start);
  if (first - start > 6) return -1;
  LOOSE_GAP.lastIndex = first;
  const gap = LOOSE_GAP.exec(text)?.[0];
  if (gap === undefined || !isDigit(text.charCodeAt(first + gap.length))) return -1;
  if (start - gap.length - 1 >= 0 && text.slice(start - gap.length, start) === gap && isDigit(text.charCodeAt(start - gap.length - 1))) return -1;
  const groups = [text.slice(start, first)];
  let end = first;
  while (text.startsWith(gap, end) && isDigit(text.charCodeAt(end + gap.length))) {
    const to = runEnd(text, end + gap.length);
    groups.push(text.slice(end + gap.length, to));
    end = to;
  }
  const digits = groups.join('');
  if (groups.slice(0, -1).some((g) => g.length < 4) || groups.some((g) => g.length > 6)) return -1;
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? end : -1;
}

function panShapedRun(text: string, from: number, groupedOnly: boolean): [number, number] | undefined {
  let chainEnd = 0;
  for (let i = from; i < text.length; ) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    const first = runEnd(text, i);
    if (start >= chainEnd) {
      let digits = 0;
      const end = groupedNumber(text, start, (from, to) => {
        digits += to - from;
      });
      if (end > first && digits >= GROUPED_PAN) return [start, end];
      chainEnd = end;
    }
    const loose = looseNumberEnd(text, start);
    if (loose > 0) return [start, loose];
    if (!groupedOnly && first - start >= SHORTEST_PAN && isPanShaped(text.slice(start, first))) return [start, first];
    i = first;
  }
  return undefined;
}

function trackEnd(text: string, at: number): number {
  const separator = text[at];
  let i = at + 1;
  if (separator === '^') {
    const close = text.indexOf('^', i);
    if (close < 0 || close - i > TRACK1_NAME) return at;
    i = close + 1;
  } else if (separator === 'D' || separator === 'd') {
    if (!/^[=Dd]*[0-9]/.test(text.slice(i))) return at;
  } else if (separator !== '=') {
    return at;
  }
  // The separator again among the digits (a field of the track left out): the track runs on over it; the track 2
  // separators (`=`, `D`, `d`) are one another's.
  const again = separator === '^' ? /[0-9^]/ : /[0-9=Dd]/;
  while (i < text.length && again.test(text[i]!)) i++;
  return i;
}

function maskedNumber(text: string, start: number, end: number): string {
  let digits = 0;
  for (let i = start; i < end; ) {
    if (isDigit(text.charCodeAt(i))) {
      digits++;
      i++;
    } else i = Math.max(i + 1, separatorEnd(text, i));
  }
  const number = text.slice(start, end);
  if (digits === number.length) return maskPan(number);
  const shape = maskPan('0'.repeat(digits));
  const firstHidden = shape.indexOf('*');
  const lastHidden = shape.lastIndexOf('*');
  const chars = number.split('');
  for (let i = 0, d = 0; i < chars.length; ) {
    if (isDigit(number.charCodeAt(i))) {
      if (d >= firstHidden && d <= lastHidden) chars[i] = String.fromCharCode(STAR);
      d++;
      i++;
    } else i = Math.max(i + 1, separatorEnd(number, i));
  }
  return chars.join('');
}

function maskedTrack(text: string, at: number, end: number): string {
  const close = text[at] === '^' ? text.indexOf('^', at + 1) : -1;
  if (close < 0) return text[at]! + '*'.repeat(end - at - 1);
  return `^${'*'.repeat(close - at - 1)}^${'*'.repeat(end - close - 1)}`;
}

/**
 * `maskDigitRuns(text)` (`groupedOnly` false) or `maskGroupedNumbers(text)` (true) as it was, with numbers in loose
 * groups read by a regular expression; the escapes of digits (`&#52;`, `\u0034`, `%34`) decoded by the masks' own
 * `maskEscapedDigits` (digit-escapes.test.ts checks that reading), twice at most (`%2534`); the text so masked
 * masked again until that changes nothing, 4 passes at most (what a masked number shows at its ends can be a group of
 * a number in loose groups: `1234567890124111.1111.1111.1111`); a text that the 4th pass still changed fails closed
 * ({@link referenceAllDigitsStarred}).
 */
export function referenceMask(text: string, groupedOnly: boolean): string {
  // A text read with its Unicode digits as ASCII ones is masked by the whole-run rule by both masks: no exact form of
  // card data is a Unicode one (digit-runs.ts, `maskGroupedNumbers`).
  // What the fold hides changes what the text's own reading finds, and the reverse: both again until settled.
  const settled = referenceAsciiMask(text, groupedOnly);
  let masked = referenceFold(text, settled, referenceAsciiMask);
  if (masked === settled) return masked;
  for (let pass = 1; pass < 4; pass++) {
    const before = masked;
    masked = referenceFold(before, referenceAsciiMask(before, groupedOnly), referenceAsciiMask);
    if (masked === before) return masked;
  }
  return referenceFold(masked, referenceAllDigitsStarred(masked), referenceAllDigitsStarred);
}

/**
 * `out` with what the whole-run rule hides of `text` read with every Unicode decimal digit as its ASCII digit, every
 * full-width form (U+FF01-FF5E) as its ASCII character, and every
 * format character or combining mark left out, starred in place; `out` when `text` holds none of them. Its own fold
 * (code point by code point, by regular expressions), not the masks' table of unicode-digits.ts.
 */
function referenceFold(text: string, out: string, mask: (text: string, groupedOnly: boolean) => string): string {
  let folded = '';
  // Each character of `text` read: where it is in `text`, and where its reading is in `folded`.
  const places: Array<{ from: number; to: number; at: number; length: number }> = [];
  let at = 0;
  for (const char of text) {
    const place = { from: at, to: at + char.length, at: folded.length, length: 0 };
    at += char.length;
    if (/[\p{M}\p{Cf}]/u.test(char)) continue;
    const code = char.codePointAt(0)!;
    const wide = code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : char;
    const read = /\p{Nd}/u.test(char) ? String(digitValue(code)) : wide;
    folded += read;
    place.length = read.length;
    places.push(place);
  }
  if (folded === text) return out;
  const masked = mask(folded, false);
  const chars = out.split('');
  for (const { from, to, at: k, length } of places) {
    if (masked.slice(k, k + length) !== folded.slice(k, k + length)) for (let i = from; i < to; i++) chars[i] = '*';
  }
  return chars.join('');
}

/** The value of a decimal digit: how far it is from the first of its row of digits, modulo 10. */
function digitValue(code: number): number {
  let first = code;
  while (/\p{Nd}/u.test(String.fromCodePoint(first - 1))) first--;
  return (code - first) % 10;
}

function referenceAsciiMask(text: string, groupedOnly: boolean): string {
  let masked = text;
  for (let pass = 0; pass < 4; pass++) {
    const again = referenceMaskPass(masked, groupedOnly);
    if (again === masked) return masked;
    masked = again;
  }
  return referenceAllDigitsStarred(masked);
}

/** A track separator `^`, as it is or escaped (`\u005e`, `%5E`, `&#94;`, `&#x5e;`, up to 7 digits with leading zeros; `&Hat;`). */
const CARET = String.raw`(?:\^|\\u005[eE]|%5[eE]|&#0{0,5}94;|&#[xX]0{0,5}5[eE];|&Hat;)`;

/** A run of digits, and the track 1 name after it between two carets (as they are or escaped; 26 characters at most). */
const DIGITS_AND_NAME = new RegExp(String.raw`([0-9]+)(?:(${CARET})((?:(?!${CARET})[\s\S]){0,26})(?=${CARET}))?`, 'g');

/** `text` with every digit starred, and a track 1 name after a digit (`^NAME^`, 26 characters at most) between its `^`. */
export function referenceAllDigitsStarred(text: string): string {
  const star = (part: string): string => '*'.repeat(part.length);
  return text
    .replace(DIGITS_AND_NAME, (_found, digits: string, caret: string | undefined, name: string | undefined) =>
      star(digits) + (caret === undefined ? '' : caret.replace(/[0-9]/g, '*') + star(name ?? '')))
    .replace(/[0-9]/g, '*');
}

/** One pass of {@link referenceMask}: the text read as it is, and decoded (twice at most), and masked once. */
export function referenceMaskPass(text: string, groupedOnly: boolean): string {
  const decodedTwice = (decoded: string): string => maskEscapedDigits(decoded, referenceNumbers(decoded, false), (twice) => referenceNumbers(twice, false));
  return maskEscapedDigits(text, referenceNumbers(text, groupedOnly), decodedTwice);
}

function referenceNumbers(text: string, groupedOnly: boolean): string {
  const parts: string[] = [];
  let copied = 0;
  for (let run = panShapedRun(text, 0, groupedOnly); run !== undefined; run = panShapedRun(text, copied, groupedOnly)) {
    const [start, end] = run;
    parts.push(text.slice(copied, start), maskedNumber(text, start, end));
    const track = trackEnd(text, end);
    if (track > end) parts.push(maskedTrack(text, end, track));
    copied = track;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}
