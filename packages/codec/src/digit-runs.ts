import { textArgument } from './arguments.js';
import { luhnValid, maskPan } from './pan.js';

/*
 * The last guard for card data in free text (a private field no one marked, such as 48, 62 or 126; an error text; a
 * request path): every run of digits that could be a PAN is masked as a PAN, and the track data that follows one is
 * hidden. The rule, one home for every part that masks text:
 *
 * - a run of 12 or more digits (leading zeros aside) is masked, whatever its check digit: a PAN of 12 to 19 digits
 *   (the length of every PAN before ISO/IEC 7812-1:2017, and of every payment card PAN issued today), a PAN whose
 *   check digit is not Luhn (some private-label cards), and a PAN glued to other digits;
 * - a run of 8 to 11 digits (leading zeros aside) is masked when it passes the Luhn check: the short PANs that
 *   ISO/IEC 7812-1:2017 allows (8 digits and up) and private-label cards of 11. A run of 8 to 11 digits that fails the
 *   check cannot be a PAN of that length;
 * - a run of 7 digits or fewer is never masked: STANs (6), times (4, 6), dates (4, 6), response and processing codes.
 *
 * What it costs: about one 8- to 11-digit number in ten that is not a PAN passes the Luhn check by chance (a date
 * `YYYYMMDD`, a transmission date and time `MMDDhhmmss`, an epoch second, a large amount) and is masked too; a
 * 12-digit retrieval reference number or amount written in free text was masked already (fields 37 and 4 themselves
 * are shown: they are fixed-length keys and numerics, not free text). A PAN written with spaces or dashes between its
 * digits is not found: fields that may carry one are marked `sensitive`.
 */

/** Significant digits from which a run is masked whatever its check digit. */
const ALWAYS_MASKED = 12;
/** The fewest digits of a PAN (ISO/IEC 7812-1:2017): a shorter run is never masked. */
const SHORTEST_PAN = 8;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * True when a run of digits could be a PAN (see the rule above): 12 or more digits after any leading zeros, or 8 to
 * 11 that pass the Luhn check. `digits` is digits only.
 */
export function isPanShaped(digits: string): boolean {
  let zeros = 0;
  while (zeros < digits.length && digits.charCodeAt(zeros) === 0x30) zeros++;
  const significant = digits.length - zeros;
  return significant >= ALWAYS_MASKED || (significant >= SHORTEST_PAN && luhnValid(digits));
}

/** True when `text` holds a run of digits that {@link maskDigitRuns} masks. */
export function hasPanShapedRun(text: string): boolean {
  return panShapedRun(text, 0) !== undefined;
}

/** The first run of digits of `text` from `from` on that {@link isPanShaped} says could be a PAN: `[start, end)`. */
function panShapedRun(text: string, from: number): [number, number] | undefined {
  for (let i = from; i < text.length; ) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i - start >= SHORTEST_PAN && isPanShaped(text.slice(start, i))) return [start, i];
  }
  return undefined;
}

/** The longest cardholder name of track 1 (between its two `^`). */
const TRACK1_NAME = 26;

/**
 * Where the track data after a PAN that ends at `at` ends: after `=` (track 2 and 3 in text) and its digits, after
 * `D` (the track 2 separator of BCD) and at least one digit, after `^NAME^` (track 1, a name of up to 26 characters)
 * and its digits; `at` when none follows.
 */
function trackEnd(text: string, at: number): number {
  const separator = text[at];
  let i = at + 1;
  if (separator === '^') {
    const close = text.indexOf('^', i);
    if (close < 0 || close - i > TRACK1_NAME) return at;
    i = close + 1;
  } else if (separator === 'D') {
    if (!isDigit(text.charCodeAt(i))) return at;
  } else if (separator !== '=') {
    return at;
  }
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/**
 * `text` with every run of digits that could be a PAN masked as {@link maskPan} masks a PAN, and the track data after
 * one (`=` or `D` and the digits that follow: expiry, service code, discretionary data; track 1's `^NAME^` and its
 * digits) replaced by stars, its separators kept: `CVV2=123;PAN=541333******0434`,
 * `476173******0010=*****************`. Masked: 12 or more digits (leading zeros aside), and 8 to 11 that pass the
 * Luhn check (ISO/IEC 7812-1:2017 PANs are 8 to 19 digits); 7 or fewer never (a STAN, a time). Runs are cut by any
 * character that is not a digit: a PAN written with spaces or dashes is not found. Throws `ISO8583_ERR_OPTION` for a
 * value that is not text.
 */
export function maskDigitRuns(text: string): string {
  textArgument(text, 'text');
  let out = '';
  let copied = 0;
  for (let run = panShapedRun(text, 0); run !== undefined; run = panShapedRun(text, copied)) {
    const [start, i] = run;
    out += text.slice(copied, start) + maskPan(text.slice(start, i));
    const end = trackEnd(text, i);
    if (end > i) out += text[i] + text.slice(i + 1, end).replace(/[^^]/g, '*');
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
